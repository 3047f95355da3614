import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { nodeAt, startFakeKubelet, type FakeKubelet } from '../../../test/support/fake-kubelet.js';
import { eventually } from '../../../test/support/eventually.js';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { createCertificateAuthority, issueClientCertificate } from '../../pki/index.js';
import { createKubeletClient, kubeletEndpoint, type KubeletClient } from './index.js';

const node = (status: object): KubeObject => ({ metadata: { name: 'n1' }, status });

describe('kubeletEndpoint', () => {
  it('takes the InternalIP, then the Hostname, and the reported port (default 10250)', () => {
    assert.deepEqual(
      kubeletEndpoint(
        'n1',
        node({
          addresses: [
            { type: 'Hostname', address: 'n1.local' },
            { type: 'InternalIP', address: '10.0.0.7' },
          ],
          daemonEndpoints: { kubeletEndpoint: { Port: 12250 } },
        }),
      ),
      { host: '10.0.0.7', port: 12250 },
    );
    assert.deepEqual(
      kubeletEndpoint('n1', node({ addresses: [{ type: 'Hostname', address: 'n1.local' }] })),
      { host: 'n1.local', port: 10250 },
    );
  });

  it("refuses a missing node and one without a usable address in kube's words", () => {
    assert.throws(
      () => kubeletEndpoint('gone', undefined),
      (e: unknown) =>
        e instanceof ApiError && e.code === 404 && e.message === 'nodes "gone" not found',
    );
    assert.throws(
      () =>
        kubeletEndpoint(
          'n1',
          node({ addresses: [{ type: 'ExternalIP', address: '203.0.113.9' }] }),
        ),
      (e: unknown) =>
        e instanceof ApiError &&
        e.code === 500 &&
        e.message ===
          'Internal error occurred: no preferred addresses found; known addresses: [{ExternalIP 203.0.113.9}]',
    );
  });
});

describe('createKubeletClient', () => {
  let kubelet: FakeKubelet;
  let client: KubeletClient;
  let untrusted: KubeletClient;
  before(async () => {
    const ca = createCertificateAuthority();
    const cert = issueClientCertificate(ca, {
      commonName: 'kube-apiserver-kubelet-client',
      organizations: ['system:masters'],
    });
    kubelet = await startFakeKubelet(ca);
    kubelet.handler = (req, res) => {
      res.statusCode = req.url === '/metrics/resource' ? 200 : 404;
      res.end(req.url === '/metrics/resource' ? 'node_cpu_usage_seconds_total 1\n' : 'no');
    };
    const getNode = async (name: string) =>
      name === 'n1' ? (nodeAt('n1', kubelet.port) as unknown as KubeObject) : undefined;
    client = createKubeletClient({
      clientCertPem: cert.certPem,
      clientKeyPem: cert.keyPem,
      caPem: ca.certPem,
      getNode,
    });
    // A client trusting another CA must not accept the kubelet's certificate.
    const other = createCertificateAuthority();
    untrusted = createKubeletClient({
      clientCertPem: cert.certPem,
      clientKeyPem: cert.keyPem,
      caPem: other.certPem,
      getNode,
    });
  });
  after(async () => {
    client.close();
    untrusted.close();
    await kubelet.close();
  });

  it('GETs a node path with its client certificate and returns status and body', async () => {
    assert.deepEqual(await client.get('n1', '/metrics/resource'), {
      status: 200,
      body: 'node_cpu_usage_seconds_total 1\n',
    });
    assert.equal((await client.get('n1', '/other')).status, 404);
    assert.equal(kubelet.requests.at(-1)?.clientCN, 'kube-apiserver-kubelet-client');
    await assert.rejects(client.get('gone', '/metrics/resource'), /nodes "gone" not found/);
  });

  it('upgrades over a connection made ahead, resuming the last session, the identity kept', async () => {
    kubelet.onUpgrade = (_req, socket) =>
      socket.end(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n',
      );
    const upgrade = (): Promise<{ reused: boolean; ready: boolean }> =>
      new Promise((resolve, reject) => {
        const buffer = Buffer.alloc(1024);
        const s = client.connect('127.0.0.1', kubelet.port, {
          onread: {
            buffer,
            callback: (n, buf) => {
              assert.match(Buffer.from(buf.subarray(0, n)).toString(), /^HTTP\/1\.1 101 /);
              const reused = s.isSessionReused();
              s.on('close', () => resolve({ reused, ready }));
              return true;
            },
          },
          onSecure: () =>
            s.write(
              'GET /exec/ns/p/c HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n',
            ),
        });
        // A connection made ahead is up already.
        const ready = !s.connecting;
        s.on('error', reject);
      });
    const before = kubelet.requests.length;
    const connectionsBefore = kubelet.connections;
    assert.deepEqual(await upgrade(), { reused: false, ready: false });
    // One connection made ahead, resuming the first one's session.
    await eventually(() => kubelet.connections === connectionsBefore + 2, 'a spare connection');
    assert.deepEqual(await upgrade(), { reused: true, ready: true });
    await eventually(() => kubelet.connections === connectionsBefore + 3, 'the next spare');
    assert.deepEqual(await upgrade(), { reused: true, ready: true });
    assert.deepEqual(
      kubelet.requests.slice(before).map((r) => [r.clientCN, r.clientO]),
      Array(3).fill(['kube-apiserver-kubelet-client', ['system:masters']]),
    );
  });

  it("verifies the kubelet's serving certificate against the CA", async () => {
    await assert.rejects(untrusted.get('n1', '/metrics/resource'), (e: NodeJS.ErrnoException) =>
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify/i.test(
        String(e.code ?? e.message),
      ),
    );
  });
});

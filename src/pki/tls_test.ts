// The generated credentials used for real: an HTTPS server with the serving certificate that
// asks for client certificates, reached by Node's client and by curl.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  createCertificateAuthority,
  ensureClusterPki,
  issueClientCertificate,
  userFromCertificate,
  type ClusterPki,
} from './index.js';

const run = promisify(execFile);

describe('TLS with the cluster PKI', () => {
  let root: string;
  let pki: ClusterPki;
  let server: Server;
  let port: number;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'skiff-tls-'));
    pki = ensureClusterPki({ dir: join(root, 'pki') });
    server = createServer(
      {
        cert: pki.apiserver.certPem,
        key: pki.apiserver.keyPem,
        ca: pki.ca.certPem,
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        const socket = req.socket as TLSSocket;
        const peer = socket.getPeerCertificate();
        const user = socket.authorized ? userFromCertificate(peer) : undefined;
        // Also read the subject the way Node reports it, without the DER.
        const { raw: _raw, ...withoutDer } = peer;
        const fromFields = socket.authorized
          ? userFromCertificate(withoutDer as typeof peer)
          : undefined;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ authorized: socket.authorized, user, fromFields }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(root, { recursive: true, force: true });
  });

  function get(
    host: string,
    client: { cert?: string; key?: string },
  ): Promise<{ authorized: boolean; user?: unknown; fromFields?: unknown }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          servername: host === '127.0.0.1' ? undefined : host,
          port,
          path: '/',
          ca: pki.ca.certPem,
          ...client,
        },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve(JSON.parse(body) as never));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('accepts the admin certificate and sees its CN and O', async () => {
    const reply = await get('127.0.0.1', { cert: pki.admin.certPem, key: pki.admin.keyPem });
    assert.equal(reply.authorized, true);
    assert.deepEqual(reply.user, { name: 'skiff-admin', groups: ['system:masters'] });
    assert.deepEqual(reply.fromFields, { name: 'skiff-admin', groups: ['system:masters'] });
  });

  it('verifies the server under each of its names', async () => {
    for (const host of [
      'localhost',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ]) {
      const reply = await get(host, { cert: pki.admin.certPem, key: pki.admin.keyPem });
      assert.equal(reply.authorized, true, host);
    }
    await assert.rejects(get('example.com', {}), /altnames/i);
  });

  it('sees every group of a node certificate', async () => {
    const node = issueClientCertificate(pki.ca, {
      commonName: 'system:node:node-a',
      organizations: ['system:nodes', 'skiff:agents'],
    });
    const reply = await get('localhost', { cert: node.certPem, key: node.keyPem });
    const expected = { name: 'system:node:node-a', groups: ['system:nodes', 'skiff:agents'] };
    assert.deepEqual(reply.user, expected);
    assert.deepEqual(reply.fromFields, expected);
  });

  it('does not authorize a certificate from another CA, nor no certificate', async () => {
    const stranger = issueClientCertificate(createCertificateAuthority(), {
      commonName: 'intruder',
      organizations: ['system:masters'],
    });
    const reply = await get('localhost', { cert: stranger.certPem, key: stranger.keyPem });
    assert.deepEqual(reply, { authorized: false });
    assert.deepEqual(await get('localhost', {}), { authorized: false });
  });

  it('works for curl with --cacert, --cert and --key', async () => {
    const files = {
      ca: join(root, 'ca.pem'),
      cert: join(root, 'admin.pem'),
      key: join(root, 'admin-key.pem'),
    };
    writeFileSync(files.ca, pki.ca.certPem);
    writeFileSync(files.cert, pki.admin.certPem);
    writeFileSync(files.key, pki.admin.keyPem, { mode: 0o600 });
    const { stdout } = await run('curl', [
      '-sS',
      '--cacert',
      files.ca,
      '--cert',
      files.cert,
      '--key',
      files.key,
      '--resolve',
      `localhost:${port}:127.0.0.1`,
      `https://localhost:${port}/`,
    ]);
    assert.deepEqual((JSON.parse(stdout) as { user: unknown }).user, {
      name: 'skiff-admin',
      groups: ['system:masters'],
    });
  });
});

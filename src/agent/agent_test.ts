// The node agent against the in-process API, running real containers in a test host
// network namespace (never the machine's own). Needs root, runc (or crun), conmon,
// iproute2 and nftables; skips with the reason otherwise.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApi, type TestApi } from '../../test/support/inprocess.js';
import { eventually } from '../../test/support/eventually.js';
import { resources } from '../client/index.js';
import { createLogger } from '../log/index.js';
import type { KubeObject } from '../api/types.js';
import {
  buildImage,
  ensureTestImages,
  IMAGES,
  startTestRegistry,
} from '../../test/support/images.js';
import { createNodeAgent, type NodeAgent } from './agent.js';
import {
  createCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
} from '../pki/index.js';
import WebSocket from 'ws';
import { createCommandRunner } from './runner/index.js';
import { containerTestSkipReason } from '../../test/support/agent-runtime.js';
import {
  createTestNetns,
  skipReason as netSkipReason,
  type TestNetns,
} from '../../test/support/agent-sandbox.js';

const skip = containerTestSkipReason() ?? netSkipReason();
const NODE = 'agent-test-node';

/** `eventually` with this suite's pace: containers start in seconds. */
const until = <T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> =>
  eventually(fn, what, { timeoutMs: ms, intervalMs: 200 });

describe('node agent', { skip }, () => {
  let api: TestApi;
  let host: TestNetns;
  let dataDir: string;
  let agent: NodeAgent;
  const ac = new AbortController();
  const commandRunner = createCommandRunner();
  const ca = createCertificateAuthority();
  const serving = issueServingCertificate(ca, {
    commonName: NODE,
    altNames: { dnsNames: [NODE], ips: ['127.0.0.1'] },
  });
  const apiserverClient = issueClientCertificate(ca, {
    commonName: 'kube-apiserver-kubelet-client',
    organizations: ['system:masters'],
  });

  before(async () => {
    api = await startTestApi({ serviceAccounts: true });
    host = await createTestNetns('skiff-agent');
    dataDir = mkdtempSync(join(tmpdir(), 'skiff-agent-'));
    agent = createNodeAgent({
      client: api.client,
      nodeName: NODE,
      dataDir,
      podCIDR: `10.${200 + Math.floor(Math.random() * 50)}.0.0/24`,
      clusterDNS: '10.96.0.10',
      clusterDomain: 'cluster.local',
      caPem: '',
      logger: createLogger({ level: 'warn', write: (l) => process.stderr.write(l + '\n') }),
      signal: ac.signal,
      nodeNetns: host.path,
      commandRunner,
      server: {
        port: 0,
        host: '127.0.0.1',
        certPem: serving.certPem,
        keyPem: serving.keyPem,
        clientCaPem: ca.certPem,
      },
    });
    const built = await ensureTestImages({ images: [IMAGES.busybox, IMAGES.kubia] });
    for (const name of [IMAGES.busybox, IMAGES.kubia])
      await agent.images.importArchive(built.archives[name] as string);
    await agent.start();
  });

  after(async () => {
    // Delete every pod and let the agent tear it down before the namespace goes.
    const list = await api.client.list(resources.pods, 'default').catch(() => ({ items: [] }));
    for (const p of list.items)
      await api.client
        .delete(resources.pods, 'default', p.metadata.name ?? '', { gracePeriodSeconds: 1 })
        .catch(() => undefined);
    await until(
      'pods gone',
      async () =>
        (await api.client.list(resources.pods, 'default')).items.length === 0 ? true : undefined,
      60_000,
    ).catch(() => undefined);
    ac.abort();
    commandRunner.close();
    await host.remove();
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const pod = (name: string, spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 2, ...spec },
  });
  const get = (name: string) => api.client.get(resources.pods, 'default', name);
  const status = (p: KubeObject) => (p['status'] ?? {}) as Record<string, any>;
  const ready = (p: KubeObject) =>
    status(p).conditions?.find((c: any) => c.type === 'Ready')?.status === 'True';

  it('registers a Ready node', async () => {
    const node = await api.client.get(resources.nodes, '', NODE);
    const cond = (node['status'] as any).conditions.find((c: any) => c.type === 'Ready');
    assert.equal(cond.status, 'True');
  });

  it("refuses to start, in the node's words, when its API port is taken", async () => {
    // A second agent (its own namespace and data) on the first one's kubelet port.
    const other = await createTestNetns('skiff-agent2');
    const otherDir = mkdtempSync(join(tmpdir(), 'skiff-agent2-'));
    const stop = new AbortController();
    try {
      const second = createNodeAgent({
        client: api.client,
        nodeName: `${NODE}-2`,
        dataDir: otherDir,
        podCIDR: '10.199.0.0/24',
        caPem: '',
        logger: createLogger({ level: 'error' }),
        signal: stop.signal,
        nodeNetns: other.path,
        commandRunner,
        server: {
          port: agent.serverPort ?? 0,
          host: '127.0.0.1',
          certPem: serving.certPem,
          keyPem: serving.keyPem,
          clientCaPem: ca.certPem,
        },
      });
      await assert.rejects(second.start(), {
        message: `cannot serve the node's API on 127.0.0.1:${agent.serverPort}: the address is already in use (another kubelet? choose another port with --kubelet-port)`,
      });
    } finally {
      stop.abort();
      await other.remove();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('runs kubia: Running, Ready, with a pod IP that answers', async () => {
    await api.client.create(
      resources.pods,
      'default',
      pod('kubia-a', {
        containers: [
          {
            name: 'kubia',
            image: IMAGES.kubia,
            imagePullPolicy: 'Never',
            ports: [{ containerPort: 8080 }],
          },
        ],
      }),
    );
    const p = await until('kubia-a Ready', async () => {
      const p = await get('kubia-a');
      return status(p).phase === 'Running' && ready(p) ? p : undefined;
    }).catch(async (e) => {
      throw new Error(`${e.message}; status: ${JSON.stringify(status(await get('kubia-a')))}`);
    });
    const ip = status(p).podIP as string;
    assert.match(ip, /^10\.\d+\.0\.\d+$/);
    const cs = status(p).containerStatuses[0];
    assert.equal(cs.ready, true);
    assert.match(cs.containerID, /^runc:\/\//);
    assert.ok(cs.state.running.startedAt);
    const body = await until(
      'HTTP answer',
      async () =>
        (await host.run(['curl', '-s', '--max-time', '3', `http://${ip}:8080/`])) || undefined,
    );
    assert.equal(body.trim(), "You've hit kubia-a");
  });

  it('a container exiting 1 with restartPolicy Never fails the pod', async () => {
    await api.client.create(
      resources.pods,
      'default',
      pod('fail-once', {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'c',
            image: IMAGES.busybox,
            imagePullPolicy: 'Never',
            command: ['sh', '-c', 'exit 1'],
          },
        ],
      }),
    );
    const p = await until('fail-once Failed', async () => {
      const p = await get('fail-once');
      return status(p).phase === 'Failed' ? p : undefined;
    });
    const t = status(p).containerStatuses[0].state.terminated;
    assert.equal(t.exitCode, 1);
    assert.equal(t.reason, 'Error');
  });

  it('the /var/ready readiness probe flips Ready', async () => {
    await api.client.create(
      resources.pods,
      'default',
      pod('probe', {
        containers: [
          {
            name: 'c',
            image: IMAGES.busybox,
            imagePullPolicy: 'Never',
            command: ['sleep', '3600'],
            readinessProbe: { exec: { command: ['ls', '/var/ready'] }, periodSeconds: 1 },
          },
        ],
      }),
    );
    await until('probe Running', async () =>
      status(await get('probe')).phase === 'Running' ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(ready(await get('probe')), false);
    const x = await agent.execIn('default', 'probe', 'c', ['touch', '/var/ready'], false);
    x.stdin?.end();
    assert.equal((await x.exit).exitCode, 0);
    await until('probe Ready', async () => (ready(await get('probe')) ? true : undefined));
  });

  it('serves its HTTPS API: the port in the Node, exec in a running container', async () => {
    const port = agent.serverPort;
    assert.ok(port);
    const node = await api.client.get(resources.nodes, '', NODE);
    assert.equal((node['status'] as any).daemonEndpoints.kubeletEndpoint.Port, port);
    const tls = {
      ca: ca.certPem,
      cert: apiserverClient.certPem,
      key: apiserverClient.keyPem,
      servername: NODE,
    };
    const out = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(
        `wss://127.0.0.1:${port}/exec/default/probe/c?command=echo&command=hi&output=1`,
        ['v4.channel.k8s.io'],
        tls,
      );
      let text = '';
      ws.on('message', (d: Buffer) => {
        if (d[0] === 1) text += d.subarray(1).toString();
        if (d[0] === 3) text += `|${d.subarray(1).toString()}`;
      });
      ws.on('close', () => resolve(text));
      ws.on('error', reject);
    });
    assert.equal(out, 'hi\n|{"metadata":{},"status":"Success"}');
  });

  it("pulls a private image with the pod's imagePullSecrets, and not without", async () => {
    const registry = await startTestRegistry({ auth: 'token', users: { alice: 's3cret' } });
    try {
      registry.put(
        'private/app',
        'v1',
        buildImage({
          name: 'private/app',
          config: { Cmd: ['/app'] },
          layers: [{ entries: [{ name: 'app', data: 'not a program', mode: 0o755 }] }],
        }),
      );
      const image = `${registry.host}/private/app:v1`;
      const dockerconfig = {
        auths: {
          [`http://${registry.host}`]: { auth: Buffer.from('alice:s3cret').toString('base64') },
        },
      };
      await api.client.create(resources.secrets, 'default', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'regcred', namespace: 'default' },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerconfig)).toString('base64') },
      });
      const waiting = async (name: string) =>
        status(await get(name)).containerStatuses?.[0]?.state?.waiting as
          { reason: string; message?: string } | undefined;
      await api.client.create(
        resources.pods,
        'default',
        pod('private-anon', { containers: [{ name: 'app', image }] }),
      );
      const denied = await until('ErrImagePull without the secret', async () => {
        const w = await waiting('private-anon');
        return w?.reason === 'ErrImagePull' ? w : undefined;
      });
      assert.match(denied.message ?? '', /authentication required/);
      await api.client.create(
        resources.pods,
        'default',
        pod('private-auth', {
          imagePullSecrets: [{ name: 'regcred' }],
          containers: [{ name: 'app', image }],
        }),
      );
      const pulled = await until('the image pulled with the secret', () =>
        agent.images.getImage(image),
      );
      assert.deepEqual(pulled.repoTags, [image]);
    } finally {
      await registry.close();
    }
  });

  it("mounts the pod's projected service-account token, issued by the API server", async () => {
    await api.client.create(
      resources.pods,
      'default',
      pod('sa-token', {
        containers: [
          {
            name: 'c',
            image: IMAGES.busybox,
            imagePullPolicy: 'Never',
            command: ['sleep', '3600'],
          },
        ],
      }),
    );
    const p = await until('sa-token Running', async () => {
      const p = await get('sa-token');
      return status(p).phase === 'Running' ? p : undefined;
    });
    const spec = p['spec'] as { volumes: { name: string; projected?: unknown }[] };
    const volume = spec.volumes.find((v) => v.projected)?.name ?? '';
    assert.match(volume, /^kube-api-access-/);
    const file = join(dataDir, 'pods', p.metadata.uid ?? '', 'volumes');
    const token = readFileSync(join(file, 'kubernetes.io~projected', volume, 'token'), 'utf8');
    const review = (await api.client.raw('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token },
    })) as { status: { authenticated?: boolean; user?: Record<string, any> } };
    assert.equal(review.status.authenticated, true);
    assert.equal(review.status.user?.['username'], 'system:serviceaccount:default:default');
    assert.deepEqual(review.status.user?.['extra']['authentication.kubernetes.io/pod-uid'], [
      p.metadata.uid,
    ]);
  });

  it('deleting a pod stops its container and removes the object', async () => {
    const before = await get('kubia-a');
    const ip = status(before).podIP as string;
    await api.client.delete(resources.pods, 'default', 'kubia-a', { gracePeriodSeconds: 2 });
    await until('kubia-a gone', async () => {
      try {
        await get('kubia-a');
        return undefined;
      } catch {
        return true;
      }
    });
    await assert.rejects(host.run(['curl', '-s', '--max-time', '2', `http://${ip}:8080/`]));
  });
});

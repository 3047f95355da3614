// Test support: the whole path kubectl's streams take, on loopback. A real TLS API server
// (memory store) with its kubelet client (`kube-apiserver-kubelet-client`, system:masters,
// from the cluster CA), a real node server (src/agent/server) on 127.0.0.1 with a backend
// that runs things on this host, the Node object pointing at it (InternalIP 127.0.0.1,
// daemonEndpoints port) and pods bound to it. The real kubectl binaries talk to the API
// server, which forwards exec, attach, port-forward and logs to the node.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createNodeServer, type NodeServer } from '../../src/agent/server/index.js';
import type { ExecSession, ExecTarget } from '../../src/agent/server/streaming/types.js';
import { bootstrapPolicyAuthorizer, superUserAuthorizer } from '../../src/apiserver/auth/authz.js';
import type { Authorizer, TokenAuthenticator, UserInfo } from '../../src/apiserver/auth/types.js';
import { createApiServer, type ApiServer } from '../../src/apiserver/index.js';
import {
  createClient,
  createInformer,
  createInProcessTransport,
  resources,
} from '../../src/client/index.js';
import { renderAdminKubeconfig } from '../../src/client/kubeconfig.js';
import { ensureClusterPki, issueServingCertificate } from '../../src/pki/index.js';
import { createMemoryStore } from '../../src/storage/index.js';
import { eventually } from './eventually.js';
import { nodeAt } from './fake-kubelet.js';
import { createHostBackend, type HostBackend, type HostBackendOptions } from './node-server.js';

export { logTimestamp, type HostBackend } from './node-server.js';

const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
export const kubectlPath = (minor: number): string => join(KUBECTL_DIR, `kubectl.1.${minor}`);
export const hasKubectl = (minor: number): boolean => existsSync(kubectlPath(minor));

export const CHAIN_NODE = 'node-1';

/**
 * The host backend of node-server.ts, whose `attach -i` echoes its input upper-cased until it
 * ends (then `bye`), so that input visibly reaches the node.
 */
export function createEchoingHostBackend(o: HostBackendOptions = {}): HostBackend {
  const b = createHostBackend(o);
  const plainAttach = b.attach.bind(b);
  b.attach = (t: ExecTarget): ExecSession | Promise<ExecSession> => {
    if (!t.stdin) return plainAttach(t);
    b.attaches.push(t);
    const out = new PassThrough();
    out.write(`attached to ${t.container}\n`);
    const input = new PassThrough();
    const exit = new Promise<{ code: number }>((resolve) => {
      input.on('data', (c: Buffer) => out.write(c.toString().toUpperCase()));
      input.on('end', () => {
        out.end('bye\n');
        resolve({ code: 0 });
      });
    });
    return { stdin: input, stdout: out, resize: () => {}, exit };
  };
  return b;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  input?: string | Buffer;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Another kubeconfig (e.g. a token user's). */
  kubeconfig?: string;
}

export interface Background {
  readonly stdout: string;
  readonly stderr: string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<RunResult>;
}

/** A streaming request as the API server authorized it: who, and GET (WebSocket) or POST (SPDY). */
export interface StreamRequestSeen {
  user: string;
  method: 'GET' | 'POST';
  subresource: string;
  pod: string;
}

export interface PodSpecOptions {
  containers?: string[];
  phase?: string;
  /** The containers' `state` (default running). */
  state?: Record<string, unknown>;
  lastState?: Record<string, unknown>;
  /** Another node to bind it to (see `addNode`); the node server is not waited for then. */
  nodeName?: string;
}

export interface KubectlChain {
  api: ApiServer;
  node: NodeServer;
  apiPort: number;
  nodePort: number;
  kubeconfig: string;
  /** Every pods/exec|attach|portforward request the API server authorized, in order. */
  streams: StreamRequestSeen[];
  kubectl(minor: number, args: string[], o?: KubectlOptions): Promise<RunResult>;
  background(minor: number, args: string[], o?: KubectlOptions): Background;
  /** Writes a kubeconfig for a bearer-token user; returns its path. */
  tokenKubeconfig(token: string): string;
  /** Creates the pod bound to the node, sets its status, and waits until the node has it. */
  createPod(name: string, o?: PodSpecOptions): Promise<void>;
  /** Registers another Node whose kubelet is at 127.0.0.1:port. */
  addNode(name: string, port: number): Promise<void>;
  close(): Promise<void>;
}

export interface KubectlChainOptions {
  tokens?: Record<string, UserInfo>;
  /** Authorizers before the superuser and bootstrap policy ones. */
  authorizers?: Authorizer[];
}

const ADMIN = { name: 'test-admin', groups: ['system:masters'] };
const STREAMS = new Set(['exec', 'attach', 'portforward']);

export async function startKubectlChain(
  backend: HostBackend,
  o: KubectlChainOptions = {},
): Promise<KubectlChain> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-kubectl-chain-'));
  const pki = ensureClusterPki({ dir: join(dir, 'pki') });
  const tokenAuth: TokenAuthenticator = (t) => o.tokens?.[t];
  const streams: StreamRequestSeen[] = [];
  // Sees every request first and has no opinion: the API server's own record of which
  // transport kubectl chose (a WebSocket is a `get`, SPDY a `create`).
  const recorder: Authorizer = {
    authorize(a) {
      if (a.resource === 'pods' && STREAMS.has(a.subresource ?? ''))
        streams.push({
          user: a.user.name,
          method: a.verb === 'get' ? 'GET' : 'POST',
          subresource: a.subresource ?? '',
          pod: a.name ?? '',
        });
      return { decision: 'noOpinion' };
    },
  };
  const authorizers = [
    recorder,
    ...(o.authorizers ?? []),
    superUserAuthorizer,
    bootstrapPolicyAuthorizer,
  ];
  const api = await createApiServer({
    store: createMemoryStore(),
    tls: { cert: pki.apiserver.certPem, key: pki.apiserver.keyPem, ca: pki.ca.certPem },
    port: 0,
    tokenAuthenticators: [tokenAuth],
    authorizers,
    kubelet: {
      clientCertPem: pki.kubeletClient.certPem,
      clientKeyPem: pki.kubeletClient.keyPem,
      caPem: pki.ca.certPem,
    },
  });
  const apiPort = await api.listen();
  const url = `https://127.0.0.1:${apiPort}`;

  const send = async (method: string, path: string, body?: unknown): Promise<void> => {
    const res = await api.handler({
      method,
      url: new URL(path, url),
      headers:
        body === undefined
          ? {}
          : {
              'content-type':
                method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
            },
      body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
      credentials: { certificateUser: ADMIN },
      signal: new AbortController().signal,
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${String(res.body)}`);
  };

  // The node, as `skiff up` builds it: its client is an in-process one with the node's
  // identity, its pods come from an informer of the pods bound to it.
  const nodeClient = createClient(
    createInProcessTransport((req) =>
      api.handler({
        ...req,
        credentials: {
          certificateUser: {
            name: `system:node:${CHAIN_NODE}`,
            groups: ['system:nodes', 'system:masters'],
          },
        },
      }),
    ),
  );
  const stopInformer = new AbortController();
  const pods = createInformer({
    client: nodeClient,
    resource: resources.pods,
    fieldSelector: `spec.nodeName=${CHAIN_NODE}`,
    signal: stopInformer.signal,
  });
  await pods.synced();
  const serving = issueServingCertificate(pki.ca, {
    commonName: `system:node:${CHAIN_NODE}`,
    altNames: { dnsNames: [CHAIN_NODE, 'localhost'], ips: ['127.0.0.1'] },
  });
  const node = createNodeServer({
    nodeName: CHAIN_NODE,
    certPem: serving.certPem,
    keyPem: serving.keyPem,
    clientCaPem: pki.ca.certPem,
    client: nodeClient,
    pods: { list: () => pods.list(), get: (ns, name) => pods.get(ns, name) },
    backend,
  });
  const nodePort = await node.listen(0, '127.0.0.1');
  const nodeObject = nodeAt(CHAIN_NODE, nodePort);
  await send('POST', '/api/v1/nodes', nodeObject);
  await send('PATCH', `/api/v1/nodes/${CHAIN_NODE}/status`, { status: nodeObject['status'] });
  await send('POST', '/api/v1/namespaces/default/serviceaccounts', {
    metadata: { name: 'default' },
  });

  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    renderAdminKubeconfig({
      server: url,
      caPem: pki.ca.certPem,
      certPem: pki.admin.certPem,
      keyPem: pki.admin.keyPem,
    }),
  );
  const caches = new Map<number, string>();
  const cacheFor = (minor: number): string => {
    let c = caches.get(minor);
    if (!c) caches.set(minor, (c = mkdtempSync(join(dir, `cache-${minor}-`))));
    return c;
  };
  const argv = (minor: number, args: string[], ko: KubectlOptions): string[] => [
    '--kubeconfig',
    ko.kubeconfig ?? kubeconfig,
    '--cache-dir',
    cacheFor(minor),
    ...args,
  ];
  const children = new Set<ChildProcess>();

  return {
    api,
    node,
    apiPort,
    nodePort,
    kubeconfig,
    streams,
    kubectl(minor, args, ko = {}) {
      return new Promise((resolve) => {
        const child = spawn(kubectlPath(minor), argv(minor, args, ko), {
          env: { ...process.env, ...ko.env },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        children.add(child);
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), ko.timeoutMs ?? 30_000);
        child.on('close', (code) => {
          clearTimeout(timer);
          children.delete(child);
          resolve({ code: code ?? -1, stdout, stderr });
        });
        child.stdin.on('error', () => {});
        if (ko.input === undefined) child.stdin.end();
        else child.stdin.end(ko.input);
      });
    },
    background(minor, args, ko = {}) {
      const child = spawn(kubectlPath(minor), argv(minor, args, ko), {
        env: { ...process.env, ...ko.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.add(child);
      let stdout = '';
      let stderr = '';
      let code: number | undefined;
      const waiters = new Set<() => void>();
      const wake = (): void => waiters.forEach((w) => w());
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        wake();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        wake();
      });
      const closed = new Promise<void>((res) =>
        child.on('close', (c) => {
          code = c ?? -1;
          children.delete(child);
          wake();
          res();
        }),
      );
      return {
        get stdout() {
          return stdout;
        },
        get stderr() {
          return stderr;
        },
        waitFor(pattern, timeoutMs = 15_000) {
          return new Promise((resolve, reject) => {
            const check = (): void => {
              const m = stdout.match(pattern);
              if (m) {
                cleanup();
                resolve(m);
              } else if (code !== undefined) {
                cleanup();
                reject(new Error(`kubectl exited (${code}): ${stdout}${stderr}`));
              }
            };
            const timer = setTimeout(() => {
              cleanup();
              reject(new Error(`timed out waiting for ${pattern}: ${stdout}${stderr}`));
            }, timeoutMs);
            const cleanup = (): void => {
              clearTimeout(timer);
              waiters.delete(check);
            };
            waiters.add(check);
            check();
          });
        },
        async stop() {
          if (code === undefined) child.kill('SIGTERM');
          await closed;
          return { code: code ?? -1, stdout, stderr };
        },
      };
    },
    tokenKubeconfig(token) {
      const path = join(dir, `kubeconfig-${token}`);
      writeFileSync(
        path,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          `- cluster: {certificate-authority-data: ${Buffer.from(pki.ca.certPem).toString('base64')}, server: '${url}'}`,
          '  name: c',
          'contexts:',
          '- context: {cluster: c, user: u}',
          '  name: c',
          'current-context: c',
          'users:',
          `- name: u`,
          `  user: {token: ${token}}`,
          '',
        ].join('\n'),
      );
      return path;
    },
    async createPod(name, po = {}) {
      const containers = po.containers ?? ['app'];
      await send('POST', '/api/v1/namespaces/default/pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: {
          nodeName: po.nodeName ?? CHAIN_NODE,
          containers: containers.map((c) => ({ name: c, image: 'busybox' })),
        },
      });
      const phase = po.phase ?? 'Running';
      await send('PATCH', `/api/v1/namespaces/default/pods/${name}/status`, {
        status: {
          phase,
          containerStatuses: containers.map((c) => ({
            name: c,
            image: 'busybox',
            imageID: '',
            ready: true,
            restartCount: 0,
            state: po.state ?? { running: { startedAt: '2026-01-02T03:04:05Z' } },
            lastState: po.lastState ?? {},
          })),
        },
      });
      if ((po.nodeName ?? CHAIN_NODE) !== CHAIN_NODE) return;
      await eventually(
        () =>
          (pods.get('default', name)?.['status'] as { phase?: string } | undefined)?.phase ===
          phase,
        `pod ${name} in the node's informer`,
      );
    },
    async addNode(name, port) {
      const other = nodeAt(name, port);
      await send('POST', '/api/v1/nodes', other);
      await send('PATCH', `/api/v1/nodes/${name}/status`, { status: other['status'] });
    },
    async close() {
      for (const c of children) c.kill('SIGKILL');
      stopInformer.abort();
      await node.close();
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Test support: a real TLS API server (memory store) with the streaming server wired in, the
// real kubectl binaries pointed at it, and a backend that runs things on this host (exec via
// child_process, port-forward to loopback ports, logs from fixed lines).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Duplex } from 'node:stream';
import { renderAdminKubeconfig } from '../../src/client/kubeconfig.js';
import { ensureClusterPki } from '../../src/pki/index.js';
import { createMemoryStore } from '../../src/storage/index.js';
import {
  createAuthorizer,
  bootstrapPolicyAuthorizer,
  superUserAuthorizer,
} from '../../src/apiserver/auth/authz.js';
import { createAuthenticator } from '../../src/apiserver/auth/authn.js';
import type { Authorizer, TokenAuthenticator, UserInfo } from '../../src/apiserver/auth/types.js';
import { createApiServer, type ApiServer } from '../../src/apiserver/index.js';
import { createStreamingServer } from '../../src/apiserver/streaming/index.js';
import type {
  ExecSession,
  ExecTarget,
  LogRequest,
  PortForwardTarget,
  StreamingBackend,
} from '../../src/apiserver/streaming/types.js';

const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
export const kubectlPath = (minor: number): string => join(KUBECTL_DIR, `kubectl.1.${minor}`);
export const hasKubectl = (minor: number): boolean => existsSync(kubectlPath(minor));

// ---- a backend on this host ----

export interface HostBackendOptions {
  /** Pod port → a port on 127.0.0.1 (unmapped ports refuse the connection). */
  ports?: Record<number, number>;
  /** The container log, one entry per line (without newline). */
  logLines?: string[];
  /** Delay between lines when following. */
  followDelayMs?: number;
}

export interface HostBackend extends StreamingBackend {
  execs: ExecTarget[];
  attaches: ExecTarget[];
  resizes: { width: number; height: number }[];
  forwards: PortForwardTarget[];
  logRequests: LogRequest[];
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** A timestamp for line i, as the kubelet prefixes lines (RFC 3339 with nanoseconds). */
export const logTimestamp = (i: number): string => `2026-01-02T03:04:0${i % 10}.123456789Z`;

export function createHostBackend(o: HostBackendOptions = {}): HostBackend {
  const b: HostBackend = {
    execs: [],
    attaches: [],
    resizes: [],
    forwards: [],
    logRequests: [],
    exec(t): ExecSession {
      b.execs.push(t);
      // With a tty the command runs under script(1), which gives it a pseudo-terminal.
      const [cmd, args] = t.tty
        ? ['script', ['-qfec', t.command.map(shellQuote).join(' '), '/dev/null']]
        : [t.command[0] ?? 'true', t.command.slice(1)];
      const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      t.signal.addEventListener('abort', () => child.kill('SIGKILL'), { once: true });
      const exit = new Promise<{ code: number } | { error: string }>((resolve) => {
        child.on('error', (e) => resolve({ error: e.message }));
        child.on('exit', (code, signal) =>
          resolve({ code: code ?? (signal === 'SIGKILL' ? 137 : 1) }),
        );
      });
      return {
        stdin: child.stdin,
        stdout: child.stdout,
        stderr: child.stderr,
        resize: (width, height) => void b.resizes.push({ width, height }),
        exit,
      };
    },
    attach(t): ExecSession {
      b.attaches.push(t);
      const out = new PassThrough();
      out.write(`attached to ${t.container}\n`);
      let done: (r: { code: number }) => void = () => {};
      const exit = new Promise<{ code: number }>((r) => (done = r));
      if (t.stdin) {
        // Echo the input back, upper-cased, until it ends.
        const input = new PassThrough();
        input.on('data', (c: Buffer) => out.write(c.toString().toUpperCase()));
        input.on('end', () => {
          out.end('bye\n');
          done({ code: 0 });
        });
        return { stdin: input, stdout: out, resize: () => {}, exit };
      }
      setTimeout(() => {
        out.end('bye\n');
        done({ code: 0 });
      }, 100);
      return { stdout: out, resize: () => {}, exit };
    },
    portForward(t): Promise<Duplex> {
      b.forwards.push(t);
      const port = o.ports?.[t.port] ?? 1;
      return new Promise((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port });
        s.once('connect', () => {
          s.off('error', reject);
          resolve(s);
        });
        s.once('error', reject);
      });
    },
    async *logs(r) {
      b.logRequests.push(r);
      const lines = o.logLines ?? [];
      const first = r.tailLines === undefined ? 0 : Math.max(lines.length - r.tailLines, 0);
      for (let i = first; i < lines.length; i++) {
        if (r.signal.aborted) return;
        if (r.follow && i > first)
          await new Promise((res) => setTimeout(res, o.followDelayMs ?? 50));
        const text = `${r.timestamps ? logTimestamp(i) + ' ' : ''}${lines[i]}\n`;
        yield Buffer.from(text);
      }
    },
  };
  return b;
}

// ---- a server with kubectl ----

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  input?: string;
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

export interface UpgradeSeen {
  method: string;
  path: string;
  upgrade: string;
  protocols: string;
}

export interface PodSpecOptions {
  containers?: string[];
  phase?: string;
  /** The containers' `state` (default running). */
  state?: Record<string, unknown>;
  lastState?: Record<string, unknown>;
  nodeName?: string;
}

export interface StreamingTestServer {
  api: ApiServer;
  port: number;
  /** The cluster CA and the admin's client certificate (PEM). */
  tls: { ca: string; cert: string; key: string };
  kubeconfig: string;
  /** Every upgrade request that reached the server, in order. */
  upgrades: UpgradeSeen[];
  kubectl(minor: number, args: string[], o?: KubectlOptions): Promise<RunResult>;
  background(minor: number, args: string[], o?: KubectlOptions): Background;
  /** Writes a kubeconfig for a bearer-token user; returns its path. */
  tokenKubeconfig(token: string): string;
  createPod(name: string, o?: PodSpecOptions): Promise<void>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  tokens?: Record<string, UserInfo>;
  /** Authorizers before the superuser and bootstrap policy ones. */
  authorizers?: Authorizer[];
}

const ADMIN = { name: 'test-admin', groups: ['system:masters'] };

export async function startStreamingTestServer(
  backend: StreamingBackend,
  o: TestServerOptions = {},
): Promise<StreamingTestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-streaming-'));
  const pki = ensureClusterPki({ dir: join(dir, 'pki') });
  const tokenAuth: TokenAuthenticator = (t) => o.tokens?.[t];
  const authorizers = [...(o.authorizers ?? []), superUserAuthorizer, bootstrapPolicyAuthorizer];
  const authz = createAuthorizer(authorizers);
  // The pod lookup needs the server, which needs the streaming server first.
  const late: { api?: ApiServer } = {};
  const streaming = createStreamingServer({
    backend,
    authorize: (a) => authz.check(a),
    authenticate: (c) => createAuthenticator([tokenAuth]).authenticate(c),
    getPod: async (ns, name) => {
      const def = late.api?.table.byGroupResource('', 'pods');
      return def ? late.api?.registry.tryGet(def, ns, name) : undefined;
    },
  });
  const upgrades: UpgradeSeen[] = [];
  const server = await createApiServer({
    store: createMemoryStore(),
    tls: { cert: pki.apiserver.certPem, key: pki.apiserver.keyPem, ca: pki.ca.certPem },
    port: 0,
    tokenAuthenticators: [tokenAuth],
    authorizers,
    subresources: streaming.subresources,
    onUpgrade: (req: IncomingMessage, socket, head, user) => {
      upgrades.push({
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0] ?? '',
        upgrade: String(req.headers.upgrade ?? ''),
        protocols: String(
          req.headers['sec-websocket-protocol'] ?? req.headers['x-stream-protocol-version'] ?? '',
        ),
      });
      streaming.onUpgrade(req, socket, head, user);
    },
  });
  late.api = server;
  const port = await server.listen();
  const url = `https://127.0.0.1:${port}`;
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

  const send = async (method: string, path: string, body?: unknown): Promise<void> => {
    const res = await server.handler({
      method,
      url: new URL(path, url),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
      credentials: { certificateUser: ADMIN },
      signal: new AbortController().signal,
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${String(res.body)}`);
  };
  await send('POST', '/api/v1/namespaces/default/serviceaccounts', {
    metadata: { name: 'default' },
  });

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
    api: server,
    port,
    tls: { ca: pki.ca.certPem, cert: pki.admin.certPem, key: pki.admin.keyPem },
    kubeconfig,
    upgrades,
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
          nodeName: po.nodeName ?? 'node-1',
          containers: containers.map((c) => ({ name: c, image: 'busybox' })),
        },
      });
      const status = {
        phase: po.phase ?? 'Running',
        containerStatuses: containers.map((c) => ({
          name: c,
          image: 'busybox',
          imageID: '',
          ready: true,
          restartCount: 0,
          state: po.state ?? { running: { startedAt: '2026-01-02T03:04:05Z' } },
          lastState: po.lastState ?? {},
        })),
      };
      const path = `/api/v1/namespaces/default/pods/${name}/status`;
      const res = await server.handler({
        method: 'PATCH',
        url: new URL(path, url),
        headers: { 'content-type': 'application/merge-patch+json' },
        body: Buffer.from(JSON.stringify({ status })),
        credentials: { certificateUser: ADMIN },
        signal: new AbortController().signal,
      });
      if (res.status >= 300) throw new Error(`PATCH ${path}: ${res.status} ${String(res.body)}`);
    },
    async close() {
      for (const c of children) c.kill('SIGKILL');
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

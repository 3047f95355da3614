// Test support: the node's HTTPS API (src/agent/server) on 127.0.0.1 with certificates from
// src/pki, a real in-process API server answering its TokenReviews and SubjectAccessReviews,
// the pods from a real informer (as the agent's), and a backend that runs things on this host
// (exec via child_process, port-forward to loopback ports, logs from fixed lines).

import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import {
  createClient,
  createInformer,
  createInProcessTransport,
  resources,
  type Informer,
} from '../../src/client/index.js';
import {
  createCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
  type CertKeyPair,
} from '../../src/pki/index.js';
import {
  createNodeServer,
  type NodeServer,
  type NodeServerOptions,
} from '../../src/agent/server/index.js';
import type {
  ExecSession,
  ExecTarget,
  LogRequest,
  PortForwardTarget,
  StreamingBackend,
} from '../../src/agent/server/streaming/types.js';
import type { UserInfo } from '../../src/pki/index.js';
import { ADMIN, startTestServer, type TestApiServer } from './apiserver.js';
import { eventually } from './eventually.js';

export const NODE_NAME = 'node-1';

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

// ---- the server ----

export interface PodSpecOptions {
  containers?: string[];
  initContainers?: string[];
  phase?: string;
  /** The containers' `state` (default running). */
  state?: Record<string, unknown>;
  lastState?: Record<string, unknown>;
  nodeName?: string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** Every header line, in order (repeated headers appear repeatedly). */
  headerLines: [string, string][];
  body: string;
}

/** Who connects: a client certificate (by name), a bearer token, or nothing. */
export interface Caller {
  cert?: CertKeyPair;
  token?: string;
}

export interface NodeServerHarness {
  api: TestApiServer;
  server: NodeServer;
  port: number;
  /** The cluster CA (PEM), which signed the node's serving certificate and the clients'. */
  caPem: string;
  /** The API server's kubelet client: `kube-apiserver-kubelet-client` in `system:masters`. */
  apiserverClient: CertKeyPair;
  /** The node's serving certificate (cluster CA, serverAuth only). */
  serving: CertKeyPair;
  /** A certificate from a CA the node does not trust, naming a system:masters user. */
  foreignClient: CertKeyPair;
  /** Issues a client certificate from the cluster CA. */
  issueClient(name: string, groups?: string[]): CertKeyPair;
  /** Every SubjectAccessReview spec the node sent to the API server, in order. */
  accessReviews: Record<string, unknown>[];
  /** How many TokenReviews the node sent. */
  tokenReviews(): number;
  /** Creates the pod (bound to the node unless told) and waits until the node's informer has it. */
  createPod(name: string, o?: PodSpecOptions): Promise<void>;
  /** Sends one HTTP/1.1 request exactly as written, on its own connection. */
  raw(
    method: string,
    path: string,
    o?: { caller?: Caller; headers?: Record<string, string>; body?: string },
  ): Promise<RawResponse>;
  /** Writes the bytes as they are and returns whatever comes back before the server closes. */
  rawBytes(bytes: string | Buffer, caller?: Caller, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export interface NodeServerHarnessOptions {
  backend: StreamingBackend;
  /** Bearer tokens the API server knows. */
  tokens?: Record<string, UserInfo>;
  stats?: NodeServerOptions['stats'];
  clock?: NodeServerOptions['clock'];
  logDir?: string;
}

export async function startNodeServer(o: NodeServerHarnessOptions): Promise<NodeServerHarness> {
  const api = await startTestServer({
    tokenAuthenticators: [(t) => o.tokens?.[t]],
  });
  const accessReviews: Record<string, unknown>[] = [];
  let tokenReviews = 0;
  // The node's client, seen by the API server as a cluster admin; the requests it sends are
  // recorded on their way.
  const client = createClient(
    createInProcessTransport(async (req) => {
      if (req.url.pathname.endsWith('/subjectaccessreviews'))
        accessReviews.push(
          (JSON.parse(req.body.toString()) as { spec: Record<string, unknown> }).spec,
        );
      if (req.url.pathname.endsWith('/tokenreviews')) tokenReviews++;
      return api.server.handler({ ...req, credentials: { certificateUser: ADMIN } });
    }),
  );
  const ac = new AbortController();
  const pods: Informer = createInformer({
    client,
    resource: resources.pods,
    fieldSelector: `spec.nodeName=${NODE_NAME}`,
    signal: ac.signal,
  });
  await pods.synced();

  const ca = createCertificateAuthority();
  const serving = issueServingCertificate(ca, {
    commonName: NODE_NAME,
    altNames: { dnsNames: [NODE_NAME, 'localhost'], ips: ['127.0.0.1'] },
  });
  const foreignCa = createCertificateAuthority();
  const server = createNodeServer({
    nodeName: NODE_NAME,
    certPem: serving.certPem,
    keyPem: serving.keyPem,
    clientCaPem: ca.certPem,
    client,
    pods: { list: () => pods.list(), get: (ns, name) => pods.get(ns, name) },
    backend: o.backend,
    ...(o.stats ? { stats: o.stats } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.logDir ? { logDir: o.logDir } : {}),
    configz: {
      clusterDNS: ['10.96.0.10'],
      clusterDomain: 'cluster.local',
      podCIDR: '10.244.0.0/24',
    },
  });
  const port = await server.listen(0, '127.0.0.1');

  const connectAs = (caller: Caller = {}) =>
    tlsConnect({
      host: '127.0.0.1',
      port,
      ca: ca.certPem,
      servername: 'localhost',
      ...(caller.cert ? { cert: caller.cert.certPem, key: caller.cert.keyPem } : {}),
      ALPNProtocols: ['http/1.1'],
    });

  function rawBytes(bytes: string | Buffer, caller?: Caller, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const sock = connectAs(caller);
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => sock.destroy(), timeoutMs);
      sock.on('secureConnect', () => sock.write(bytes));
      sock.on('data', (d: Buffer) => chunks.push(d));
      sock.on('error', (e) => {
        clearTimeout(timer);
        if (chunks.length) resolve(Buffer.concat(chunks).toString('latin1'));
        else reject(e);
      });
      sock.on('close', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('latin1'));
      });
    });
  }

  return {
    api,
    server,
    port,
    caPem: ca.certPem,
    serving,
    apiserverClient: issueClientCertificate(ca, {
      commonName: 'kube-apiserver-kubelet-client',
      organizations: ['system:masters'],
    }),
    foreignClient: issueClientCertificate(foreignCa, {
      commonName: 'intruder',
      organizations: ['system:masters'],
    }),
    issueClient: (name, groups = []) =>
      issueClientCertificate(ca, { commonName: name, organizations: groups }),
    accessReviews,
    tokenReviews: () => tokenReviews,
    async createPod(name, po = {}) {
      const containers = po.containers ?? ['app'];
      const created = await api.post('/api/v1/namespaces/default/pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: {
          nodeName: po.nodeName ?? NODE_NAME,
          containers: containers.map((c) => ({ name: c, image: 'busybox' })),
          ...(po.initContainers
            ? { initContainers: po.initContainers.map((c) => ({ name: c, image: 'busybox' })) }
            : {}),
        },
      });
      if (created.status !== 201) throw new Error(`creating pod ${name}: ${created.text}`);
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
      const patched = await api.patch(`/api/v1/namespaces/default/pods/${name}/status`, { status });
      if (patched.status !== 200) throw new Error(`pod ${name} status: ${patched.text}`);
      if ((po.nodeName ?? NODE_NAME) !== NODE_NAME) return;
      await eventually(
        () =>
          (pods.get('default', name)?.['status'] as { phase?: string } | undefined)?.phase ===
          status.phase,
        `pod ${name} in the node's informer`,
      );
    },
    async raw(method, path, ro = {}) {
      const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`];
      for (const [k, v] of Object.entries(ro.headers ?? {})) lines.push(`${k}: ${v}`);
      if (ro.caller?.token) lines.push(`Authorization: Bearer ${ro.caller.token}`);
      if (ro.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(ro.body)}`);
      lines.push('Connection: close');
      const text = await rawBytes(lines.join('\r\n') + '\r\n\r\n' + (ro.body ?? ''), ro.caller);
      return parseResponse(text);
    },
    rawBytes,
    async close() {
      ac.abort();
      await server.close();
      await api.close();
    },
  };
}

/** The first HTTP/1.1 response in `text` (a chunked body is decoded). */
export function parseResponse(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  let body = end < 0 ? '' : text.slice(end + 4);
  const [statusLine = '', ...hs] = head.split('\r\n');
  const headers: Record<string, string> = {};
  const headerLines: [string, string][] = [];
  for (const h of hs) {
    const i = h.indexOf(':');
    const k = h.slice(0, i).toLowerCase();
    const v = h.slice(i + 1).trim();
    headerLines.push([k, v]);
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  if (headers['transfer-encoding'] === 'chunked') {
    let out = '';
    let rest = body;
    for (;;) {
      const nl = rest.indexOf('\r\n');
      if (nl < 0) break;
      const size = parseInt(rest.slice(0, nl), 16);
      if (!size) break;
      out += rest.slice(nl + 2, nl + 2 + size);
      rest = rest.slice(nl + 2 + size + 2);
    }
    body = out;
  } else if (headers['content-length'] !== undefined) {
    body = body.slice(0, Number(headers['content-length']));
  }
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    headerLines,
    body: Buffer.from(body, 'latin1').toString('utf8'),
  };
}

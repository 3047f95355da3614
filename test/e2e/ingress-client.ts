// The client's machine for the ingress end-to-end tests: a network namespace linked to the
// node's by a veth pair (node side 192.168.88.1, client 192.168.88.2, default route through
// the node), so requests reach the Ingress ADDRESS as they would from another machine. In
// it run a long-lived Node.js client (HTTP, HTTPS, WebSocket; every name resolved to the
// address given, as `curl --resolve` or /etc/hosts would) and, on demand, headless Chromium.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type BrowserContext } from 'playwright-core';
import { ROOT, type TestCluster, type TestNetns } from './harness.js';
import { linkOutside, OUTSIDE } from '../support/services-e2e.js';

/** The client machine's address (the node's side of the link is its gateway). */
export const CLIENT_ADDRESS = OUTSIDE;
export const CHROMIUM = '/usr/bin/chromium';

export interface ClientRequest {
  method?: string;
  url: string;
  /** The address every name in the URL resolves to (the Ingress ADDRESS). */
  address: string;
  headers?: Record<string, string>;
  body?: string;
  /** PEM of the CA to verify the server with; without it any certificate is accepted. */
  ca?: string;
}

export interface PeerCertificate {
  subject: string;
  issuer: string;
  dnsNames: string[];
  /** base64 SHA-256 of the SubjectPublicKeyInfo (what Chromium's SPKI list takes). */
  spkiSha256: string;
  /** Why the certificate does not name the URL's host, if it does not. */
  hostnameError?: string;
}

export interface ClientResponse {
  status: number;
  httpVersion: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  certificate?: PeerCertificate;
}

export interface ClientMachine {
  netns: TestNetns;
  /** One request; rejects with the client's error (connection refused, TLS…). */
  request(q: ClientRequest): Promise<ClientResponse>;
  /** Opens a WebSocket, sends one text message and resolves with the first reply. */
  websocket(q: { url: string; address: string; message: string; ca?: string }): Promise<string>;
  /** Headless Chromium in the client's namespace (see launchChromium). */
  chromium(o: ChromiumOptions): Promise<BrowserContext>;
  remove(): void;
}

export interface ChromiumOptions {
  /** Host → address, given to Chromium as --host-resolver-rules. */
  resolve: Record<string, string>;
  /** Public key hashes whose certificates Chromium accepts though no root it knows signed them. */
  acceptKeys?: string[];
}

/** The client, run as `node --input-type=module -e` inside the namespace (cwd: the checkout). */
const CLIENT_JS = String.raw`
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkServerIdentity } from 'node:tls';
import { createHash, X509Certificate } from 'node:crypto';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

const pinned = (address) => (_host, o, cb) =>
  o && o.all ? cb(null, [{ address, family: 4 }]) : cb(null, address, 4);
const isName = (h) => !/^[\d.]+$/.test(h);

function certificateOf(socket, host) {
  const c = socket && socket.getPeerCertificate ? socket.getPeerCertificate() : undefined;
  if (!c || !c.raw) return undefined;
  const x = new X509Certificate(c.raw);
  const spki = x.publicKey.export({ type: 'spki', format: 'der' });
  const err = host ? checkServerIdentity(host, c) : undefined;
  return {
    subject: x.subject,
    issuer: x.issuer,
    dnsNames: (c.subjectaltname || '').split(', ').filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4)),
    spkiSha256: createHash('sha256').update(spki).digest('base64'),
    ...(err ? { hostnameError: err.message } : {}),
  };
}

function tlsOptions(u, q) {
  if (u.protocol !== 'https:' && u.protocol !== 'wss:') return {};
  return {
    rejectUnauthorized: !!q.ca,
    ...(q.ca ? { ca: q.ca } : {}),
    ...(isName(u.hostname) ? { servername: u.hostname } : {}),
  };
}

function send(q) {
  return new Promise((resolve) => {
    const u = new URL(q.url);
    const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(
      u,
      {
        method: q.method || 'GET',
        headers: q.headers || {},
        lookup: pinned(q.address),
        agent: false,
        timeout: 10000,
        ...tlsOptions(u, q),
      },
      (res) => {
        const certificate = u.protocol === 'https:' ? certificateOf(res.socket, isName(u.hostname) ? u.hostname : '') : undefined;
        const chunks = [];
        res.on('data', (d) => chunks.push(d));
        res.on('error', (e) => resolve({ error: e.message }));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            httpVersion: 'HTTP/' + res.httpVersion,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
            ...(certificate ? { certificate } : {}),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => resolve({ error: e.message }));
    req.end(q.body);
  });
}

function websocket(q) {
  return new Promise((resolve) => {
    const u = new URL(q.url);
    const ws = new WebSocket(u, { lookup: pinned(q.address), handshakeTimeout: 10000, ...tlsOptions(u, q) });
    const timer = setTimeout(() => { resolve({ error: 'no reply within 10 s' }); ws.terminate(); }, 10000);
    ws.on('open', () => ws.send(q.message));
    ws.on('message', (m) => { clearTimeout(timer); resolve({ message: String(m) }); ws.close(); });
    ws.on('unexpected-response', (_req, res) => { clearTimeout(timer); resolve({ error: 'HTTP ' + res.statusCode }); ws.terminate(); });
    ws.on('error', (e) => { clearTimeout(timer); resolve({ error: e.message }); });
  });
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const q = JSON.parse(line);
  (q.op === 'ws' ? websocket(q) : send(q)).then((r) =>
    process.stdout.write(JSON.stringify({ id: q.id, ...r }) + '\n'),
  );
});
`;

/** Links a new client namespace to the node cluster's namespace and starts the client in it. */
export function clientMachine(c: TestCluster, prefix = 'skiff-e2e-out'): ClientMachine {
  const outside = linkOutside(c.netns ?? '', prefix);
  let client: ChildProcess | undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'skiff-e2e-client-'));
  const contexts = new Set<BrowserContext>();
  try {
    client = spawn(
      'nsenter',
      [`--net=${outside.path}`, '--', process.execPath, '--input-type=module', '-e', CLIENT_JS],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
    );
  } catch (e) {
    outside.remove();
    throw e;
  }
  const running = client;
  const pending = new Map<number, (r: Record<string, unknown>) => void>();
  let next = 0;
  createInterface({ input: running.stdout! }).on('line', (line) => {
    const r = JSON.parse(line) as { id: number } & Record<string, unknown>;
    pending.get(r.id)?.(r);
    pending.delete(r.id);
  });
  running.on('exit', () => {
    for (const done of pending.values()) done({ error: 'the client process exited' });
    pending.clear();
  });
  const ask = (q: Record<string, unknown>): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      running.stdin!.write(JSON.stringify({ ...q, id }) + '\n');
    });
  return {
    netns: outside,
    async request(q) {
      const r = await ask({ ...q });
      if (typeof r['error'] === 'string')
        throw new Error(`${q.method ?? 'GET'} ${q.url}: ${r['error']}`);
      return r as unknown as ClientResponse;
    },
    async websocket(q) {
      const r = await ask({ ...q, op: 'ws' });
      if (typeof r['error'] === 'string') throw new Error(`WebSocket ${q.url}: ${r['error']}`);
      return String(r['message']);
    },
    async chromium(o) {
      const ctx = await launchChromium(outside.path, scratch, o);
      contexts.add(ctx);
      ctx.on('close', () => contexts.delete(ctx));
      return ctx;
    },
    remove() {
      for (const ctx of contexts) void ctx.close().catch(() => undefined);
      running.kill('SIGKILL');
      // Anything left in the namespace (Chromium's helpers) goes with it.
      outside.remove();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * Headless Chromium inside the namespace at `netnsPath`: Playwright launches a wrapper that
 * enters the namespace and execs Debian's chromium, talking to it over the inherited pipe
 * (--remote-debugging-pipe), so no debugging port is needed across namespaces. A fresh
 * profile each time. Certificates: Chromium on Linux trusts the roots of its own NSS
 * database, not the machine's store that `skiff trust` fills; rather than ignoring every
 * certificate error, exactly the keys in `acceptKeys` are accepted
 * (--ignore-certificate-errors-spki-list), so the page is still refused a certificate other
 * than the one the test checked.
 */
export async function launchChromium(
  netnsPath: string,
  scratch: string,
  o: ChromiumOptions,
): Promise<BrowserContext> {
  const dir = mkdtempSync(join(scratch, 'chromium-'));
  const wrapper = join(dir, 'chromium-in-netns');
  writeFileSync(wrapper, `#!/bin/sh\nexec nsenter --net=${netnsPath} -- ${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o755);
  const rules = Object.entries(o.resolve).map(([host, address]) => `MAP ${host} ${address}`);
  return chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: wrapper,
    headless: true,
    timeout: 60_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--host-resolver-rules=${rules.join(', ')}`,
      ...(o.acceptKeys?.length
        ? [`--ignore-certificate-errors-spki-list=${o.acceptKeys.join(',')}`]
        : []),
    ],
  });
}

/** Why Chromium tests cannot run here, or undefined. */
export function chromiumSkipReason(): string | undefined {
  return spawnSync(CHROMIUM, ['--version'], { timeout: 30_000 }).status === 0
    ? undefined
    : `${CHROMIUM} is not installed (scripts/setup.mjs installs Debian's chromium)`;
}

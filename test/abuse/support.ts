// The abuse suite's client: raw HTTPS requests to a real `skiff up` (API-only, on loopback),
// sent exactly as written — no URL normalisation, any method, any header, any body — and a
// snapshot of stored objects to prove that a refused request changed nothing.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { startCluster, type ClusterOptions, type TestCluster } from '../e2e/harness.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as text. */
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

export interface RawRequest {
  method?: string;
  /** The request target as sent on the wire: dot segments and escapes are kept. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** 'admin' (default): the cluster's admin token; 'anonymous': no credentials; or a token. */
  as?: 'admin' | 'anonymous' | { token: string };
  timeoutMs?: number;
  /** Another port of the server's (default the API server's), e.g. the dashboard's. */
  port?: number;
}

export interface AbuseServer {
  cluster: TestCluster;
  send(req: RawRequest): Promise<RawResponse>;
  /** Stored objects (name → resourceVersion) under the given list paths. */
  snapshot(listPaths: string[]): Promise<Record<string, string>>;
  /** Runs `attempt`, then asserts that nothing stored under `listPaths` changed. */
  unchanged(listPaths: string[], attempt: () => Promise<void>): Promise<void>;
  /** A request with a JSON body (`body` serialised as given), `content-type: application/json`. */
  sendJson(method: string, path: string, body?: unknown): Promise<RawResponse>;
  /**
   * CPU time the server process has used so far, in ms (user + system, from /proc). What a
   * request costs the server, unlike its wall time, hardly depends on the machine's load.
   */
  cpuMs(): number;
  stop(): void;
}

/** USER_HZ: 100 on every Linux architecture Skiff runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export function startAbuseServer(opts: ClusterOptions = {}): AbuseServer {
  const cluster = startCluster(opts);
  const send = (req: RawRequest): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...(req.headers ?? {}) };
      const as = req.as ?? 'admin';
      if (as === 'admin') headers.authorization ??= `Bearer ${cluster.adminToken}`;
      else if (as !== 'anonymous') headers.authorization ??= `Bearer ${as.token}`;
      if (req.body !== undefined) headers['content-length'] ??= String(Buffer.byteLength(req.body));
      const r = httpsRequest(
        {
          host: '127.0.0.1',
          port: req.port ?? cluster.port,
          method: req.method ?? 'GET',
          path: req.path,
          headers,
          rejectUnauthorized: false,
          agent: false,
          timeout: req.timeoutMs ?? 20_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: any;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
          res.on('error', reject);
        },
      );
      r.on('timeout', () => r.destroy(new Error(`${req.method ?? 'GET'} ${req.path}: timed out`)));
      r.on('error', reject);
      r.end(req.body);
    });
  const server: AbuseServer = {
    cluster,
    send,
    async unchanged(listPaths, attempt) {
      const before = await server.snapshot(listPaths);
      await attempt();
      assert.deepEqual(await server.snapshot(listPaths), before);
    },
    sendJson: (method, path, body) =>
      send({
        method,
        path,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    async snapshot(listPaths) {
      const out: Record<string, string> = {};
      for (const path of listPaths) {
        const res = await send({ path });
        assert.equal(res.status, 200, `snapshot ${path}: ${res.text}`);
        for (const item of res.json.items as any[]) {
          const m = item.metadata;
          out[`${path} ${m.namespace ?? ''}/${m.name}`] = m.resourceVersion;
        }
      }
      return out;
    },
    cpuMs() {
      const pid = readFileSync(join(cluster.dataDir, 'skiff.pid'), 'utf8').trim();
      // Fields 14 and 15 (utime, stime) follow the parenthesised command name.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
    },
    stop: () => cluster.stop(),
  };
  return server;
}

/** Asserts a Kubernetes `Status` failure with the given code (and reason, when given). */
export function assertStatus(res: RawResponse, code: number, reason?: string): void {
  assert.equal(res.status, code, `expected ${code}, got ${res.status}: ${res.text.slice(0, 500)}`);
  assert.equal(res.json?.kind, 'Status', `not a Status: ${res.text.slice(0, 500)}`);
  assert.equal(res.json.code, code);
  assert.equal(res.json.status, 'Failure');
  if (reason !== undefined) assert.equal(res.json.reason, reason);
}

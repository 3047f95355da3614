// Crash safety: a stream of concurrent writes, `kill -9` of the server in the middle, a
// restart on the same data dir. Every write the server acknowledged must survive with its
// data and resourceVersion, and a watcher resuming from the last resourceVersion it saw
// must receive every later acknowledged write, in order, none missing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSkiff, startCluster, type TestCluster } from './harness.js';

const NS = 'default';
const CM_PATH = `/api/v1/namespaces/${NS}/configmaps`;

interface Conn {
  session: http2.ClientHttp2Session;
  close(): void;
}

/** An HTTP/2 session authenticated with the admin client certificate. */
function connect(dataDir: string, port: number): Conn {
  const pki = join(dataDir, 'pki');
  const session = http2.connect(`https://127.0.0.1:${port}`, {
    ca: readFileSync(join(pki, 'ca.crt')),
    cert: readFileSync(join(pki, 'admin.crt')),
    key: readFileSync(join(pki, 'admin.key')),
    servername: 'localhost',
  });
  session.on('error', () => {});
  return { session, close: () => session.destroy() };
}

/** An HTTP/2 session authenticated with a bearer token. */
function connectWithToken(c: TestCluster, port: number): Conn & { token: string } {
  const session = http2.connect(`https://127.0.0.1:${port}`, {
    ca: readFileSync(c.caPath),
    servername: 'localhost',
  });
  session.on('error', () => {});
  return { session, token: c.adminToken, close: () => session.destroy() };
}

function request(
  conn: Conn,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: http2.OutgoingHttpHeaders = {
      ':method': method,
      ':path': path,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers['authorization'] = `Bearer ${token}`;
    let stream: http2.ClientHttp2Stream;
    try {
      stream = conn.session.request(headers);
    } catch (e) {
      reject(e as Error);
      return;
    }
    let status = 0;
    let data = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (d: string) => (data += d));
    stream.on('end', () => resolve({ status, body: data }));
    stream.on('error', reject);
    stream.on('close', () => {
      if (status === 0) reject(new Error('stream closed without a response'));
    });
    stream.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

interface WatchEvent {
  type: string;
  name: string;
  rv: number;
  value: string | undefined;
}

interface Watcher {
  events: WatchEvent[];
  /** Resolves when the stream ends (server gone, or stop()). */
  done: Promise<void>;
  stop(): void;
  /** Resolves once `pred` holds for the events so far, or rejects after timeoutMs. */
  until(pred: (events: WatchEvent[]) => boolean, timeoutMs: number): Promise<void>;
}

function watch(conn: Conn, resourceVersion: string, token?: string): Watcher {
  const events: WatchEvent[] = [];
  const listeners = new Set<() => void>();
  const headers: http2.OutgoingHttpHeaders = {
    ':method': 'GET',
    ':path': `${CM_PATH}?watch=1&resourceVersion=${resourceVersion}&allowWatchBookmarks=false`,
    accept: 'application/json',
  };
  if (token) headers['authorization'] = `Bearer ${token}`;
  const stream = conn.session.request(headers);
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('response', (h) => {
    const status = Number(h[':status']);
    if (status !== 200) events.push({ type: `HTTP ${status}`, name: '', rv: -1, value: undefined });
  });
  stream.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      const ev = JSON.parse(line) as {
        type: string;
        object: { metadata?: { name?: string; resourceVersion?: string }; data?: { v?: string } };
      };
      events.push({
        type: ev.type,
        name: ev.object.metadata?.name ?? '',
        rv: Number(ev.object.metadata?.resourceVersion ?? -1),
        value: ev.object.data?.v,
      });
    }
    for (const l of listeners) l();
  });
  const done = new Promise<void>((resolve) => {
    stream.on('close', () => resolve());
    stream.on('error', () => resolve());
  });
  return {
    events,
    done,
    stop: () => stream.close(http2.constants.NGHTTP2_CANCEL),
    until(pred, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (pred(events)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`watch condition not met within ${timeoutMs} ms`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}

const readPort = (dataDir: string): number =>
  (JSON.parse(readFileSync(join(dataDir, 'endpoint.json'), 'utf8')) as { port: number }).port;
const readServerPid = (dataDir: string): number =>
  Number(readFileSync(join(dataDir, 'skiff.pid'), 'utf8').trim());

/** Alive and not a zombie waiting to be reaped by its new parent. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** The server is killed the moment this many writes have been acknowledged. */
const KILL_AFTER_ACKS = 300;
/**
 * Limits that only end a hung test: every wait is for a condition (a count of events or
 * acknowledgements), so a busy machine makes the test slower, never wrong.
 */
const HANG_GUARD_MS = 120_000;

interface Ack {
  name: string;
  value: string;
  rv: number;
  uid: string;
}

test('acknowledged writes and watch resumption survive kill -9', { timeout: 600_000 }, async () => {
  const c = startCluster();
  try {
    let conn = connect(c.dataDir, c.port);
    const list = await request(conn, 'GET', CM_PATH);
    assert.equal(list.status, 200, list.body);
    const listRv = (JSON.parse(list.body) as { metadata: { resourceVersion: string } }).metadata
      .resourceVersion;

    // Watcher A stops by itself after 40 events; watcher B (bearer token) runs until the crash.
    const tokenConn = connectWithToken(c, c.port);
    const watchA = watch(conn, listRv);
    const watchB = watch(tokenConn, listRv, tokenConn.token);

    const pid = readServerPid(c.dataDir);

    const acks: Ack[] = [];
    const failures: string[] = [];
    let watchAStopped = false;
    let crashed = false;
    let seq = 0;
    // The kill goes out as soon as both hold — watcher A has stopped and the count of
    // acknowledgements is reached — from whichever event completes them, while the writers'
    // requests are in flight.
    const crashWhenDue = (): void => {
      if (crashed || !watchAStopped || acks.length < KILL_AFTER_ACKS) return;
      process.kill(pid, 'SIGKILL');
      crashed = true;
    };
    const acknowledged = (ack: Ack): void => {
      acks.push(ack);
      crashWhenDue();
    };
    const writer = async (w: number): Promise<void> => {
      while (!crashed) {
        const name = `crash-${w}-${seq++}`;
        const value = `value-of-${name}-${'x'.repeat(seq % 50)}`;
        try {
          const r = await request(conn, 'POST', CM_PATH, {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name, labels: { writer: String(w) } },
            data: { v: value },
          });
          if (r.status === 201) {
            const obj = JSON.parse(r.body) as {
              metadata: { resourceVersion: string; uid: string };
            };
            // Also after the kill: a response that arrives was sent, so it was acknowledged.
            acknowledged({
              name,
              value,
              rv: Number(obj.metadata.resourceVersion),
              uid: obj.metadata.uid,
            });
          } else if (!crashed) failures.push(`${name}: ${r.status} ${r.body}`);
        } catch {
          // The server died with this request in flight: not acknowledged.
          return;
        }
      }
    };
    const writers = Array.from({ length: 24 }, (_, w) => writer(w));

    await watchA.until((ev) => ev.length >= 40, HANG_GUARD_MS);
    watchA.stop();
    watchAStopped = true;
    crashWhenDue();
    await Promise.all(writers);
    await watchB.done;
    conn.close();
    tokenConn.close();
    while (isAlive(pid)) await new Promise((r) => setTimeout(r, 10));

    assert.deepEqual(failures, [], 'writes refused before the crash');
    assert.ok(crashed, `the server went away by itself after ${acks.length} acknowledged writes`);
    for (const w of [watchA, watchB]) {
      assert.ok(
        w.events.every((e) => e.type === 'ADDED'),
        `unexpected events: ${JSON.stringify(w.events.filter((e) => e.type !== 'ADDED'))}`,
      );
    }
    const rA = Math.max(...watchA.events.map((e) => e.rv));
    const rB = Math.max(...watchB.events.map((e) => e.rv));

    // Restart on the same data dir (a new port: the old one may linger in TIME_WAIT).
    const up = runSkiff(['up', '--detach', '--data-dir', c.dataDir, '--api-port', '0']);
    assert.equal(up.code, 0, `restart failed: ${up.stdout}\n${up.stderr}`);
    const port = readPort(c.dataDir);
    assert.notEqual(readServerPid(c.dataDir), pid);
    conn = connect(c.dataDir, port);

    // Every acknowledged object is there, unchanged.
    const after = await request(conn, 'GET', CM_PATH);
    assert.equal(after.status, 200, after.body);
    const items = new Map(
      (
        JSON.parse(after.body) as {
          items: {
            metadata: { name: string; uid: string; resourceVersion: string };
            data?: { v?: string };
          }[];
        }
      ).items.map((i) => [i.metadata.name, i]),
    );
    const lost = acks.filter((a) => !items.has(a.name)).map((a) => a.name);
    assert.deepEqual(lost, [], `${lost.length} of ${acks.length} acknowledged writes lost`);
    for (const a of acks) {
      const got = items.get(a.name);
      assert.equal(got?.data?.v, a.value, `data of ${a.name}`);
      assert.equal(got?.metadata.uid, a.uid, `uid of ${a.name}`);
      assert.equal(Number(got?.metadata.resourceVersion), a.rv, `resourceVersion of ${a.name}`);
    }
    const single = await request(conn, 'GET', `${CM_PATH}/${acks[0]?.name ?? ''}`);
    assert.equal(single.status, 200, single.body);

    // New writes after the restart get later resourceVersions than anything acknowledged.
    const maxAcked = Math.max(...acks.map((a) => a.rv));
    const fresh = await request(conn, 'POST', CM_PATH, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'after-restart' },
      data: { v: 'fresh' },
    });
    assert.equal(fresh.status, 201, fresh.body);
    const freshRv = Number(
      (JSON.parse(fresh.body) as { metadata: { resourceVersion: string } }).metadata
        .resourceVersion,
    );
    assert.ok(freshRv > maxAcked, `revision went backwards: ${freshRv} <= ${maxAcked}`);

    // Each watcher resumes from the last resourceVersion it saw.
    for (const [label, r] of [
      ['stopped watcher', rA],
      ['crashed watcher', rB],
    ] as const) {
      const expected = new Set(acks.filter((a) => a.rv > r).map((a) => a.name));
      expected.add('after-restart');
      const resumed = watch(conn, String(r));
      try {
        await resumed
          .until((ev) => [...expected].every((n) => ev.some((e) => e.name === n)), HANG_GUARD_MS)
          .catch(() => undefined);
      } finally {
        resumed.stop();
      }
      const seen = new Set(resumed.events.map((e) => e.name));
      const missing = [...expected].filter((n) => !seen.has(n));
      assert.deepEqual(
        missing,
        [],
        `${label} (from ${r}) missed ${missing.length} of ${expected.size} writes; first events: ${JSON.stringify(resumed.events.slice(0, 3))}`,
      );
      for (const e of resumed.events) {
        assert.equal(e.type, 'ADDED', `${label}: ${JSON.stringify(e)}`);
        assert.ok(e.rv > r, `${label} got an event at ${e.rv}, not after ${r}`);
      }
      const rvs = resumed.events.map((e) => e.rv);
      assert.deepEqual(
        rvs,
        [...rvs].sort((x, y) => x - y),
        `${label}: events out of order`,
      );
      for (const a of acks.filter((x) => x.rv > r)) {
        const e = resumed.events.find((x) => x.name === a.name);
        assert.equal(e?.rv, a.rv, `${label}: resourceVersion of ${a.name}`);
        assert.equal(e?.value, a.value, `${label}: data of ${a.name}`);
      }
    }
    conn.close();
  } finally {
    c.stop();
  }
});

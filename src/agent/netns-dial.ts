// TCP and HTTP from inside a network namespace. Node cannot switch namespaces per socket,
// so a short-lived helper (this Node binary under nsenter) makes the connection; without a
// namespace the same happens in-process.

import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { Duplex } from 'node:stream';

const HELPER = `
const [mode, host, port, path, headers, timeout] = process.argv.slice(1);
const t = setTimeout(() => { process.stdout.write('timeout'); process.exit(3); }, Number(timeout));
if (mode === 'tcp') {
  const s = require('node:net').connect(Number(port), host, () => { clearTimeout(t); s.destroy(); process.exit(0); });
  s.on('error', (e) => { process.stdout.write(e.message); process.exit(1); });
} else if (mode === 'http') {
  const r = require('node:http').request({ host, port: Number(port), path, headers: JSON.parse(headers) }, (res) => {
    res.resume();
    process.stdout.write(String(res.statusCode));
    process.exit(0);
  });
  r.on('error', (e) => { process.stdout.write(e.message); process.exit(1); });
  r.end();
} else {
  const s = require('node:net').connect(Number(port), host);
  process.stdin.pipe(s); s.pipe(process.stdout);
  s.on('error', (e) => { process.stderr.write(e.message); process.exit(1); });
  s.on('connect', () => clearTimeout(t));
  s.on('close', () => process.exit(0));
}
`;

function helper(netns: string, args: string[]): ReturnType<typeof spawn> {
  return spawn('nsenter', [`--net=${netns}`, '--', process.execPath, '-e', HELPER, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export interface DialResult {
  ok: boolean;
  /** HTTP status code, when one came back. */
  status?: number;
  error?: string;
}

/** Opens (and closes) a TCP connection: the tcpSocket probe. */
export function tcpCheck(
  netns: string | undefined,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<DialResult> {
  if (!netns)
    return new Promise((resolve) => {
      const s = connect(port, host);
      const t = setTimeout(() => {
        s.destroy();
        resolve({ ok: false, error: 'timeout' });
      }, timeoutMs);
      s.on('connect', () => {
        clearTimeout(t);
        s.destroy();
        resolve({ ok: true });
      });
      s.on('error', (e) => {
        clearTimeout(t);
        resolve({ ok: false, error: e.message });
      });
    });
  return runHelper(netns, ['tcp', host, String(port), '', '{}', String(timeoutMs)]).then((r) =>
    r.code === 0 ? { ok: true } : { ok: false, error: r.out || `exit ${r.code}` },
  );
}

/** A GET whose status is returned: the httpGet probe (2xx and 3xx succeed). */
export function httpCheck(
  netns: string | undefined,
  host: string,
  port: number,
  path: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<DialResult> {
  const judge = (status: number): DialResult =>
    status >= 200 && status < 400
      ? { ok: true, status }
      : { ok: false, status, error: `HTTP probe failed with statuscode: ${status}` };
  if (!netns)
    return new Promise((resolve) => {
      const r = request({ host, port, path, headers, timeout: timeoutMs }, (res) => {
        res.resume();
        resolve(judge(res.statusCode ?? 0));
      });
      r.on('timeout', () => r.destroy(new Error('timeout')));
      r.on('error', (e) => resolve({ ok: false, error: e.message }));
      r.end();
    });
  return runHelper(netns, [
    'http',
    host,
    String(port),
    path,
    JSON.stringify(headers),
    String(timeoutMs),
  ]).then((r) => (r.code === 0 ? judge(Number(r.out)) : { ok: false, error: r.out }));
}

function runHelper(netns: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const c = helper(netns, args);
    let out = '';
    c.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    c.on('error', (e) => resolve({ code: 1, out: e.message }));
    c.on('close', (code) => resolve({ code: code ?? 1, out: out.trim() }));
  });
}

/** A byte stream to host:port, as seen from `netns` (port forwarding). */
export function dial(netns: string | undefined, host: string, port: number): Duplex {
  if (!netns) return connect(port, host) as Socket;
  const c = helper(netns, ['pipe', host, String(port), '', '{}', '10000']);
  const stdout = c.stdout!;
  const stdin = c.stdin!;
  const d = new Duplex({
    read() {
      stdout.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      stdin.write(chunk, cb);
    },
    final(cb) {
      stdin.end();
      cb();
    },
    destroy(err, cb) {
      c.kill('SIGKILL');
      cb(err);
    },
  });
  stdout.on('data', (b: Buffer) => {
    if (!d.push(b)) stdout.pause();
  });
  stdout.on('end', () => d.push(null));
  let err = '';
  c.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  c.on('close', (code) => {
    if (code) d.destroy(new Error(err.trim() || `connection to ${host}:${port} failed`));
  });
  return d;
}

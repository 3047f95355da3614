// The dashboard's server on loopback: the web app's files as a browser gets them, and the
// API server unreachable (a closed port) answered with a 502 Status the page can show.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createCertificateAuthority } from '../pki/index.js';
import { createLogger } from '../log/index.js';
import { issueDashboardCertificate, startDashboard, type Dashboard } from './index.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('dashboard server', () => {
  const ca = createCertificateAuthority();
  let root: string;
  let d: Dashboard;
  const get = (path: string, headers: Record<string, string> = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const r = request(
        { host: '127.0.0.1', port: d.port, path, headers, ca: ca.certPem, servername: 'localhost' },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
            }),
          );
        },
      );
      r.on('error', reject);
      r.end();
    });

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'skiff-dashboard-web-'));
    mkdirSync(join(root, 'assets', 'chunks'), { recursive: true });
    writeFileSync(join(root, 'index.html'), `<!doctype html><title>x</title>${' '.repeat(400)}`);
    writeFileSync(join(root, 'assets', 'main.js'), `console.log(1);${' '.repeat(400)}`);
    writeFileSync(join(root, 'assets', 'chunks', 'term-ABCD1234.js'), 'export{};');
    d = await startDashboard({
      port: 0,
      hosts: ['127.0.0.1'],
      tls: issueDashboardCertificate(ca, []),
      apiServer: { url: `https://127.0.0.1:${await closedPort()}`, caPem: ca.certPem },
      logger: createLogger({ level: 'error' }),
      webRoot: root,
    });
  });
  after(async () => {
    await d?.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('/ is index.html, revalidated; gzip when accepted; the certificate names localhost', async () => {
    const plain = await get('/');
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(plain.headers['cache-control'], 'no-cache');
    assert.match(plain.body.toString(), /^<!doctype html>/);
    const zipped = await get('/', { 'accept-encoding': 'br, gzip;q=0.8' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(zipped.body).toString(), plain.body.toString());
    const refused = await get('/', { 'accept-encoding': 'gzip;q=0' });
    assert.equal(refused.headers['content-encoding'], undefined);
    const again = await get('/', { 'if-none-match': String(plain.headers['etag']) });
    assert.equal(again.status, 304);
  });

  test('hashed chunks are cached for a year; main.js is not', async () => {
    const chunk = await get('/assets/chunks/term-ABCD1234.js');
    assert.equal(chunk.status, 200);
    assert.equal(chunk.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(chunk.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal((await get('/assets/main.js')).headers['cache-control'], 'no-cache');
    assert.equal((await get('/assets/nothing.js')).status, 404);
  });

  test('the API server unreachable: 502 with a Status the page shows', async () => {
    const res = await get('/k8s/api', { 'x-dashboard-token': 'some-token' });
    assert.equal(res.status, 502);
    const status = JSON.parse(res.body.toString()) as Record<string, unknown>;
    assert.equal(status['kind'], 'Status');
    assert.equal(status['code'], 502);
    assert.match(
      String(status['message']),
      /^the API server cannot be reached: connect ECONNREFUSED/,
    );
  });
});

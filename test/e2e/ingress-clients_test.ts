// End-to-end: the ingress as clients on another machine see it. The node runs in its own
// network namespace; a second one linked to it is the client's machine (./ingress-client.ts),
// where a Node.js client and headless Chromium resolve the test's names to the Ingress
// ADDRESS. A page loaded in Chromium over HTTPS with a certificate from the local ingress
// CA, a WebSocket from that page and from a plain client (ws:// and wss://), the forwarded
// headers the pods see, and bad input (an enormous header or body, a broken TLS secret):
// the answer nginx gives, a Warning event on the Ingress, and every other route unaffected.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  hasKubectl,
  nodeSkipReason,
  ok,
  parseTable,
  ROOT,
  run,
  startNodeCluster,
  type TestCluster,
  until,
} from './harness.js';
import {
  chromiumSkipReason,
  CLIENT_ADDRESS,
  clientMachine,
  type ClientMachine,
  type ClientResponse,
} from './ingress-client.js';

const KUBECTL = 33;
const skip = !hasKubectl(KUBECTL)
  ? 'kubectl 1.33 is not installed'
  : (nodeSkipReason() ??
    (spawnSync('sh', ['-c', 'command -v nginx']).status !== 0 ? 'nginx is not installed' : false));
/** Screenshots and other files worth keeping from a run (ignored by git). */
const ARTIFACTS = join(ROOT, 'test-artifacts');

const PAGE = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>Skiff ingress</title></head>
<body>
<h1 id="hello">Hello from a pod, through the Skiff ingress</h1>
<p id="ws">connecting…</p>
<script>
  const ws = new WebSocket('wss://' + location.host + '/ws');
  ws.onopen = () => ws.send('hello from Chromium');
  ws.onmessage = (e) => { document.getElementById('ws').textContent = e.data; };
  ws.onerror = () => { document.getElementById('ws').textContent = 'WebSocket failed'; };
</script>
</body>
</html>
`;

const indent = (text: string, by: string): string =>
  text
    .split('\n')
    .map((l) => (l ? by + l : l))
    .join('\n');

const APPS = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: echo
spec:
  replicas: 1
  selector:
    matchLabels:
      app: echo
  template:
    metadata:
      labels:
        app: echo
    spec:
      containers:
      - name: echo
        image: ${IMAGES.echo}
        env:
        - name: SERVICE_NAME
          value: echo
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        ports:
        - name: http
          containerPort: 3000
---
apiVersion: v1
kind: Service
metadata:
  name: echo
spec:
  selector:
    app: echo
  ports:
  - name: http
    port: 80
    targetPort: http
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: page
data:
  index.html: |
${indent(PAGE, '    ')}---
apiVersion: v1
kind: Pod
metadata:
  name: page
  labels:
    app: page
spec:
  containers:
  - name: web
    image: ${IMAGES.kubia}
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    volumeMounts:
    - name: page
      mountPath: /www
  volumes:
  - name: page
    configMap:
      name: page
---
apiVersion: v1
kind: Service
metadata:
  name: page
spec:
  selector:
    app: page
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: clients
spec:
  tls:
  - hosts:
    - browser.example.com
  rules:
  - host: browser.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: page
            port:
              number: 80
      - path: /ws
        pathType: Prefix
        backend:
          service:
            name: echo
            port:
              name: http
  - host: ws.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: echo
            port:
              number: 80
`;

interface Echoed {
  path: string;
  host: string;
  method: string;
  headers: Record<string, string[]>;
  service: string;
}

describe(
  'the ingress from a client machine: Chromium, WebSockets, bad input',
  { skip, timeout: 600_000 },
  () => {
    let c: TestCluster;
    let client: ClientMachine;
    let address = '';
    let ingressCa = '';
    const kubectl = (args: string[], input?: string) =>
      c.kubectl(KUBECTL, args, input === undefined ? {} : { input });
    const get = (url: string, extra: Partial<Parameters<ClientMachine['request']>[0]> = {}) =>
      client.request({ url, address, ...extra });
    const echoed = (r: ClientResponse): Echoed => JSON.parse(r.body) as Echoed;

    before(async () => {
      const images = await ensureTestImages({ images: [IMAGES.kubia, IMAGES.echo] });
      c = startNodeCluster({
        images: [images.archives[IMAGES.kubia]!, images.archives[IMAGES.echo]!],
      });
      client = clientMachine(c);
      ok(await kubectl(['apply', '-f', '-'], APPS));
      address = await until('the Ingress ADDRESS', async () => {
        const [row] = parseTable(ok(await kubectl(['get', 'ingress', 'clients'])));
        return row?.['ADDRESS'] || undefined;
      });
      ingressCa = readFileSync(join(c.dataDir, 'pki', 'ingress-ca.crt'), 'utf8');
      // Both backends ready and routed.
      await until(
        'both routes answer',
        async () => {
          const page = await get('https://browser.example.com/', { ca: ingressCa }).catch(
            () => undefined,
          );
          const echo = await get('http://ws.example.com/').catch(() => undefined);
          return page?.status === 200 && echo?.status === 200 ? true : undefined;
        },
        120_000,
      );
    });

    after(() => {
      client?.remove();
      c?.stop();
    });

    test('the pods see the forwarded headers: X-Forwarded-For/-Proto/-Host and X-Real-IP', async () => {
      const r = await get('http://ws.example.com/some/path?q=1', {
        headers: { 'user-agent': 'skiff-e2e' },
      });
      assert.equal(r.status, 200, r.body);
      const e = echoed(r);
      assert.equal(e.service, 'echo');
      assert.equal(e.host, 'ws.example.com');
      assert.equal(e.path, '/some/path?q=1');
      assert.deepEqual(e.headers['X-Forwarded-For'], [CLIENT_ADDRESS]);
      assert.deepEqual(e.headers['X-Real-Ip'], [CLIENT_ADDRESS]);
      assert.deepEqual(e.headers['X-Forwarded-Proto'], ['http']);
      assert.deepEqual(e.headers['X-Forwarded-Host'], ['ws.example.com']);
      assert.deepEqual(e.headers['User-Agent'], ['skiff-e2e']);
      const s = await get('https://browser.example.com/ws/x', { ca: ingressCa });
      assert.deepEqual(echoed(s).headers['X-Forwarded-Proto'], ['https']);
    });

    test('a WebSocket through the ingress, over ws:// and over wss:// (the local CA verified)', async () => {
      assert.equal(
        await client.websocket({ url: 'ws://ws.example.com/chat', address, message: 'hello' }),
        'echo: hello',
      );
      assert.equal(
        await client.websocket({
          url: 'wss://browser.example.com/ws',
          address,
          message: 'hello over TLS',
          ca: ingressCa,
        }),
        'echo: hello over TLS',
      );
    });

    test(
      'a page in headless Chromium: HTTP redirected to HTTPS, the local CA certificate, a WebSocket from the page',
      {
        skip: chromiumSkipReason() ?? false,
      },
      async () => {
        // The certificate the ingress serves, verified against the local CA by the Node.js
        // client: its key is the one Chromium is told to accept.
        const first = await get('https://browser.example.com/', { ca: ingressCa });
        const cert = first.certificate!;
        assert.match(cert.issuer, /CN=skiff-ingress-ca/);
        assert.deepEqual(cert.dnsNames, ['browser.example.com']);
        const browser = await client.chromium({
          resolve: { 'browser.example.com': address },
          acceptKeys: [cert.spkiSha256],
        });
        try {
          const page = await browser.newPage();
          const response = await page.goto('http://browser.example.com/', { timeout: 30_000 });
          assert.ok(response);
          assert.equal(response.url(), 'https://browser.example.com/');
          assert.equal(response.status(), 200);
          const security = await response.securityDetails();
          assert.equal(security?.subjectName, 'browser.example.com');
          assert.equal(security?.issuer, 'skiff-ingress-ca');
          assert.match(security?.protocol ?? '', /^TLS 1\.[23]$/);
          assert.equal(await page.title(), 'Skiff ingress');
          assert.equal(
            await page.locator('#hello').textContent(),
            'Hello from a pod, through the Skiff ingress',
          );
          // The page's own WebSocket, through the ingress to the echo pod.
          await page
            .locator('#ws', { hasText: 'echo: hello from Chromium' })
            .waitFor({ timeout: 20_000 });
          mkdirSync(ARTIFACTS, { recursive: true });
          const shot = join(ARTIFACTS, 'ingress-chromium.png');
          await page.screenshot({ path: shot });
          assert.ok(statSync(shot).size > 1000, 'a screenshot was written');
          // A key the test did not accept: Chromium refuses the page.
          const other = await browser.newPage();
          await assert.rejects(
            other.goto(`https://${address}/`, { timeout: 30_000 }),
            /ERR_CERT_AUTHORITY_INVALID|ERR_CERT_COMMON_NAME_INVALID|ERR_CERT/,
          );
        } finally {
          await browser.close();
        }
      },
    );

    test('bad input: an enormous header (431) or body (413), a TLS secret whose key does not match, a conflicting rule: a Warning event each, every other route unaffected', async () => {
      // Host first, as browsers and curl send it: nginx knows the host before the header
      // that overflows its buffers (one before Host is only logged: no Ingress to tell).
      const header = await get('http://ws.example.com/upload', {
        headers: { host: 'ws.example.com', 'x-big': 'a'.repeat(20_000) },
      });
      assert.equal(header.status, 431);
      assert.equal(header.body, '431 Request Header Fields Too Large\n');
      const body = await get('http://ws.example.com/upload', {
        method: 'POST',
        body: 'a'.repeat(2 * 1024 * 1024),
      });
      assert.equal(body.status, 413);
      // A certificate with another key than its own (kubectl create secret tls would refuse
      // the pair; an applied Secret does not).
      const dir = c.file('mismatch/.keep', '').replace(/\/\.keep$/, '');
      const openssl = async (args: string[]) =>
        ok(await run('openssl', args, { timeoutMs: 30_000 }), 'openssl');
      await openssl(['genrsa', '-out', join(dir, 'a.key'), '2048']);
      await openssl(['genrsa', '-out', join(dir, 'b.key'), '2048']);
      await openssl([
        'req',
        '-new',
        '-x509',
        '-key',
        join(dir, 'a.key'),
        '-out',
        join(dir, 'a.crt'),
        '-days',
        '1',
        '-subj',
        '/CN=broken.example.com',
      ]);
      const b64 = (f: string) => readFileSync(join(dir, f)).toString('base64');
      ok(
        await kubectl(
          ['apply', '-f', '-'],
          `apiVersion: v1
kind: Secret
metadata:
  name: mismatched
type: kubernetes.io/tls
data:
  tls.crt: ${b64('a.crt')}
  tls.key: ${b64('b.key')}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: broken-tls
spec:
  tls:
  - hosts:
    - broken.example.com
    secretName: mismatched
  rules:
  - host: broken.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: echo
            port:
              number: 80
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: late
spec:
  rules:
  - host: ws.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: page
            port:
              number: 80
`,
        ),
      );
      const expected = [
        [
          'clients',
          'RequestHeaderTooLarge',
          'a request for host "ws.example.com" was refused with 431 Request Header Fields Too Large: a header line over 8k or headers over 4 × 8k; other requests are served',
        ],
        [
          'clients',
          'RequestBodyTooLarge',
          'a request for host "ws.example.com" was refused with 413 Content Too Large: a body over 1m; other requests are served',
        ],
        [
          'broken-tls',
          'InvalidCertificate',
          'TLS for host "broken.example.com": secret "default/mismatched": the private key does not match the certificate; the default certificate is served instead',
        ],
        [
          'late',
          'Conflict',
          'path / (Prefix) of host "ws.example.com" is already routed by Ingress default/clients; this rule is ignored',
        ],
      ];
      const warnings = async () => {
        const list = JSON.parse(ok(await kubectl(['get', 'events', '-o', 'json']))) as {
          items: {
            type: string;
            reason: string;
            message: string;
            count: number;
            involvedObject: { kind: string; name: string };
          }[];
        };
        return list.items
          .filter((e) => e.type === 'Warning' && e.involvedObject.kind === 'Ingress')
          .map((e) => [e.involvedObject.name, e.reason, e.message, String(e.count)]);
      };
      let last: string[][] = [];
      const seen = await until('a Warning event for each problem', async () => {
        const w = (last = await warnings());
        const has = (x: string[]) => w.some((y) => y.slice(0, 3).join('\0') === x.join('\0'));
        return expected.every(has) ? w : undefined;
      }).catch((e: Error) => {
        throw new Error(`${e.message}; events: ${JSON.stringify(last, null, 1)}`);
      });
      assert.equal(seen.length, expected.length, JSON.stringify(seen, null, 1));
      // Every route still serves: the broken host with the default certificate.
      const broken = await until('the broken TLS host served', async () => {
        const r = await get('https://broken.example.com/');
        return r.status === 200 ? r : undefined;
      });
      assert.match(broken.certificate?.subject ?? '', /CN=skiff-ingress-default/);
      assert.equal(echoed(broken).service, 'echo');
      assert.equal(echoed(await get('http://ws.example.com/')).service, 'echo');
      assert.equal((await get('https://browser.example.com/', { ca: ingressCa })).status, 200);
      // A flood of refused requests is one event, not one per request.
      for (let i = 0; i < 5; i++)
        assert.equal(
          (
            await get('http://ws.example.com/', {
              headers: { host: 'ws.example.com', 'x-big': 'b'.repeat(20_000) },
            })
          ).status,
          431,
        );
      // Then a refusal of another kind and host; refusals are reported in order, so once its
      // event is there the flood's have been handled: still the one event, counted once.
      const put = await get('https://broken.example.com/', {
        method: 'PUT',
        body: 'c'.repeat(1_100_000),
      });
      assert.equal(put.status, 413);
      const later = await until('the event of the later refusal', async () => {
        const w = await warnings();
        return w.some((e) => e[0] === 'broken-tls' && e[1] === 'RequestBodyTooLarge')
          ? w
          : undefined;
      });
      assert.deepEqual(
        later.filter((e) => e[1] === 'RequestHeaderTooLarge').map((e) => e[3]),
        ['1'],
      );
    });
  },
);

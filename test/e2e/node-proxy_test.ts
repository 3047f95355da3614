// End-to-end with the node agent: the ways into a cluster that seeds 000, 002 and 003 describe.
// `kubectl proxy` with the seeds' URLs, the API server's proxy verbs (services, pods, nodes)
// with curl and a token, `https:NAME:` and `https:NAME:PORT_NAME` to a pod serving TLS, a
// WebSocket echo through services/proxy, `kubectl cluster-info` (and its dump), `kubectl top`,
// nodes/proxy to the node's own API, that API refusing callers it should, and hostile input
// through nodes/proxy. Everything runs in the cluster's network namespace (harness.ts).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  E2E_NODE,
  esc,
  hasKubectl,
  nodeSkipReason,
  ok,
  ROOT,
  run,
  startNodeCluster,
  type TestCluster,
  until,
  VERSIONS,
} from './harness.js';

const KUBECTL = 33;
const skip = !hasKubectl(KUBECTL) ? 'kubectl 1.33 is not installed' : (nodeSkipReason() ?? false);

/** Seed 003's pod, on the nginx stand-in image. */
const NGINX_POD = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  containers:
  - name: nginx
    image: ${IMAGES.nginx}
    ports:
    - containerPort: 80
`;

/**
 * An app answering `<scheme> <method> <url>` on 8080 (HTTP) and 8443 (HTTPS, the mounted
 * secret's certificate), with a WebSocket echo on both (single short frames are enough here).
 */
const ECHO_APP = String.raw`
const http = require('node:http'), https = require('node:https'), fs = require('node:fs');
const crypto = require('node:crypto');
const answer = (scheme) => (q, r) => {
  let body = '';
  q.on('data', (d) => (body += d));
  q.on('end', () => {
    r.setHeader('content-type', 'text/plain');
    r.end(scheme + ' ' + q.method + ' ' + q.url + (body ? ' ' + body : '') + '\n');
  });
};
const echo = (q, s) => {
  const accept = crypto.createHash('sha1')
    .update(q.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Accept: ' + accept + '\r\n\r\n');
  let buf = Buffer.alloc(0);
  s.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 6) {
      const len = buf[1] & 127, opcode = buf[0] & 15;
      if (len > 125 || buf.length < 6 + len) return;
      const mask = buf.subarray(2, 6), data = Buffer.from(buf.subarray(6, 6 + len));
      for (let i = 0; i < len; i++) data[i] ^= mask[i % 4];
      buf = buf.subarray(6 + len);
      if (opcode === 8) { s.end(Buffer.from([0x88, 0])); return; }
      s.write(Buffer.concat([Buffer.from([0x80 | opcode, len]), data]));
    }
  });
};
const plain = http.createServer(answer('http'));
plain.on('upgrade', echo);
plain.listen(8080);
const tls = https.createServer({ key: fs.readFileSync('/tls/tls.key'), cert: fs.readFileSync('/tls/tls.crt') }, answer('https'));
tls.on('upgrade', echo);
tls.listen(8443);
`;

const ECHO_POD = `apiVersion: v1
kind: Pod
metadata:
  name: echo
  labels:
    app: echo
spec:
  volumes:
  - name: tls
    secret:
      secretName: echo-tls
  containers:
  - name: echo
    image: ${IMAGES.kubiaNode}
    command: ["node", "-e", ${JSON.stringify(ECHO_APP)}]
    volumeMounts:
    - name: tls
      mountPath: /tls
    ports:
    - name: http
      containerPort: 8080
    - name: https
      containerPort: 8443
`;

const SERVICES = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: nginx
  ports:
  - port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: echo
spec:
  selector:
    app: echo
  ports:
  - name: plain
    port: 80
    targetPort: http
---
apiVersion: v1
kind: Service
metadata:
  name: secure
spec:
  selector:
    app: echo
  ports:
  - port: 443
    targetPort: 8443
---
apiVersion: v1
kind: Service
metadata:
  name: search
spec:
  selector:
    app: echo
  ports:
  - name: https
    port: 9200
    targetPort: https
---
apiVersion: v1
kind: Service
metadata:
  name: nobody
spec:
  selector:
    app: nobody-has-this-label
  ports:
  - port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: board
  namespace: kube-system
  labels:
    kubernetes.io/cluster-service: "true"
spec:
  selector:
    app: board
  ports:
  - port: 80
`;

describe('proxies: kubectl proxy, the proxy verbs, cluster-info, the node API', { skip }, () => {
  let c: TestCluster;
  const kubectl = (args: string[], minor: number = KUBECTL) => c.kubectl(minor, args);
  /** curl inside the cluster's namespace: status code and body. */
  const curl = async (args: string[]): Promise<{ status: number; body: string }> => {
    const r = await c.exec('curl', ['-s', '-m', '20', '-w', '\n%{http_code}', ...args]);
    const lines = r.stdout.split('\n');
    const status = Number(lines.pop());
    return { status, body: lines.join('\n') };
  };
  const withToken = (path: string, extra: string[] = []) =>
    curl([
      '--cacert',
      c.caPath,
      '-H',
      `Authorization: Bearer ${c.adminToken}`,
      ...extra,
      `${c.server}${path}`,
    ]);
  /** The node's own API, as the Node object names it (InternalIP, the recorded port). */
  const nodeUrl = async (minor: number = KUBECTL): Promise<string> => {
    const node = JSON.parse(ok(await kubectl(['get', 'node', E2E_NODE, '-o', 'json'], minor))) as {
      status: {
        addresses: { type: string; address: string }[];
        daemonEndpoints: { kubeletEndpoint: { Port: number } };
      };
    };
    const ip = node.status.addresses.find((a) => a.type === 'InternalIP')?.address;
    return `https://${ip}:${node.status.daemonEndpoints.kubeletEndpoint.Port}`;
  };
  /**
   * Raw bytes to the API server over TLS, as HTTP/1.1: everything it answers until it closes
   * the connection (or 10 s pass).
   */
  const rawApi = async (data: string): Promise<string> => {
    const script = `
      const tls = require('node:tls');
      let input = '';
      process.stdin.setEncoding('latin1');
      process.stdin.on('data', (d) => (input += d));
      process.stdin.on('end', () => {
        const sock = tls.connect({ host: '127.0.0.1', port: Number(process.argv[1]),
          rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
        let out = '';
        const done = () => { process.stdout.write(out, 'latin1', () => process.exit(0)); };
        sock.on('data', (d) => (out += d.toString('latin1')));
        sock.on('close', done);
        sock.on('error', () => {});
        sock.once('secureConnect', () => sock.write(input, 'latin1'));
        setTimeout(done, 10000);
      });`;
    const r = await c.exec(process.execPath, ['-e', script, String(c.port)], {
      input: data,
      timeoutMs: 30_000,
    });
    return r.stdout;
  };
  const running = (ns: string, name: string) =>
    until(
      `${ns}/${name} Ready`,
      async () => {
        const out = ok(
          await kubectl([
            '-n',
            ns,
            'get',
            'pod',
            name,
            '-o',
            'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
          ]),
        );
        return out === 'True' ? true : undefined;
      },
      120_000,
    );

  before(async () => {
    const built = await ensureTestImages({ images: [IMAGES.nginx, IMAGES.kubiaNode] });
    c = startNodeCluster({
      images: [built.archives[IMAGES.nginx]!, built.archives[IMAGES.kubiaNode]!],
    });
    const key = c.file('tls/tls.key', '');
    const cert = c.file('tls/tls.crt', '');
    ok(
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=echo',
        '-keyout',
        key,
        '-out',
        cert,
      ]),
      'openssl',
    );
    ok(await kubectl(['create', 'secret', 'tls', 'echo-tls', '--cert', cert, '--key', key]));
    ok(await kubectl(['apply', '-f', c.file('nginx.yaml', NGINX_POD)]));
    ok(await kubectl(['apply', '-f', c.file('echo.yaml', ECHO_POD)]));
    ok(await kubectl(['apply', '-f', c.file('services.yaml', SERVICES)]));
    ok(
      await kubectl([
        '-n',
        'kube-system',
        'run',
        'board',
        `--image=${IMAGES.nginx}`,
        '--labels=app=board',
      ]),
    );
    await Promise.all([
      running('default', 'nginx'),
      running('default', 'echo'),
      running('kube-system', 'board'),
    ]);
    // The echo app listens a moment after its container starts.
    await until('the echo app answering through pods/proxy', async () =>
      (await withToken('/api/v1/namespaces/default/pods/echo:8080/proxy/')).status === 200
        ? true
        : undefined,
    );
  });

  after(() => c?.stop());

  for (const minor of VERSIONS.filter(hasKubectl)) {
    test(`kubectl 1.${minor} proxy: the seeds' URLs, --port=0 and --www`, async () => {
      const www = c.file(`www-${minor}/hello.txt`, `static ${minor}\n`);
      const proxy = c.background(minor, [
        'proxy',
        '--port=0',
        `--www=${join(www, '..')}`,
        '--www-prefix=/static/',
      ]);
      try {
        await proxy.waitFor(/Starting to serve on 127\.0\.0\.1:\d+/, 20_000);
        const port = /127\.0\.0\.1:(\d+)/.exec(proxy.stdout)?.[1] ?? '';
        const at = (path: string) => curl([`http://127.0.0.1:${port}${path}`]);
        const api = await at('/api/');
        assert.equal(api.status, 200, api.body);
        const versions = JSON.parse(api.body) as {
          kind: string;
          versions: string[];
          serverAddressByClientCIDRs: { clientCIDR: string; serverAddress: string }[];
        };
        assert.equal(versions.kind, 'APIVersions');
        assert.deepEqual(versions.versions, ['v1']);
        assert.equal(versions.serverAddressByClientCIDRs[0]?.clientCIDR, '0.0.0.0/0');
        const pods = await at('/api/v1/pods');
        assert.match(pods.body, /"name":\s*"nginx"/);
        const page = await at('/api/v1/namespaces/default/pods/nginx/proxy/');
        assert.equal(page.status, 200);
        assert.match(page.body, /<title>Welcome to nginx!<\/title>/);
        const svc = await at('/api/v1/namespaces/default/services/web/proxy/');
        assert.match(svc.body, /Welcome to nginx!/);
        const stat = await at('/static/hello.txt');
        assert.deepEqual([stat.status, stat.body], [200, `static ${minor}\n`]);
      } finally {
        await proxy.stop();
      }
    });
  }

  test('services/proxy: every name form of seed 000, with a token', async () => {
    const base = '/api/v1/namespaces/default/services';
    // NAME alone is the unnamed port; NAME:PORT a port by name or number.
    for (const name of ['web', 'web:80', 'echo:plain', 'echo:80'])
      assert.equal((await withToken(`${base}/${name}/proxy/`)).status, 200, name);
    assert.match((await withToken(`${base}/web/proxy/`)).body, /Welcome to nginx!/);
    // As kube-apiserver: NAME alone does not pick a named port.
    const named = await withToken(`${base}/echo/proxy/`);
    assert.equal(named.status, 503);
    assert.equal(JSON.parse(named.body).message, 'no endpoints available for service "echo"');
    // The request's path and query reach the app, as seed 000's _search?q=user:kimchy.
    const q = await withToken(`${base}/echo:plain/proxy/_search?q=user:kimchy`);
    assert.deepEqual([q.status, q.body], [200, 'http GET /_search?q=user:kimchy\n']);
    for (const name of ['https:secure:', 'https:secure:443']) {
      const r = await withToken(`${base}/${name}/proxy/_cluster/health?pretty=true`);
      assert.deepEqual([r.status, r.body], [200, 'https GET /_cluster/health?pretty=true\n'], name);
    }
    const post = await withToken(`${base}/echo:plain/proxy/form`, ['-X', 'POST', '-d', 'a=1']);
    assert.deepEqual([post.status, post.body], [200, 'http POST /form a=1\n']);
    const none = await withToken(`${base}/nobody/proxy/`);
    assert.equal(none.status, 503);
    assert.equal(JSON.parse(none.body).message, 'no endpoints available for service "nobody"');
  });

  test('services/proxy: https:NAME:PORT_NAME to a named TLS port, as seed 000 writes it', async () => {
    const base = '/api/v1/namespaces/default/services';
    // By the port's name, and by its number (turned into that name).
    for (const name of ['https:search:https', 'https:search:9200']) {
      const r = await withToken(`${base}/${name}/proxy/_cluster/health?pretty=true`);
      assert.deepEqual([r.status, r.body], [200, 'https GET /_cluster/health?pretty=true\n'], name);
    }
    const post = await withToken(`${base}/https:search:https/proxy/_search`, [
      '-X',
      'POST',
      '-d',
      'q=user:kimchy',
    ]);
    assert.deepEqual([post.status, post.body], [200, 'https POST /_search q=user:kimchy\n']);
    // kube-apiserver's words: the whole id for a port name no endpoint serves.
    for (const name of ['https:search:nope', 'https:search:']) {
      const r = await withToken(`${base}/${name}/proxy/`);
      assert.equal(r.status, 503, `${name}: ${r.body}`);
      assert.equal(
        JSON.parse(r.body).message,
        `no endpoints available for service ${JSON.stringify(name)}`,
      );
    }
    const port = await withToken(`${base}/https:search:443/proxy/`);
    assert.equal(port.status, 503, port.body);
    assert.equal(JSON.parse(port.body).message, 'no service port 443 found for service "search"');
  });

  test('pods/proxy: http and https: to a pod, a missing port answered as kube does', async () => {
    const base = '/api/v1/namespaces/default/pods';
    const tls = await withToken(`${base}/https:echo:8443/proxy/x?y=1`);
    assert.deepEqual([tls.status, tls.body], [200, 'https GET /x?y=1\n']);
    const missing = await withToken(`${base}/ghost/proxy/`);
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.body).message, 'pods "ghost" not found');
    const refused = await withToken(`${base}/echo:9/proxy/`);
    assert.equal(refused.status, 503);
    assert.match(JSON.parse(refused.body).message, /connect: connection refused|ECONNREFUSED/);
  });

  test('a WebSocket echo through services/proxy', async () => {
    const script = `
      const WebSocket = require(${JSON.stringify(join(ROOT, 'node_modules', 'ws'))});
      const ws = new WebSocket(process.argv[1], {
        ca: require('node:fs').readFileSync(${JSON.stringify(c.caPath)}),
        headers: { Authorization: 'Bearer ${c.adminToken}' },
      });
      ws.on('open', () => ws.send('hello through the proxy'));
      ws.on('message', (m) => { process.stdout.write(String(m)); ws.close(); });
      ws.on('error', (e) => { process.stderr.write(e.message); process.exit(1); });
      setTimeout(() => process.exit(2), 15000).unref();`;
    const r = await c.exec(process.execPath, [
      '-e',
      script,
      `${c.server.replace('https', 'wss')}/api/v1/namespaces/default/services/echo:plain/proxy/ws`,
    ]);
    assert.equal(r.stdout, 'hello through the proxy', r.stderr);
  });

  test('cluster-info lists the control plane and the kube-system cluster services', async () => {
    // kube-dns (labelled kubernetes.io/cluster-service) is listed by its kubernetes.io/name,
    // with its first port's name, as kubectl prints CoreDNS on a kubeadm cluster.
    const kubeDns = `CoreDNS is running at ${c.server}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy`;
    for (const minor of VERSIONS.filter(hasKubectl)) {
      const plain = await until(`cluster-info naming CoreDNS (kubectl 1.${minor})`, async () => {
        const out = ok(await kubectl(['cluster-info'], minor)).replace(/\x1b\[[0-9;]*m/g, '');
        return out.includes(kubeDns) ? out : undefined;
      });
      assert.match(plain, new RegExp(`^${esc(kubeDns)}$`, 'm'), `kubectl 1.${minor}`);
      assert.match(
        plain,
        new RegExp(`^Kubernetes control plane is running at ${c.server}$`, 'm'),
        `kubectl 1.${minor}`,
      );
      const line = new RegExp(
        `^board is running at (${c.server}/api/v1/namespaces/kube-system/services/board/proxy)$`,
        'm',
      ).exec(plain);
      assert.ok(line, plain);
      const page = await curl([
        '--cacert',
        c.caPath,
        '-H',
        `Authorization: Bearer ${c.adminToken}`,
        `${line[1]}/`,
      ]);
      assert.match(page.body, /Welcome to nginx!/);
    }
  });

  for (const minor of VERSIONS.filter(hasKubectl)) {
    test(`kubectl 1.${minor} cluster-info dump completes, with the containers' logs read from the node`, async () => {
      const r = await c.kubectl(
        minor,
        ['cluster-info', 'dump', '--namespaces', 'default,kube-system'],
        { timeoutMs: 90_000 },
      );
      const dump = ok(r);
      assert.match(dump, /"kind": "NodeList"/);
      assert.match(dump, /==== START logs for container nginx of pod default\/nginx ====/);
      assert.match(dump, /==== START logs for container board of pod kube-system\/board ====/);
      assert.doesNotMatch(dump, /Request log error/);
    });
  }

  for (const minor of VERSIONS.filter(hasKubectl)) {
    test(`kubectl 1.${minor}: nodes/proxy reaches the node API: /healthz, /stats/summary, /pods`, async () => {
      const base = `/api/v1/nodes/${E2E_NODE}/proxy`;
      assert.equal(ok(await kubectl(['get', '--raw', `${base}/healthz`], minor)), 'ok');
      const summary = JSON.parse(
        ok(await kubectl(['get', '--raw', `${base}/stats/summary`], minor)),
      ) as {
        node: { nodeName: string; cpu: { usageCoreNanoSeconds: number } };
        pods: { podRef: { name: string } }[];
      };
      assert.equal(summary.node.nodeName, E2E_NODE);
      assert.ok(summary.node.cpu.usageCoreNanoSeconds > 0);
      assert.ok(summary.pods.some((p) => p.podRef.name === 'nginx'));
      const pods = JSON.parse(ok(await kubectl(['get', '--raw', `${base}/pods`], minor))) as {
        kind: string;
        items: { metadata: { name: string } }[];
      };
      assert.equal(pods.kind, 'PodList');
      assert.ok(pods.items.some((p) => p.metadata.name === 'echo'));
    });
  }

  for (const minor of VERSIONS.filter(hasKubectl)) {
    test(`kubectl 1.${minor}: the node API refuses anonymous and under-privileged callers`, async () => {
      const url = `${await nodeUrl(minor)}/pods`;
      // The serving certificate is the cluster CA's, for the node's address.
      const anonymous = await curl(['--cacert', c.caPath, url]);
      assert.deepEqual([anonymous.status, anonymous.body], [401, 'Unauthorized']);
      const token = ok(await kubectl(['create', 'token', 'default'], minor)).trim();
      const denied = await curl([
        '--cacert',
        c.caPath,
        '-H',
        `Authorization: Bearer ${token}`,
        url,
      ]);
      assert.equal(denied.status, 403);
      assert.match(
        denied.body,
        /^Forbidden \(user=system:serviceaccount:default:default, verb=get, resource=nodes, subresource\(s\)=\[/,
      );
      const admin = await curl([
        '--cacert',
        c.caPath,
        '-H',
        `Authorization: Bearer ${c.adminToken}`,
        url,
      ]);
      assert.equal(admin.status, 200);
    });
  }

  test("nodes/log: the node's /var/log through nodes/proxy, authorized on its own", async () => {
    const base = `/api/v1/nodes/${E2E_NODE}/proxy/logs`;
    const listing = ok(await kubectl(['get', '--raw', `${base}/`]));
    assert.ok(
      listing.startsWith(
        '<!doctype html>\n<meta name="viewport" content="width=device-width">\n<pre>\n',
      ),
      listing.slice(0, 200),
    );
    const names = readdirSync('/var/log');
    for (const name of names) assert.ok(listing.includes(`>${name}`), `${name} listed`);
    // A file read through the node is the file (its head: logs grow).
    const file = names.find((n) => statSync(join('/var/log', n)).isFile());
    if (file) {
      const head = readFileSync(join('/var/log', file)).subarray(0, 256).toString('latin1');
      const got = await withToken(`${base}/${file}`);
      assert.equal(got.status, 200, file);
      assert.ok(got.body.startsWith(head), `${file}: ${got.body.slice(0, 100)}`);
    }
    const missing = await kubectl(['get', '--raw', `${base}/no-such-log`]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /Error from server \(NotFound\)/);

    // nodes/proxy alone opens /pods, not /logs/: that is nodes/log.
    ok(await kubectl(['create', 'serviceaccount', 'node-reader']));
    ok(
      await kubectl([
        'create',
        'clusterrole',
        'node-proxy-only',
        '--verb=get',
        '--resource=nodes/proxy',
      ]),
    );
    ok(
      await kubectl([
        'create',
        'clusterrolebinding',
        'node-reader',
        '--clusterrole=node-proxy-only',
        '--serviceaccount=default:node-reader',
      ]),
    );
    const token = ok(await kubectl(['create', 'token', 'node-reader'])).trim();
    const node = await nodeUrl();
    const as = (path: string) =>
      curl(['--cacert', c.caPath, '-H', `Authorization: Bearer ${token}`, `${node}${path}`]);
    assert.equal((await as('/pods')).status, 200);
    const logs = await as('/logs/');
    assert.deepEqual(
      [logs.status, logs.body],
      [
        403,
        'Forbidden (user=system:serviceaccount:default:node-reader, verb=get, resource=nodes, subresource(s)=[log])',
      ],
    );
  });

  test('nodes/proxy to the node: dot-segments, an over-long path, smuggling; the node stays up', async () => {
    const base = `/api/v1/nodes/${E2E_NODE}/proxy`;
    // Dot segments (plain or escaped) are cleaned, never above the node's root, as kube's
    // path.Join: each of these is the node's /healthz; none reaches the API server's own paths.
    for (const path of [
      '/stats/../healthz',
      '/../../../../healthz',
      '/%2e%2e/%2E%2E/healthz',
      '/pods/./../healthz',
    ]) {
      const r = await withToken(`${base}${path}`, ['--path-as-is']);
      assert.deepEqual([r.status, r.body], [200, 'ok'], path);
    }
    const out = await withToken(`${base}/../../../../api/v1/namespaces/default/secrets`, [
      '--path-as-is',
    ]);
    assert.deepEqual([out.status, out.body], [404, '404 page not found\n']);

    // An over-long path (100 KiB) reaches the node, which serves no such path: kubectl prints
    // the node's 404 as it does from kube.
    const long = 'a'.repeat(100 * 1024);
    const raw = await kubectl(['get', '--raw', `${base}/${long}`]);
    assert.equal(raw.code, 1, raw.stdout.slice(0, 200));
    assert.equal(
      raw.stderr,
      'Error from server (NotFound): the server could not find the requested resource\n',
    );
    // The node itself takes it (a kubelet's 1 MiB of headers) and answers before any login.
    const direct = await curl(['--cacert', c.caPath, `${await nodeUrl()}/${long}`]);
    assert.deepEqual([direct.status, direct.body], [404, '404 page not found\n']);

    // Content-Length and Transfer-Encoding together, a request hidden after the chunked end:
    // refused at the front, the connection closed, nothing after it read as a request.
    const inner = `GET ${base}/pods HTTP/1.1\r\nHost: x\r\n\r\n`;
    const body = `0\r\n\r\n${inner}`;
    const smuggled = await rawApi(
      `POST ${base}/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Authorization: Bearer ${c.adminToken}\r\n` +
        `Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
    );
    assert.equal(
      smuggled,
      'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n' +
        'Connection: close\r\n\r\n400 Bad Request',
    );
    // A request inside a chunked body stays body bytes: one answer, the node's.
    const chunked = await rawApi(
      `POST ${base}/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Authorization: Bearer ${c.adminToken}\r\nConnection: close\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n${inner.length.toString(16)}\r\n${inner}\r\n0\r\n\r\n`,
    );
    assert.match(chunked, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nok$/);
    assert.equal(chunked.match(/HTTP\/1\.1 \d{3} /g)?.length, 1, chunked);

    // The node still answers, through the API server and directly.
    assert.equal(ok(await kubectl(['get', '--raw', `${base}/healthz`])), 'ok');
    const healthz = await curl([
      '--cacert',
      c.caPath,
      '-H',
      `Authorization: Bearer ${c.adminToken}`,
      `${await nodeUrl()}/healthz`,
    ]);
    assert.deepEqual([healthz.status, healthz.body], [200, 'ok']);
  });

  // Node's HTTP/2 refuses a single header field over 64 KiB compressed (the path is one), so
  // the HTTP/2 case stays under it; HTTP/1.1 goes to kube-apiserver's 1 MiB.
  test('nodes/proxy: an over-long path from curl reaches the node (100 KiB over HTTP/1.1, 60 KiB over HTTP/2)', async () => {
    for (const [protocol, kib] of [
      ['--http1.1', 100],
      ['--http2', 60],
    ] as const) {
      const url = `/api/v1/nodes/${E2E_NODE}/proxy/${'a'.repeat(kib * 1024)}`;
      const r = await withToken(url, [protocol]);
      assert.deepEqual([r.status, r.body], [404, '404 page not found\n'], protocol);
    }
  });

  test('kubectl top nodes and pods', async () => {
    for (const minor of VERSIONS.filter(hasKubectl)) {
      const nodes = await until(`node metrics (kubectl 1.${minor})`, async () => {
        const r = await kubectl(['top', 'nodes'], minor);
        return r.code === 0 ? r.stdout : undefined;
      });
      assert.match(
        nodes,
        /^NAME\s+CPU\(cores\)\s+CPU(%|\(%\))?\s+MEMORY\(bytes\)\s+MEMORY(%|\(%\))?/,
      );
      assert.match(nodes, new RegExp(`^${E2E_NODE}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`, 'm'));
      const pods = await until(`pod metrics (kubectl 1.${minor})`, async () => {
        const r = await kubectl(['top', 'pods', '--containers'], minor);
        return r.code === 0 && /nginx/.test(r.stdout) ? r.stdout : undefined;
      });
      assert.match(pods, /^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
      assert.match(pods, /^nginx\s+nginx\s+\d+m\s+\d+Mi/m);
      // Without --containers: one row a pod, the sum of its containers.
      const plain = await until(`pod metrics, one row a pod (kubectl 1.${minor})`, async () => {
        const r = await kubectl(['top', 'pods'], minor);
        return r.code === 0 && /^echo\s/m.test(r.stdout) ? r.stdout : undefined;
      });
      assert.match(plain, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*$/m);
      for (const pod of ['nginx', 'echo'])
        assert.match(plain, new RegExp(`^${pod}\\s+\\d+m\\s+\\d+Mi\\s*$`, 'm'), plain);
      assert.doesNotMatch(plain, /^POD\s/m);
    }
  });
});

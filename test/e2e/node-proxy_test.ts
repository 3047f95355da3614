// End-to-end with the node agent: the ways into a cluster that seeds 000, 002 and 003 describe.
// `kubectl proxy` with the seeds' URLs, the API server's proxy verbs (services, pods, nodes)
// with curl and a token, `https:NAME:` to a pod serving TLS, a WebSocket echo through
// services/proxy, `kubectl cluster-info`, and the node's own API refusing callers it should.
// Everything runs in the cluster's network namespace (harness.ts).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  E2E_NODE,
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
    for (const minor of VERSIONS.filter(hasKubectl)) {
      const out = ok(await kubectl(['cluster-info'], minor));
      const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
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

  test("cluster-info dump completes, with the containers' logs read from the node", async () => {
    const dump = ok(await kubectl(['cluster-info', 'dump', '--namespaces', 'default,kube-system']));
    assert.match(dump, /==== START logs for container nginx of pod default\/nginx ====/);
    assert.match(dump, /==== START logs for container board of pod kube-system\/board ====/);
    assert.doesNotMatch(dump, /Request log error/);
  });

  test('nodes/proxy reaches the node API: /healthz, /stats/summary, /pods', async () => {
    const base = `/api/v1/nodes/${E2E_NODE}/proxy`;
    assert.equal(ok(await kubectl(['get', '--raw', `${base}/healthz`])), 'ok');
    const summary = JSON.parse(ok(await kubectl(['get', '--raw', `${base}/stats/summary`]))) as {
      node: { nodeName: string; cpu: { usageCoreNanoSeconds: number } };
      pods: { podRef: { name: string } }[];
    };
    assert.equal(summary.node.nodeName, E2E_NODE);
    assert.ok(summary.node.cpu.usageCoreNanoSeconds > 0);
    assert.ok(summary.pods.some((p) => p.podRef.name === 'nginx'));
    const pods = JSON.parse(ok(await kubectl(['get', '--raw', `${base}/pods`]))) as {
      kind: string;
      items: { metadata: { name: string } }[];
    };
    assert.equal(pods.kind, 'PodList');
    assert.ok(pods.items.some((p) => p.metadata.name === 'echo'));
  });

  test('the node API refuses anonymous and under-privileged callers', async () => {
    const node = JSON.parse(ok(await kubectl(['get', 'node', E2E_NODE, '-o', 'json']))) as {
      status: {
        addresses: { type: string; address: string }[];
        daemonEndpoints: { kubeletEndpoint: { Port: number } };
      };
    };
    const ip = node.status.addresses.find((a) => a.type === 'InternalIP')?.address;
    const url = `https://${ip}:${node.status.daemonEndpoints.kubeletEndpoint.Port}/pods`;
    // The serving certificate is the cluster CA's, for the node's address.
    const anonymous = await curl(['--cacert', c.caPath, url]);
    assert.equal(anonymous.status, 401);
    const token = ok(await kubectl(['create', 'token', 'default'])).trim();
    const denied = await curl(['--cacert', c.caPath, '-H', `Authorization: Bearer ${token}`, url]);
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
    }
  });
});

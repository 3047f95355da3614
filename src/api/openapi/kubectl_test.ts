// Real kubectl against a small local server that answers discovery and the OpenAPI endpoints:
// `kubectl explain` through OpenAPI v3 (1.27 default, 1.30, 1.33) and through the v2 protobuf
// (1.27 `--output=plaintext-openapiv2`), and the fieldValidation support check of `create -f`
// (kubectl must find the parameter and leave validation to the server).

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOpenApiHandler, DEFAULT_OPERATIONS, serveOpenApi } from './index.js';

const BIN = '/usr/lib/google-cloud-sdk/bin';
const kubectl = (minor: number): string => `${BIN}/kubectl.1.${minor}`;
const missing = [27, 30, 33].filter((m) => !existsSync(kubectl(m)));
const skip =
  missing.length > 0 ? `kubectl binaries missing: ${missing.map(kubectl).join(', ')}` : false;

interface Logged {
  method: string;
  url: string;
  accept: string;
}

/** Legacy discovery (kubectl-wire.md 1.3) for the served kinds, plus the OpenAPI endpoints. */
function startServer(log: Logged[]): Promise<Server> {
  const handler = createOpenApiHandler();
  const groups = new Map<
    string,
    { name: string; singularName: string; namespaced: boolean; kind: string; verbs: string[] }[]
  >();
  for (const op of DEFAULT_OPERATIONS) {
    if (op.subresource) continue;
    const gv = op.group === '' ? 'v1' : `${op.group}/${op.version}`;
    const list = groups.get(gv) ?? [];
    const verbs =
      op.method === 'post'
        ? ['create']
        : ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
    list.push({
      name: op.resource,
      singularName: op.kind.kind.toLowerCase(),
      namespaced: op.namespaced,
      kind: op.kind.kind,
      verbs,
    });
    groups.set(gv, list);
  }
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    log.push({
      method: req.method ?? '',
      url: url.pathname + url.search,
      accept: req.headers.accept ?? '',
    });
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const served = serveOpenApi(handler, {
      path: url.pathname,
      hash: url.searchParams.get('hash'),
      accept: req.headers.accept,
      ifNoneMatch: req.headers['if-none-match'],
    });
    if (served) {
      res.writeHead(served.status, served.headers);
      res.end(served.body);
      return;
    }
    if (url.pathname === '/api')
      return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (url.pathname === '/apis') {
      const list = [...groups.keys()]
        .filter((gv) => gv !== 'v1')
        .map((gv) => {
          const [name = '', version = ''] = gv.split('/');
          const v = { groupVersion: gv, version };
          return { name, versions: [v], preferredVersion: v };
        });
      return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: list });
    }
    const gv = url.pathname === '/api/v1' ? 'v1' : url.pathname.replace(/^\/apis\//, '');
    const resources = groups.get(gv);
    if (resources)
      return send(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources });
    if (url.pathname === '/version')
      return send(200, { major: '1', minor: '33', gitVersion: 'v1.33.0' });
    if (req.method === 'POST') {
      // Echo creates, so that `kubectl create -f` completes.
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => send(201, JSON.parse(Buffer.concat(chunks).toString()) as unknown));
      return;
    }
    send(404, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      message: 'not found',
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

void describe('kubectl against the OpenAPI endpoints', { skip }, () => {
  const log: Logged[] = [];
  let server: Server;
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    server = await startServer(log);
    dir = mkdtempSync(join(tmpdir(), 'skiff-openapi-'));
    kubeconfig = join(dir, 'kubeconfig');
    const port = (server.address() as AddressInfo).port;
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${port}` } }],
        users: [{ name: 'u', user: {} }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Run kubectl with a fresh cache directory; resolves to stdout, rejects with stderr. */
  const run = (minor: number, args: string[]): Promise<string> => {
    const cache = mkdtempSync(join(dir, 'cache-'));
    return new Promise((resolve, reject) => {
      execFile(
        kubectl(minor),
        ['--kubeconfig', kubeconfig, '--cache-dir', cache, ...args],
        { timeout: 60_000, maxBuffer: 16 << 20 },
        (err, stdout, stderr) =>
          err
            ? reject(new Error(`kubectl.1.${minor} ${args.join(' ')}: ${stderr}`))
            : resolve(stdout),
      );
    });
  };

  for (const minor of [27, 30, 33]) {
    void test(`kubectl 1.${minor} explain pods (OpenAPI v3)`, async () => {
      const out = await run(minor, ['explain', 'pods']);
      assert.match(out, /^KIND:\s+Pod\nVERSION:\s+v1\n/);
      assert.match(out, /Pod is a collection of containers that can run on a host/);
      assert.match(out, /\n {2}spec\t<PodSpec>\n/);
      assert.match(out, /\n {2}apiVersion\t<string>\n {4}APIVersion defines the versioned schema/);
    });

    void test(`kubectl 1.${minor} explain pods.spec.containers (OpenAPI v3)`, async () => {
      const out = await run(minor, ['explain', 'pods.spec.containers']);
      assert.match(out, /FIELD: containers <\[\]Container>/);
      assert.match(out, /\n {2}name\t<string> -required-\n/);
      // Enum values are listed from 1.30 on.
      const pullPolicy =
        minor >= 30
          ? /\n {2}imagePullPolicy\t<string>\n {2}enum: Always, IfNotPresent, Never\n/
          : /\n {2}imagePullPolicy\t<string>\n/;
      assert.match(out, pullPolicy);
      assert.match(out, /\n {2}ports\t<\[\]ContainerPort>\n/);
    });

    void test(`kubectl 1.${minor} explain deployment.spec --recursive (OpenAPI v3)`, async () => {
      const out = await run(minor, ['explain', 'deployment.spec', '--recursive']);
      assert.match(out, /^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n/);
      assert.match(out, /FIELD: spec <DeploymentSpec>/);
      assert.match(out, /\n {2}template\t<PodTemplateSpec> -required-\n/);
      assert.match(out, /\n {6}containers\t<\[\]Container> -required-\n {8}args\t<\[\]string>\n/);
      assert.match(
        out,
        /\n {4}rollingUpdate\t<RollingUpdateDeployment>\n {6}maxSurge\t<IntOrString>\n/,
      );
    });
  }

  for (const minor of [27, 33]) {
    void test(`kubectl 1.${minor} create -f leaves field validation to the server`, async () => {
      // An unknown field: kubectl validating on its own would refuse the file.
      const manifest = join(dir, `pod-${minor}.yaml`);
      writeFileSync(
        manifest,
        'apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  foo: bar\n  containers: [{name: web, image: nginx}]\n',
      );
      log.length = 0;
      const out = await run(minor, ['create', '-f', manifest, '-o', 'name']);
      assert.equal(out, 'pod/web\n');
      assert.ok(log.some((r) => r.method === 'POST' && r.url.includes('fieldValidation=Strict')));
      if (minor === 27)
        assert.ok(
          log.some((r) => r.url.startsWith('/openapi/v2')),
          '1.27 downloads /openapi/v2',
        );
      assert.ok(log.some((r) => r.url.startsWith('/openapi/v3/api/v1?hash=')));
    });
  }

  void test('kubectl 1.27 explain pods.spec from the v2 protobuf', async () => {
    const out = await run(27, ['explain', 'pods.spec', '--output=plaintext-openapiv2']);
    assert.ok(
      log.some((r) => r.url.startsWith('/openapi/v2')),
      'kubectl fetched /openapi/v2',
    );
    assert.match(out, /^KIND:\s+Pod\nVERSION:\s+v1\n\nRESOURCE: spec <Object>\n/);
    assert.match(out, /PodSpec is a description of a pod\./);
    assert.match(out, /\n {3}containers\t<\[\]Object> -required-\n/);
    assert.match(out, /\n {3}nodeSelector\t<map\[string\]string>\n/);
  });

  void test('kubectl 1.27 explain deployment.spec --recursive from the v2 protobuf', async () => {
    const out = await run(27, [
      'explain',
      'deployment.spec',
      '--recursive',
      '--output=plaintext-openapiv2',
    ]);
    assert.match(out, /^KIND:\s+Deployment\nVERSION:\s+apps\/v1\n\nRESOURCE: spec <Object>\n/);
    assert.match(out, /\n {3}template\t<Object>\n {6}metadata\t<Object>\n/);
    assert.match(out, /\n {6}spec\t<Object>\n {9}activeDeadlineSeconds\t<integer>\n/);
  });
});

// Step definitions for the ingress-controller-conformance features (./features), Skiff's
// own: the objects are made with the real kubectl, the requests are sent from the client's
// machine (../../e2e/ingress-client.ts) to the Ingress ADDRESS, and the pods are the echo
// test image, which answers with the request it received as JSON (as the suite's echoserver).
//
// As the suite does: every backend service an Ingress names gets a Deployment of the echo
// server called `<ingress>-<service>` and a NodePort Service (port as the Ingress names it,
// 8080 when it names it by port name), made and ready before the Ingress; requests carry
// the suite's client's User-Agent and follow redirects to the same address.
//
// One difference: a feature's Background is set up once, in a namespace of its own, and
// reused by the feature's later scenarios (they only send requests), instead of a new
// namespace with new pods for each of the 30 scenarios; the namespace is deleted when the
// next feature starts.

import { Before, Given, Then, When, setDefaultTimeout, type DataTable } from '@cucumber/cucumber';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { IMAGES } from '../../images/index.js';
import { run, until } from '../../e2e/harness.js';
import type { ClientResponse } from '../../e2e/ingress-client.js';
import { environment } from './environment.js';
import { upstreamName } from '../../../src/net/ingress/nginx-config.js';

setDefaultTimeout(180_000);

/** The suite's client is Go's; its feature files check this User-Agent arrives. */
const USER_AGENT = 'Go-http-client/1.1';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

interface ServiceBackend {
  name: string;
  port: { name?: string; number?: number };
}
interface IngressManifest {
  metadata: { name: string };
  spec?: {
    defaultBackend?: { service?: ServiceBackend };
    rules?: { http?: { paths?: { backend?: { service?: ServiceBackend } }[] } }[];
  };
}

interface FeatureState {
  namespace: string;
  /** Manifests applied, by Ingress name. */
  applied: Map<string, string>;
  services: Set<string>;
  ingressName?: string;
  address?: string;
}

/** What the echo server saw. */
interface CapturedRequest {
  path: string;
  host: string;
  method: string;
  proto: string;
  headers: Record<string, string[]>;
  service: string;
  pod: string;
}

interface RoundTrip {
  response: ClientResponse;
  request?: CapturedRequest;
}

const features = new Map<string, FeatureState>();
let featureUri = '';
let last: RoundTrip | undefined;
let many: RoundTrip[] = [];

const kubectl = (args: string[], input?: string) => environment().kubectl(args, input);

Before(async function ({ pickle }) {
  if (featureUri && pickle.uri !== featureUri) await retire(features.get(featureUri));
  featureUri = pickle.uri;
  last = undefined;
  many = [];
});

/**
 * A feature's Ingresses go when the next feature starts (the suite deletes the namespace
 * after each scenario): a default backend left behind would answer the next feature's
 * requests that must get 404. Done once a name no rule has gets 404 again.
 */
async function retire(f: FeatureState | undefined): Promise<void> {
  if (!f) return;
  await kubectl(['delete', 'ingress', '--all', '-n', f.namespace]);
  await kubectl(['delete', 'namespace', f.namespace, '--wait=false']);
  const address = f.address;
  if (address)
    await until("the previous feature's routes gone", async () => {
      const r = await environment().client.request({ url: 'http://nothing.invalid/', address });
      return r.status === 404 ? true : undefined;
    });
}

function feature(): FeatureState {
  const f = features.get(featureUri);
  if (!f) throw new Error('no namespace yet: the feature must start with "a new random namespace"');
  return f;
}

async function newNamespace(): Promise<FeatureState> {
  let f = features.get(featureUri);
  if (!f) {
    const namespace = `conformance-${randomBytes(4).toString('hex')}`;
    await kubectl(['create', 'namespace', namespace]);
    f = { namespace, applied: new Map(), services: new Set() };
    features.set(featureUri, f);
  }
  return f;
}

function backendsOf(ing: IngressManifest): ServiceBackend[] {
  const all = [
    ing.spec?.defaultBackend?.service,
    ...(ing.spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend?.service)),
  ];
  const byName = new Map<string, ServiceBackend>();
  for (const s of all) if (s && !byName.has(s.name)) byName.set(s.name, s);
  return [...byName.values()];
}

/** The echo server's Deployment and its Service, as the suite's templates make them. */
function echoBackend(ingress: string, s: ServiceBackend): string {
  const deployment = `${ingress}-${s.name}`;
  const portName = s.port.name ?? '';
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${deployment}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${deployment}
  template:
    metadata:
      labels:
        app: ${deployment}
    spec:
      containers:
      - name: ingress-conformance-echo
        image: ${IMAGES.echo}
        env:
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        - name: INGRESS_NAME
          value: ${ingress}
        - name: SERVICE_NAME
          value: ${s.name}
        ports:
        - containerPort: 3000${portName ? `\n          name: ${portName}` : ''}
        readinessProbe:
          httpGet:
            path: /health
            port: 3000
          periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata:
  name: ${s.name}
spec:
  type: NodePort
  selector:
    app: ${deployment}
  ports:
  - port: ${s.port.number ?? 8080}
    targetPort: 3000${portName ? `\n    name: ${portName}` : ''}
`;
}

const readyEndpoints = async (namespace: string, service: string): Promise<number> => {
  const out = await kubectl([
    'get',
    'endpointslices',
    '-n',
    namespace,
    '-l',
    `kubernetes.io/service-name=${service}`,
    '-o',
    'json',
  ]);
  const list = JSON.parse(out) as {
    items: { endpoints?: { conditions?: { ready?: boolean } }[] }[];
  };
  return list.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false)
    .length;
};

async function applyIngress(manifest: string): Promise<void> {
  const f = feature();
  const ing = YAML.parse(manifest) as IngressManifest;
  const name = ing.metadata.name;
  f.ingressName = name;
  if (f.applied.get(name) === manifest) return;
  const fresh = backendsOf(ing).filter((s) => !f.services.has(s.name));
  if (fresh.length)
    await kubectl(
      ['apply', '-n', f.namespace, '-f', '-'],
      fresh.map((s) => echoBackend(name, s)).join('---\n'),
    );
  for (const s of fresh) {
    await until(
      `a ready endpoint of service ${s.name}`,
      async () => ((await readyEndpoints(f.namespace, s.name)) >= 1 ? true : undefined),
      120_000,
    );
    f.services.add(s.name);
  }
  await kubectl(['apply', '-n', f.namespace, '-f', '-'], manifest);
  f.applied.set(name, manifest);
}

async function ingressAddress(namespace: string, name: string): Promise<string> {
  const out = await kubectl([
    'get',
    'ingress',
    name,
    '-n',
    namespace,
    '-o',
    'jsonpath={.status.loadBalancer.ingress[0].ip}{.status.loadBalancer.ingress[0].hostname}',
  ]);
  return out.trim();
}

Given('a new random namespace', async () => {
  await newNamespace();
});

Given(
  'a self-signed TLS secret named {string} for the {string} hostname',
  async (secret: string, host: string) => {
    const f = feature();
    const dir = mkdtempSync(join(tmpdir(), 'skiff-conformance-tls-'));
    try {
      const r = await run(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          `/O=Acme Co/CN=${host}`,
          '-addext',
          `subjectAltName=DNS:${host}`,
          '-keyout',
          join(dir, 'tls.key'),
          '-out',
          join(dir, 'tls.crt'),
        ],
        { timeoutMs: 30_000 },
      );
      assert.equal(r.code, 0, r.stderr);
      const yaml = await kubectl([
        'create',
        'secret',
        'tls',
        secret,
        '-n',
        f.namespace,
        `--cert=${join(dir, 'tls.crt')}`,
        `--key=${join(dir, 'tls.key')}`,
        '--dry-run=client',
        '-o',
        'yaml',
      ]);
      // Apply, so that a later scenario of the feature leaves the first one's secret alone.
      const exists = await kubectl(['get', 'secret', '-n', f.namespace, '-o', 'name']);
      if (!exists.includes(`secret/${secret}\n`))
        await kubectl(['apply', '-n', f.namespace, '-f', '-'], yaml);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

Given('an Ingress resource', async (manifest: string) => applyIngress(manifest));

Given('an Ingress resource in a new random namespace', async (manifest: string) => {
  await newNamespace();
  await applyIngress(manifest);
});

Given('an Ingress resource named {string} with this spec:', async (name: string, spec: string) =>
  applyIngress(
    YAML.stringify({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name },
      spec: YAML.parse(spec) as unknown,
    }),
  ),
);

Then('The Ingress status shows the IP address or FQDN where it is exposed', async () => {
  const f = feature();
  const name = f.ingressName ?? '';
  f.address = await until(
    `an address in the status of Ingress ${name}`,
    async () => (await ingressAddress(f.namespace, name)) || undefined,
    60_000,
  );
});

Then('The Ingress status should not contain the IP address or FQDN', async () => {
  // Absence needs a point in time after which the controller has seen the Ingress: an
  // Ingress of the default class made after it gets its address in the same sync or a later
  // one, and the controller's syncs handle every Ingress at once.
  const f = feature();
  const sentinel = 'conformance-sentinel';
  await kubectl(
    ['apply', '-n', f.namespace, '-f', '-'],
    YAML.stringify({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: sentinel },
      spec: { defaultBackend: { service: { name: 'none', port: { number: 80 } } } },
    }),
  );
  await until(
    'the controller to write the status of an Ingress made later',
    async () => (await ingressAddress(f.namespace, sentinel)) || undefined,
    60_000,
  );
  assert.equal(await ingressAddress(f.namespace, f.ingressName ?? ''), '');
  await kubectl(['delete', 'ingress', sentinel, '-n', f.namespace]);
});

Then(
  'The backend deployment {string} for the ingress resource is scaled to {int}',
  async (service: string, replicas: number) => {
    const f = feature();
    const deployment = `${f.ingressName ?? ''}-${service}`;
    await kubectl(['scale', 'deployment', deployment, '-n', f.namespace, `--replicas=${replicas}`]);
    await until(
      `${replicas} ready endpoints of ${service}`,
      async () => ((await readyEndpoints(f.namespace, service)) === replicas ? true : undefined),
      180_000,
    );
    // And in the data plane: the upstream of that service lists them all (in nginx.conf, or
    // with nginx's Lua module in the state handed to the workers).
    const port = await kubectl([
      'get',
      'service',
      service,
      '-n',
      f.namespace,
      '-o',
      'jsonpath={.spec.ports[0].port}',
    ]);
    const upstream = upstreamName({
      kind: 'service',
      name: `${f.namespace}/${service}:${port.trim()}`,
      endpoints: [],
    });
    const conf = join(environment().dataDir, 'ingress', 'nginx.conf');
    const luaState = join(environment().dataDir, 'ingress', 'lua-state.txt');
    await until(`the data plane with ${replicas} endpoints for ${service}`, async () => {
      let n = 0;
      if (existsSync(luaState)) {
        const line = readFileSync(luaState, 'utf8')
          .split('\n')
          .find((l) => l.startsWith(`U ${upstream} `));
        n = (line?.split(' ').length ?? 2) - 2;
      } else {
        const lines = readFileSync(conf, 'utf8').split('\n');
        const at = lines.findIndex((l) => l.trim() === `upstream ${upstream} {`);
        if (at < 0) return undefined;
        for (let i = at + 1; /^\s+server /.test(lines[i] ?? ''); i++) n++;
      }
      return n === replicas ? true : undefined;
    });
  },
);

/** One request as the suite's client sends it, following redirects to the same address. */
async function roundTrip(method: string, url: string): Promise<RoundTrip> {
  const address = feature().address;
  assert.ok(address, 'the Ingress has no address yet');
  let target = url;
  for (let hop = 0; ; hop++) {
    const response = await environment().client.request({
      method,
      url: target,
      address,
      headers: { 'user-agent': USER_AGENT },
    });
    const location = response.headers['location'];
    if (REDIRECTS.has(response.status) && typeof location === 'string' && hop < 5) {
      target = new URL(location, target).href;
      continue;
    }
    let request: CapturedRequest | undefined;
    try {
      request = JSON.parse(response.body) as CapturedRequest;
    } catch {
      // not the echo server's answer (an error page)
    }
    return { response, ...(request ? { request } : {}) };
  }
}

const captured = (): RoundTrip => {
  if (!last) throw new Error('no request was sent in this scenario');
  return last;
};
const echoed = (): CapturedRequest => {
  const r = captured();
  if (!r.request) throw new Error(`the answer was not the echo server's: ${r.response.body}`);
  return r.request;
};

When('I send a {string} request to {string}', async (method: string, url: string) => {
  last = await roundTrip(method, url);
});

When(
  /^I send a "([^"]*)" request to http:\/\/"([^"]*)"\/"([^"]*)"$/,
  async (method: string, host: string, path: string) => {
    last = await roundTrip(method, `http://${host || feature().address}/${path}`);
  },
);

When('I send {int} requests to {string}', async (count: number, url: string) => {
  many = [];
  for (let i = 0; i < count; i++) many.push(await roundTrip('GET', url));
});

Then('the secure connection must verify the {string} hostname', (host: string) => {
  const cert = captured().response.certificate;
  assert.ok(cert, 'not an HTTPS response');
  assert.equal(cert.dnsNames[0], host);
  assert.equal(cert.hostnameError, undefined);
});

Then('the response status-code must be {int}', (status: number) => {
  assert.equal(captured().response.status, status, captured().response.body);
});

Then('the response must be served by the {string} service', (service: string) => {
  assert.equal(echoed().service, service);
});

Then('the response proto must be {string}', (proto: string) => {
  assert.equal(captured().response.httpVersion, proto);
});

Then('the request host must be {string}', (host: string) => {
  assert.equal(echoed().host, host);
});

Then('the request method must be {string}', (method: string) => {
  assert.equal(echoed().method, method);
});

Then('the request path must be {string}', (path: string) => {
  assert.equal(echoed().path, path.startsWith('/') ? path : `/${path}`);
});

Then('the request proto must be {string}', (proto: string) => {
  assert.equal(echoed().proto, proto);
});

/** `*` matches any value; otherwise one of the header's values must equal it. */
function assertHeaders(
  headers: Record<string, string | string[] | undefined>,
  table: DataTable,
  what: string,
): void {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  for (const { key, value } of table.hashes() as { key: string; value: string }[]) {
    const found = lower.get(key.toLowerCase());
    assert.ok(found !== undefined, `${what} headers have no ${key}: ${JSON.stringify(headers)}`);
    const values = Array.isArray(found) ? found : [found];
    if (value !== '*')
      assert.ok(values.includes(value), `${what} header ${key}: ${values.join(', ')}`);
  }
}

Then(/^the response headers must contain <key> with matching <value>$/, (table: DataTable) =>
  assertHeaders(captured().response.headers, table, 'response'),
);

Then(/^the request headers must contain <key> with matching <value>$/, (table: DataTable) =>
  assertHeaders(echoed().headers, table, 'request'),
);

Then(
  'all the responses status-code must be {int} and the response body should contain the IP address of {int} different Kubernetes pods',
  (status: number, pods: number) => {
    assert.ok(many.length > 0, 'no requests were sent');
    assert.deepEqual(
      [...new Set(many.map((r) => r.response.status))],
      [status],
      'every response status',
    );
    const seen = new Set(many.map((r) => r.request?.pod));
    assert.equal(seen.size, pods, `pods that answered: ${[...seen].join(', ')}`);
  },
);

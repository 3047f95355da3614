// Hostile and odd requests to the legacy Ingress versions (extensions/v1beta1,
// networking.k8s.io/v1beta1) of a real server: each refused with kube-apiserver's code,
// reason and message, with the version's deprecation warning, and nothing stored. Then a
// seeded fuzz loop of v1beta1 bodies: every answer is 201 or a 400/422 Status (never a 5xx),
// refusals change nothing, and what is accepted reads back the same in all three versions.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertStatus, startAbuseServer, type AbuseServer, type RawResponse } from './support.js';
import { prng as mulberry32 } from '../support/prng.js';

const NS = 'ingress-abuse';
const EXT = `/apis/extensions/v1beta1/namespaces/${NS}/ingresses`;
const BETA = `/apis/networking.k8s.io/v1beta1/namespaces/${NS}/ingresses`;
const V1 = `/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses`;
const LISTS = [V1, '/apis/networking.k8s.io/v1/ingressclasses'];
const WARNING: Record<string, string> = {
  [EXT]:
    '299 - "extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress"',
  [BETA]:
    '299 - "networking.k8s.io/v1beta1 Ingress is deprecated in v1.19+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress"',
};
const JSON_CT = { 'content-type': 'application/json' };

type Obj = Record<string, any>;

let s: AbuseServer;
before(async () => {
  s = startAbuseServer();
  const ns = await s.send({
    method: 'POST',
    path: '/api/v1/namespaces',
    headers: JSON_CT,
    body: JSON.stringify({ metadata: { name: NS } }),
  });
  assert.equal(ns.status, 201, ns.text);
});
after(() => s?.stop());

const post = (base: string, body: unknown, query = ''): Promise<RawResponse> =>
  s.send({ method: 'POST', path: `${base}${query}`, headers: JSON_CT, body: JSON.stringify(body) });

/** The seed's Ingress with one backend swapped in. */
const withBackend = (name: string, backend: unknown, apiVersion = 'extensions/v1beta1'): Obj => ({
  apiVersion,
  kind: 'Ingress',
  metadata: { name },
  spec: { rules: [{ host: 'kubia.example.com', http: { paths: [{ path: '/', backend }] } }] },
});

async function refused(
  base: string,
  body: unknown,
  code: number,
  reason: string,
  message: string,
  query = '',
): Promise<void> {
  const before = await s.snapshot(LISTS);
  const r = await post(base, body, query);
  assertStatus(r, code, reason);
  assert.equal(r.json.message, message);
  assert.equal(r.headers['warning'], WARNING[base]);
  assert.deepEqual(await s.snapshot(LISTS), before);
}

describe('refused legacy Ingress writes', () => {
  test('a v1 body sent to extensions/v1beta1', () =>
    refused(
      EXT,
      withBackend('a', { service: { name: 'web', port: { number: 80 } } }, 'networking.k8s.io/v1'),
      400,
      'BadRequest',
      'the API version in the data (networking.k8s.io/v1) does not match the expected API version (extensions/v1beta1)',
    ));

  test("v1's backend fields under fieldValidation=Strict (what kubectl sends)", () =>
    refused(
      EXT,
      withBackend('a', { service: { name: 'web', port: { number: 80 } } }),
      400,
      'BadRequest',
      'Ingress in version "v1beta1" cannot be handled as a Ingress: strict decoding error: unknown field "spec.rules[0].http.paths[0].backend.service"',
      '?fieldValidation=Strict',
    ));

  test('a service and a resource in one backend', () =>
    refused(
      BETA,
      withBackend(
        'a',
        { serviceName: 'web', servicePort: 80, resource: { kind: 'Bucket', name: 'b' } },
        'networking.k8s.io/v1beta1',
      ),
      422,
      'Invalid',
      'Ingress.networking.k8s.io "a" is invalid: spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both resource and service backends',
    ));

  test('ports out of range, and numbers written as port names', async () => {
    await refused(
      EXT,
      withBackend('a', { serviceName: 'web', servicePort: 65536 }),
      422,
      'Invalid',
      'Ingress.extensions "a" is invalid: spec.rules[0].http.paths[0].backend.service.port.number: Invalid value: 65536: must be between 1 and 65535, inclusive',
    );
    await refused(
      EXT,
      withBackend('a', { serviceName: 'web', servicePort: '80' }),
      422,
      'Invalid',
      'Ingress.extensions "a" is invalid: spec.rules[0].http.paths[0].backend.service.port.name: Invalid value: "80": must contain at least one letter (a-z)',
    );
  });

  test('ports that are neither a string nor an int32 (decoding errors)', async () => {
    const at =
      'Ingress in version "v1beta1" cannot be handled as a Ingress: json: cannot unmarshal';
    const field =
      'into Go struct field IngressBackend.spec.rules.http.paths.backend.servicePort of type int32';
    await refused(
      EXT,
      withBackend('a', { serviceName: 'web', servicePort: { port: 80 } }),
      400,
      'BadRequest',
      `${at} object ${field}`,
    );
    await refused(
      EXT,
      withBackend('a', { serviceName: 'web', servicePort: 80.5 }),
      400,
      'BadRequest',
      `${at} number 80.5 ${field}`,
    );
  });

  test('a backend without a port', () =>
    refused(
      EXT,
      withBackend('a', { serviceName: 'web' }),
      422,
      'Invalid',
      'Ingress.extensions "a" is invalid: spec.rules[0].http.paths[0].backend: Required value: port name or number is required',
    ));

  test('an update with a stale resourceVersion, through the other legacy version', async () => {
    const made = await post(EXT, withBackend('stale', { serviceName: 'web', servicePort: 80 }));
    assert.equal(made.status, 201, made.text);
    const old = made.json as Obj;
    const moved = await s.send({
      method: 'PATCH',
      path: `${V1}/stale`,
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { labels: { moved: 'yes' } } }),
    });
    assert.equal(moved.status, 200);
    const before = await s.snapshot(LISTS);
    const r = await s.send({
      method: 'PUT',
      path: `${BETA}/stale`,
      headers: JSON_CT,
      body: JSON.stringify({ ...old, apiVersion: 'networking.k8s.io/v1beta1' }),
    });
    assertStatus(r, 409, 'Conflict');
    assert.equal(
      r.json.message,
      'Operation cannot be fulfilled on ingresses.networking.k8s.io "stale": the object has been modified; please apply your changes to the latest version and try again',
    );
    assert.equal(r.headers['warning'], WARNING[BETA]);
    assert.deepEqual(await s.snapshot(LISTS), before);
  });
});

/** Values the fuzz loop draws from: mostly valid ones, a few that must be refused. */
const PORTS = {
  ok: [80, 8080, 'http', 'web'],
  bad: [0, -1, 65536, '', '80', 'a-very-long-port-name'],
};
const NAMES = { ok: ['kubia', 'kubia-nodeport'], bad: ['', 'Bad_Name', 'a'.repeat(64)] };
const HOSTS = {
  ok: ['kubia.example.com', '*.example.com', ''],
  bad: ['KUBIA.example.com', '1.2.3.4'],
};
const PATHS = { ok: ['/', '/kubia', ''], bad: ['kubia', '/a//b', '/.'] };
const PATH_TYPES = {
  ok: [undefined, 'Exact', 'Prefix', 'ImplementationSpecific'],
  bad: ['Regex'],
};

function randomBody(next: () => number, name: string, apiVersion: string): Obj {
  const maybe = (p = 0.5): boolean => next() < p;
  const pick = (pool: { ok: unknown[]; bad: unknown[] }): unknown => {
    const xs = maybe(0.06) ? pool.bad : pool.ok;
    return xs[Math.floor(next() * xs.length)];
  };
  const backend = (): Obj => {
    const b: Obj = {};
    if (maybe(0.05)) b['resource'] = { kind: 'Bucket', name: 'b' };
    if (!b['resource'] || maybe(0.1)) {
      if (maybe(0.97)) b['serviceName'] = pick(NAMES);
      if (maybe(0.97)) b['servicePort'] = pick(PORTS);
    }
    return b;
  };
  const path = (): Obj => {
    const p: Obj = { backend: backend() };
    const value = pick(PATHS);
    if (value !== '') p['path'] = value;
    const pathType = pick(PATH_TYPES);
    if (pathType !== undefined) p['pathType'] = pathType;
    return p;
  };
  const spec: Obj = {};
  if (maybe(0.3)) spec['backend'] = backend();
  if (maybe(0.85))
    spec['rules'] = Array.from({ length: 1 + Math.floor(next() * 2) }, () => {
      const host = pick(HOSTS);
      return {
        ...(host ? { host } : {}),
        http: { paths: Array.from({ length: 1 + Math.floor(next() * 2) }, path) },
      };
    });
  if (maybe(0.3)) spec['tls'] = [{ hosts: ['kubia.example.com'], secretName: 'tls-secret' }];
  if (maybe(0.2)) spec['ingressClassName'] = 'skiff';
  return { apiVersion, kind: 'Ingress', metadata: { name }, spec };
}

describe('seeded fuzz of legacy Ingress bodies', () => {
  test('every answer is 201 or 400/422; accepted objects read the same in every version', async () => {
    const next = mulberry32(0x1a9e55);
    let accepted = 0;
    for (let i = 0; i < 120; i++) {
      const base = next() < 0.5 ? EXT : BETA;
      const other = base === EXT ? BETA : EXT;
      const apiVersion = base === EXT ? 'extensions/v1beta1' : 'networking.k8s.io/v1beta1';
      const body = randomBody(next, `fuzz-${i}`, apiVersion);
      const r = await post(base, body);
      const what = `case ${i}: ${JSON.stringify(body)} → ${r.status} ${r.text.slice(0, 300)}`;
      assert.equal(r.headers['warning'], WARNING[base], what);
      if (r.status !== 201) {
        assert.ok(r.status === 400 || r.status === 422, what);
        assertStatus(r, r.status);
        assert.equal((await s.send({ path: `${V1}/fuzz-${i}` })).status, 404, what);
        continue;
      }
      accepted++;
      const created = r.json as Obj;
      const again = await s.send({ path: `${other}/fuzz-${i}` });
      assert.equal(again.headers['warning'], WARNING[other], what);
      assert.deepEqual(again.json.spec, created['spec'], what);
      const v1 = (await s.send({ path: `${V1}/fuzz-${i}` })).json as Obj;
      assert.equal(v1['metadata'].uid, created['metadata'].uid, what);
      // Each legacy backend is v1's service backend (or resource) under the other names.
      const legacyPaths = ((created['spec'].rules ?? []) as Obj[]).flatMap(
        (rule) => rule['http'].paths as Obj[],
      );
      const v1Paths = ((v1['spec'].rules ?? []) as Obj[]).flatMap(
        (rule) => rule['http'].paths as Obj[],
      );
      assert.equal(v1Paths.length, legacyPaths.length, what);
      legacyPaths.forEach((p, j) => {
        const b = p['backend'] as Obj;
        const v1Backend = v1Paths[j]?.['backend'] as Obj;
        const service = v1Backend['service'] as Obj | undefined;
        const port = service?.['port'] as Obj | undefined;
        assert.equal(service?.['name'], b['serviceName'], what);
        // A resource backend has no service: its servicePort reads as Go's zero value.
        assert.equal(port?.['name'] ?? port?.['number'] ?? 0, b['servicePort'], what);
        assert.deepEqual(v1Backend['resource'], b['resource'], what);
        assert.equal(p['pathType'], v1Paths[j]?.['pathType'], what);
      });
      const del = await s.send({ method: 'DELETE', path: `${base}/fuzz-${i}` });
      assert.equal(del.status, 200, what);
    }
    // The generator reaches both outcomes.
    assert.ok(accepted > 5 && accepted < 115, `accepted ${accepted} of 120`);
  });
});

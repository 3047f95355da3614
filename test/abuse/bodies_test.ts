// Hostile request bodies and selectors against a real server: deep JSON and YAML, alias
// bombs, duplicate keys, unknown fields, generateName, null list items, bodies of the wrong
// kind, malformed label selectors, and a seeded fuzz loop. Every refusal is a small Status
// with the exact code, it comes back in bounded time, and nothing stored changes.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertStatus,
  startAbuseServer,
  type AbuseServer,
  type RawRequest,
  type RawResponse,
} from './support.js';
import { prng as rng } from '../support/prng.js';

const NS = 'body-abuse';
const CMS = `/api/v1/namespaces/${NS}/configmaps`;
const PODS = `/api/v1/namespaces/${NS}/pods`;
const LISTS = [CMS, PODS, '/api/v1/namespaces'];
const MAX_ERROR_BYTES = 64 * 1024;
/**
 * What one hostile request may cost the server in CPU time: the costliest legitimate one here
 * (a 2 MB strategic merge patch of 60,000 containers) takes about 4.5 s; unbounded, the worst
 * of them took from 14 s to minutes. CPU time rather than wall time, so that a busy machine
 * does not change the verdict.
 */
const MAX_CPU_MS = 12_000;

let server: AbuseServer;

async function send(req: RawRequest): Promise<RawResponse> {
  const cpuBefore = server.cpuMs();
  const res = await server.send({ timeoutMs: 60_000, ...req });
  const cpu = server.cpuMs() - cpuBefore;
  assert.ok(
    cpu < MAX_CPU_MS,
    `${req.method ?? 'GET'} ${req.path} cost the server ${cpu} ms of CPU`,
  );
  assert.ok(res.status < 500, `5xx: ${res.text.slice(0, 300)}`);
  if (res.status >= 400)
    assert.ok(res.text.length < MAX_ERROR_BYTES, `error body of ${res.text.length} bytes`);
  return res;
}

const post = (path: string, body: string, type = 'application/json'): Promise<RawResponse> =>
  send({ method: 'POST', path, headers: { 'content-type': type }, body });

/** Runs `attempt` and checks that nothing stored changed. */
const unchanged = (attempt: () => Promise<void>): Promise<void> => server.unchanged(LISTS, attempt);

const nested = (depth: number, leaf = '1'): string =>
  '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);

const configMap = (name: string, extra: string): string =>
  `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}"}${extra}}`;

const pod = (name: string, container: Record<string, unknown>): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'busybox', ...container }] },
  });

/** Nine aliases of nine aliases of …: a few hundred bytes that expand exponentially. */
const ALIAS_BOMB = [
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  name: bomb',
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
  'h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
  'i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]',
  '',
].join('\n');

before(async () => {
  server = startAbuseServer();
  const ns = await post(
    '/api/v1/namespaces',
    JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }),
  );
  assert.equal(ns.status, 201, ns.text);
  const cm = await post(CMS, configMap('target', ',"data":{"a":"1"}'));
  assert.equal(cm.status, 201, cm.text);
  const p = await post(PODS, pod('target', {}));
  assert.equal(p.status, 201, p.text);
});

after(() => server?.stop());

describe('deep bodies', () => {
  it('refuses a 100,000-deep JSON create with 400, as the decoder words it', async () => {
    await unchanged(async () => {
      const res = await post(CMS, configMap('deep', `,"data":${nested(100_000, '"x"')}`));
      assertStatus(res, 400, 'BadRequest');
      assert.equal(
        res.json.message,
        `the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: invalid character '{' exceeded max depth ({"apiVersion":"v1","kind":"Con ...)`,
      );
      const arr = await post(PODS, `{"spec":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
      assertStatus(arr, 400, 'BadRequest');
      assert.match(arr.json.message, /invalid character '\[' exceeded max depth/);
    });
  });

  it('refuses a deep unknown field and a deep update the same way', async () => {
    await unchanged(async () => {
      const res = await post(
        PODS,
        `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"u"},"spec":{"containers":[{"name":"c","image":"i","unknown":${nested(50_000)}}]}}`,
      );
      assertStatus(res, 400, 'BadRequest');
      const put = await send({
        method: 'PUT',
        path: `${CMS}/target`,
        headers: { 'content-type': 'application/json' },
        body: configMap('target', `,"data":{"a":"1"},"x":${nested(100_000)}`),
      });
      assertStatus(put, 400, 'BadRequest');
      assert.match(put.json.message, /exceeded max depth/);
    });
  });

  it('refuses deep YAML of every style, and the server lives on', async () => {
    const block = Array.from({ length: 1500 }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' 1\n';
    await unchanged(async () => {
      for (const body of [
        '['.repeat(2000),
        `apiVersion: v1\nkind: Pod\nmetadata:\n  name: y\nspec: ${'{a: '.repeat(3000)}`,
        `apiVersion: v1\nkind: Pod\nmetadata:\n  name: y\nspec:\n${block}`,
        `apiVersion: v1\nkind: Pod\nmetadata:\n  name: y\nspec: \n  ${'- '.repeat(5000)}x\n`,
      ]) {
        for (const path of [PODS, `${PODS}?fieldValidation=Strict`, CMS]) {
          const res = await post(path, body, 'application/yaml');
          assertStatus(res, 400, 'BadRequest');
          assert.match(res.json.message, /yaml: exceeded max depth of 200/);
        }
      }
    });
  });

  it('refuses deep YAML with 400', async () => {
    await unchanged(async () => {
      const res = await post(
        CMS,
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
        'application/yaml',
      );
      assertStatus(res, 400, 'BadRequest');
      assert.match(res.json.message, /yaml: exceeded max depth of \d+ \(/);
    });
  });
});

describe('YAML alias bombs', () => {
  it('a YAML create body: 400', async () => {
    await unchanged(async () => {
      const res = await post(CMS, ALIAS_BOMB, 'application/yaml');
      assertStatus(res, 400, 'BadRequest');
      assert.match(
        res.json.message,
        /^the object provided is unrecognized \(must be of type ConfigMap\): yaml: document contains excessive aliasing \([0-9a-f]+ \.\.\.\)$/,
      );
    });
  });

  it('an apply configuration: 400', async () => {
    await unchanged(async () => {
      const res = await send({
        method: 'PATCH',
        path: `${CMS}/bomb?fieldManager=m`,
        headers: { 'content-type': 'application/apply-patch+yaml' },
        body: ALIAS_BOMB,
      });
      assertStatus(res, 400, 'BadRequest');
      assert.equal(
        res.json.message,
        'error decoding YAML: error converting YAML to JSON: yaml: document contains excessive aliasing',
      );
    });
  });
});

describe('duplicate and unknown fields', () => {
  const dup = (name: string): string =>
    `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}","labels":{"x":"1","x":"2"}},"data":{"a":"1","a":"2"}}`;

  it('warns under fieldValidation=Warn (the default) and keeps the last value', async () => {
    const res = await post(CMS, dup('dup-warn'));
    assert.equal(res.status, 201, res.text);
    // Node joins repeated Warning headers with ', '.
    assert.equal(
      res.headers.warning,
      '299 - "duplicate field \\"metadata.labels.x\\"", 299 - "duplicate field \\"data.a\\""',
    );
    assert.equal(res.json.data.a, '2');
    const quiet = await post(`${CMS}?fieldValidation=Ignore`, dup('dup-ignore'));
    assert.equal(quiet.status, 201, quiet.text);
    assert.equal(quiet.headers.warning, undefined);
  });

  it('refuses them under fieldValidation=Strict', async () => {
    await unchanged(async () => {
      const res = await post(`${CMS}?fieldValidation=Strict`, dup('dup-strict'));
      assertStatus(res, 400, 'BadRequest');
      assert.equal(
        res.json.message,
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "metadata.labels.x", duplicate field "data.a"',
      );
    });
  });

  it('YAML bodies: the last duplicate wins with a warning; Strict refuses', async () => {
    const yaml = (name: string): string =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n  a: "2"\n`;
    const ok = await post(CMS, yaml('yaml-dup'), 'application/yaml');
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.data.a, '2');
    assert.equal(
      ok.headers.warning,
      `299 - ${JSON.stringify('yaml: unmarshal errors:\n  line 7: key "a" already set in map')}`,
    );
    await unchanged(async () => {
      const res = await post(
        `${CMS}?fieldValidation=Strict`,
        yaml('yaml-dup-strict'),
        'application/yaml',
      );
      assertStatus(res, 400, 'BadRequest');
      assert.equal(
        res.json.message,
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: yaml: unmarshal errors:\n  line 7: key "a" already set in map',
      );
      const apply = await send({
        method: 'PATCH',
        path: `${CMS}/yaml-apply?fieldManager=m&fieldValidation=Strict`,
        headers: { 'content-type': 'application/apply-patch+yaml' },
        body: yaml('yaml-apply'),
      });
      assertStatus(apply, 400, 'BadRequest');
      assert.equal(
        apply.json.message,
        'error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key "a" already set in map',
      );
    });
  });

  it('reports nested unknown fields with their full path', async () => {
    await unchanged(async () => {
      const body = JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'unk' },
        spec: {
          containers: [
            { name: 'c', image: 'i', ports: [{ containerPort: 80, bogus: { deeper: 1 } }] },
          ],
        },
      });
      const res = await post(`${PODS}?fieldValidation=Strict`, body);
      assertStatus(res, 400, 'BadRequest');
      assert.equal(
        res.json.message,
        'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].ports[0].bogus"',
      );
    });
  });

  it('huge duplicate and unknown field names make warnings a client can still read', async () => {
    const k = 'k'.repeat(100_000);
    const res = await post(
      CMS,
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"long-keys"},"${k}":1,"${k}":2}`,
    );
    assert.equal(res.status, 201, res.text.slice(0, 300));
    const warning = String(res.headers.warning);
    assert.ok(warning.length < 8 * 1024, `warning header of ${warning.length} bytes`);
    assert.match(warning, /^299 - "duplicate field \\"k{200,}/);
  });

  it('caps the number of strict errors at 100, as the decoder does', async () => {
    const keys = Array.from({ length: 5000 }, () => '"k":"v"').join(',');
    await unchanged(async () => {
      const res = await post(
        `${CMS}?fieldValidation=Strict`,
        configMap('many', `,"data":{${keys}}`),
      );
      assertStatus(res, 400, 'BadRequest');
      assert.equal(res.json.message.match(/duplicate field/g).length, 1);
    });
    const warned = await post(CMS, configMap('many-warn', `,"data":{${keys}}`));
    assert.equal(warned.status, 201, warned.text);
    assert.equal(warned.headers.warning, '299 - "duplicate field \\"data.k\\""');
  });
});

describe('generateName', () => {
  it('a generateName too long for a name is validated as kube-apiserver does', async () => {
    await unchanged(async () => {
      const base = 'a'.repeat(300);
      const res = await post(
        CMS,
        JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: base } }),
      );
      assertStatus(res, 422, 'Invalid');
      assert.match(
        res.json.message,
        new RegExp(
          `^ConfigMap "a{58}[a-z0-9]{5}" is invalid: metadata\\.generateName: Invalid value: "a{300}": must be no more than 253 characters$`,
        ),
      );
    });
  });

  it('a generateName with bad characters: both it and the generated name are refused', async () => {
    await unchanged(async () => {
      const res = await post(
        CMS,
        JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'Bad_' } }),
      );
      assertStatus(res, 422, 'Invalid');
      assert.match(
        res.json.message,
        /metadata\.generateName: Invalid value: "Bad_": a lowercase RFC 1123 subdomain/,
      );
      assert.match(res.json.message, /metadata\.name: Invalid value: "Bad_[a-z0-9]{5}"/);
    });
  });

  it('a trailing dash is fine; a long one for a namespace is cut to 58 + 5', async () => {
    const ok = await post(
      CMS,
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } }),
    );
    assert.equal(ok.status, 201, ok.text);
    assert.match(ok.json.metadata.name, /^gen-[a-z0-9]{5}$/);
    const ns = await post(
      '/api/v1/namespaces',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { generateName: 'n'.repeat(70) + '-' },
      }),
    );
    assertStatus(ns, 422, 'Invalid');
    assert.match(
      ns.json.message,
      /metadata\.generateName: Invalid value: "n{70}-": must be no more than 63 characters/,
    );
  });
});

describe('huge values', () => {
  it('an invalid 100 KB data key is refused without echoing it whole', async () => {
    await unchanged(async () => {
      const res = await post(CMS, configMap('huge-key', `,"data":{"${'k'.repeat(100_000)}":"v"}`));
      assertStatus(res, 422, 'Invalid');
      assert.match(
        res.json.message,
        /^ConfigMap "huge-key" is invalid: data\[k+\.\.\.\(truncated\): Invalid value: /,
      );
    });
  });

  it('an invalid 2 MB label value is refused without echoing it', async () => {
    await unchanged(async () => {
      const res = await post(
        CMS,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'huge', labels: { a: 'v'.repeat(2_000_000) } },
        }),
      );
      assertStatus(res, 422, 'Invalid');
      assert.match(
        res.json.message,
        /^ConfigMap "huge" is invalid: metadata\.labels: Invalid value: "v+\.\.\.\(truncated\)": must be no more than 63 characters$/,
      );
    });
  });
});

describe('null items in lists', () => {
  it('decode to the item type zero value, then validate as kube-apiserver does', async () => {
    await unchanged(async () => {
      const ports = await post(PODS, pod('nullport', { ports: [null] }));
      assertStatus(ports, 422, 'Invalid');
      assert.equal(
        ports.json.message,
        'Pod "nullport" is invalid: spec.containers[0].ports[0].containerPort: Required value',
      );
      const env = await post(PODS, pod('nullenv', { env: [null] }));
      assertStatus(env, 422, 'Invalid');
      assert.equal(
        env.json.message,
        'Pod "nullenv" is invalid: spec.containers[0].env[0].name: Required value',
      );
      const containers = await post(
        PODS,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'nullc' },
          spec: { containers: [null] },
        }),
      );
      assertStatus(containers, 422, 'Invalid');
      assert.match(containers.json.message, /spec\.containers\[0\]\.name: Required value/);
    });
  });

  it('a null string item is an empty string, as Go decodes it', async () => {
    const res = await post(PODS, pod('nullargs', { args: [null, 'x'], command: [null] }));
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.json.spec.containers[0].args, ['', 'x']);
    assert.deepEqual(res.json.spec.containers[0].command, ['']);
  });
});

describe('bodies of the wrong kind', () => {
  for (const [path, body, message] of [
    [
      '/api/v1/namespaces',
      configMap('wrong', ''),
      'ConfigMap in version "v1" cannot be handled as a Namespace: converting (v1.ConfigMap) to (core.Namespace): unknown conversion',
    ],
    [
      CMS,
      pod('wrong', {}),
      'Pod in version "v1" cannot be handled as a ConfigMap: converting (v1.Pod) to (core.ConfigMap): unknown conversion',
    ],
    [
      CMS,
      '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"wrong"}}',
      'Deployment in version "v1" cannot be handled as a ConfigMap: converting (v1.Deployment) to (core.ConfigMap): unknown conversion',
    ],
  ] as const) {
    it(`${JSON.parse(body).kind} to ${path}: 400`, async () => {
      await unchanged(async () => {
        const res = await post(path, body);
        assertStatus(res, 400, 'BadRequest');
        assert.equal(res.json.message, message);
      });
    });
  }
});

describe('label selectors', () => {
  const cases: [string, string][] = [
    ['a=b=c', "found '=', expected: ',' or 'end of string'"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['a,', "found '', expected: identifier after ','"],
    ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['=b', "found '=', expected: !, identifier, or 'end of string'"],
    [
      `${'k'.repeat(64)}=v`,
      `unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 characters`,
    ],
    [
      `k=${'v'.repeat(64)}`,
      `unable to parse requirement: values[0][k]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`,
    ],
    [
      'a$=b',
      `unable to parse requirement: <nil>: Invalid value: "a$": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ],
    [
      'a>b',
      "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer",
    ],
  ];
  for (const [selector, message] of cases) {
    it(`refuses ${JSON.stringify(selector.slice(0, 20))} on list, watch and deletecollection`, async () => {
      const q = `labelSelector=${encodeURIComponent(selector)}`;
      await unchanged(async () => {
        for (const req of [
          { path: `${CMS}?${q}` },
          { path: `${CMS}?watch=true&${q}` },
          { method: 'DELETE', path: `${CMS}?${q}` },
        ]) {
          const res = await send(req);
          assertStatus(res, 400, 'BadRequest');
          assert.equal(res.json.message, message, `${req.method ?? 'GET'} ${req.path}`);
        }
      });
    });
  }

  for (const [selector, message] of [
    ['metadata.name=a=b', 'invalid field selector: unescaped character in value: 61'],
    ['metadata.name', "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
    ['metadata.name=a\\q', 'invalid field selector: invalid escape sequence: \\q'],
    [' metadata.name=a', 'field label not supported:  metadata.name'],
  ] as const) {
    it(`refuses field selector ${JSON.stringify(selector)} on list, watch and deletecollection`, async () => {
      const q = `fieldSelector=${encodeURIComponent(selector)}`;
      await unchanged(async () => {
        for (const req of [
          { path: `${CMS}?${q}` },
          { path: `${CMS}?watch=true&${q}` },
          { method: 'DELETE', path: `${CMS}?${q}` },
        ]) {
          const res = await send(req);
          assertStatus(res, 400, 'BadRequest');
          assert.equal(res.json.message, message, `${req.method ?? 'GET'} ${req.path}`);
        }
      });
    });
  }

  it('still accepts valid selectors', async () => {
    for (const s of [
      '',
      'a',
      '!a',
      'a=b',
      'a==b',
      'a!=b',
      'a in (b,c)',
      'a notin ()',
      'x in (a,,b),y',
      'a>1',
    ]) {
      const res = await send({ path: `${CMS}?labelSelector=${encodeURIComponent(s)}` });
      assert.equal(res.status, 200, `${s}: ${res.text}`);
    }
  });
});

// ---- fuzz ----

function randomValue(next: () => number, depth = 0): unknown {
  const r = next();
  if (depth > 4 || r < 0.35)
    return [null, true, false, 0, -1, 1e300, 'x', '', 'Z'.repeat(70)][Math.floor(next() * 9)];
  if (r < 0.6)
    return Array.from({ length: Math.floor(next() * 3) }, () => randomValue(next, depth + 1));
  const keys = [
    'name',
    'namespace',
    'labels',
    'annotations',
    'generateName',
    'data',
    'binaryData',
    'spec',
    'containers',
    'image',
    'args',
    'ports',
    'env',
    'volumes',
    'metadata',
    'kind',
    'apiVersion',
    'status',
    'finalizers',
    'ownerReferences',
    'containerPort',
    'resourceVersion',
  ];
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 4); i > 0; i--)
    o[keys[Math.floor(next() * keys.length)] as string] = randomValue(next, depth + 1);
  return o;
}

function randomBody(next: () => number, kind: 'ConfigMap' | 'Pod', name: string): string {
  const base: Record<string, unknown> = { apiVersion: 'v1', kind, metadata: { name } };
  if (kind === 'Pod') base.spec = { containers: [{ name: 'c', image: 'busybox' }] };
  const mutate = randomValue(next);
  if (mutate && typeof mutate === 'object' && !Array.isArray(mutate)) {
    for (const [k, v] of Object.entries(mutate)) {
      if (next() < 0.5 && base.metadata && typeof base.metadata === 'object')
        (base.metadata as Record<string, unknown>)[k] = v;
      else if (next() < 0.5 && kind === 'Pod') {
        const c = (base.spec as { containers?: unknown[] } | undefined)?.containers?.[0];
        if (c && typeof c === 'object') (c as Record<string, unknown>)[k] = v;
      } else base[k] = v;
    }
  }
  let text = JSON.stringify(base);
  const r = next();
  if (r < 0.05) text = text.slice(0, Math.floor(next() * text.length));
  else if (r < 0.1) text = text.replace('{', '{"metadata":{},');
  else if (r < 0.13) text = `${'['.repeat(2000)}`;
  return text;
}

describe('body fuzz (seeded)', () => {
  it('DeleteOptions and protobuf bodies of any shape: never 5xx, nothing deleted', async () => {
    const seed = Number(process.env.SKIFF_FUZZ_SEED ?? 8);
    const next = rng(seed + 1);
    await unchanged(async () => {
      for (let i = 0; i < 80; i++) {
        const options = randomValue(next);
        const body =
          next() < 0.5
            ? JSON.stringify(options)
            : JSON.stringify({
                kind: 'DeleteOptions',
                apiVersion: 'v1',
                gracePeriodSeconds: randomValue(next),
                propagationPolicy: randomValue(next),
                preconditions: randomValue(next),
                orphanDependents: randomValue(next),
                dryRun: randomValue(next),
              });
        const res = await send({
          method: 'DELETE',
          path: `${CMS}/absent-${i}`,
          headers: { 'content-type': 'application/json' },
          body,
        });
        assert.ok(res.status >= 400, `seed ${seed} #${i}: ${res.status}`);
        assert.equal(
          res.json?.kind,
          'Status',
          `seed ${seed} #${i} ${body}: ${res.text.slice(0, 300)}`,
        );
        const bytes = Buffer.from(
          Array.from({ length: Math.floor(next() * 64) }, () => Math.floor(next() * 256)),
        );
        const pb = await send({
          method: 'POST',
          path: CMS,
          headers: { 'content-type': 'application/vnd.kubernetes.protobuf' },
          body: Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), bytes]),
        });
        assert.ok(
          pb.status >= 400 && pb.json?.kind === 'Status',
          `seed ${seed} #${i}: ${pb.status} ${pb.text.slice(0, 200)}`,
        );
      }
    });
  });

  it('never answers 5xx, keeps errors small, and changes nothing on error', async () => {
    const seed = Number(process.env.SKIFF_FUZZ_SEED ?? 8);
    const next = rng(seed);
    for (let i = 0; i < 250; i++) {
      const kind = next() < 0.5 ? 'ConfigMap' : 'Pod';
      const list = kind === 'Pod' ? PODS : CMS;
      const update = next() < 0.3;
      const body = randomBody(next, kind, update ? 'target' : `fuzz-${i}`);
      const query = ['', '?fieldValidation=Strict', '?fieldValidation=Ignore', '?dryRun=All'][
        Math.floor(next() * 4)
      ];
      const before = await server.snapshot(LISTS);
      const res = await send({
        method: update ? 'PUT' : 'POST',
        path: `${update ? `${list}/target` : list}${query}`,
        headers: { 'content-type': next() < 0.1 ? 'application/yaml' : 'application/json' },
        body,
      });
      if (res.status >= 400) {
        assert.equal(
          res.json?.kind,
          'Status',
          `seed ${seed} #${i} ${body}: ${res.text.slice(0, 300)}`,
        );
        assert.deepEqual(
          await server.snapshot(LISTS),
          before,
          `seed ${seed} #${i}: changed on error`,
        );
      }
    }
  });
});

// Hostile PATCH bodies against a real server: amplification, deep nesting, structural
// removals, and a seeded fuzz loop. Every refusal is a small Status with the exact code, it
// comes back in bounded time, and the target object is left as it was.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertStatus, startAbuseServer, type AbuseServer, type RawResponse } from './support.js';
import { prng as rng } from '../support/prng.js';

const NS = 'patch-abuse';
const CM = `/api/v1/namespaces/${NS}/configmaps/target`;
const POD = `/api/v1/namespaces/${NS}/pods/target`;
const LISTS = [`/api/v1/namespaces/${NS}/configmaps`, `/api/v1/namespaces/${NS}/pods`];
const MAX_ERROR_BYTES = 64 * 1024;
/**
 * What one hostile request may cost the server in CPU time: the costliest legitimate one here
 * (a 2 MB strategic merge patch of 60,000 containers) takes about 4.5 s; unbounded, the worst
 * of them took from 14 s to minutes. CPU time rather than wall time, so that a busy machine
 * does not change the verdict.
 */
const MAX_CPU_MS = 12_000;

const JSON_PATCH = 'application/json-patch+json';
const MERGE_PATCH = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';

let server: AbuseServer;

async function patch(path: string, type: string, body: string): Promise<RawResponse> {
  const cpuBefore = server.cpuMs();
  const res = await server.send({
    method: 'PATCH',
    path,
    headers: { 'content-type': type },
    body,
    timeoutMs: 60_000,
  });
  const cpu = server.cpuMs() - cpuBefore;
  assert.ok(cpu < MAX_CPU_MS, `PATCH ${path} cost the server ${cpu} ms of CPU`);
  assert.ok(res.status < 500, `5xx: ${res.text.slice(0, 300)}`);
  if (res.status >= 400)
    assert.ok(res.text.length < MAX_ERROR_BYTES, `error body of ${res.text.length} bytes`);
  return res;
}

/** Runs `attempt` and checks that nothing stored changed. */
const unchanged = (attempt: () => Promise<void>): Promise<void> => server.unchanged(LISTS, attempt);

const nested = (depth: number, leaf = '1'): string =>
  '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);

before(async () => {
  server = startAbuseServer();
  const ns = await server.send({
    method: 'POST',
    path: '/api/v1/namespaces',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }),
  });
  assert.equal(ns.status, 201, ns.text);
  const cm = await server.send({
    method: 'POST',
    path: `/api/v1/namespaces/${NS}/configmaps`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'target', labels: { app: 'x' } },
      data: { seed: 'x'.repeat(100) },
    }),
  });
  assert.equal(cm.status, 201, cm.text);
  const pod = await server.send({
    method: 'POST',
    path: `/api/v1/namespaces/${NS}/pods`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'target', labels: { app: 'x' } },
      spec: { containers: [{ name: 'c', image: 'busybox', args: ['sleep', '1'] }] },
    }),
  });
  assert.equal(pod.status, 201, pod.text);
});

after(() => server?.stop());

describe('JSON patch amplification', () => {
  it('refuses copies that would grow the object past 3 MiB, while applying', async () => {
    // Each copy doubles /data/seed's container: 100 bytes → over 3 MiB in ~15 steps.
    const ops: unknown[] = [
      { op: 'add', path: '/metadata/annotations', value: { a: 'x'.repeat(1000) } },
    ];
    for (let i = 0; i < 40; i++)
      ops.push({ op: 'copy', from: '/metadata/annotations', path: `/metadata/annotations/a${i}` });
    await unchanged(async () => {
      const res = await patch(CM, JSON_PATCH, JSON.stringify(ops));
      assertStatus(res, 422, 'Invalid');
      assert.equal(
        res.json.message,
        'the server rejected our request due to an error in our request',
      );
    });
  });

  it('refuses the doubling patch of the report (copy of the whole data map into itself)', async () => {
    const ops: unknown[] = [];
    for (let i = 0; i < 60; i++)
      ops.push({ op: 'copy', from: '/data', path: `/metadata/annotations` });
    for (let i = 0; i < 60; i++) ops.push({ op: 'copy', from: '/metadata', path: `/data/m${i}` });
    await unchanged(async () => {
      const res = await patch(CM, JSON_PATCH, JSON.stringify(ops));
      assertStatus(res, 422, 'Invalid');
    });
  });

  it('refuses more than 10000 operations with 413', async () => {
    const ops = Array.from({ length: 10001 }, () => ({
      op: 'test',
      path: '/kind',
      value: 'ConfigMap',
    }));
    await unchanged(async () => {
      const res = await patch(CM, JSON_PATCH, JSON.stringify(ops));
      assertStatus(res, 413, 'RequestEntityTooLarge');
      assert.equal(
        res.json.message,
        'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
      );
    });
  });

  it('does not echo a large patched document in an error', async () => {
    // Big, but within the copy limit, and then a type error on the patched object.
    const ops = [
      { op: 'add', path: '/metadata/annotations', value: { big: 'y'.repeat(1_000_000) } },
      { op: 'add', path: '/data/n', value: 5 },
    ];
    await unchanged(async () => {
      const res = await patch(CM, JSON_PATCH, JSON.stringify(ops));
      assertStatus(res, 422, 'Invalid');
      assert.match(
        res.json.message,
        /cannot unmarshal number into Go struct field ConfigMap\.data of type string/,
      );
    });
  });
});

describe('costly patches answer in bounded time', () => {
  it('a strategic merge patch of 60,000 containers', async () => {
    const names = Array.from({ length: 60_000 }, (_, i) => ({ name: `c${i}` }));
    await unchanged(async () => {
      const res = await patch(
        POD,
        SMP,
        JSON.stringify({ spec: { '$setElementOrder/containers': names, containers: names } }),
      );
      // The pod may not add containers: refused by validation, after a linear merge.
      assertStatus(res, 422, 'Invalid');
    });
  });

  it('a JSON patch shifting a million-element array ten thousand times', async () => {
    const ops = [
      { op: 'add', path: '/metadata/annotations', value: { a: 'x' } },
      { op: 'add', path: '/data/list', value: new Array(1_000_000).fill(0) },
      ...Array.from({ length: 9000 }, () => ({ op: 'add', path: '/data/list/0', value: 0 })),
    ];
    await unchanged(async () => {
      const res = await patch(CM, JSON_PATCH, JSON.stringify(ops));
      assertStatus(res, 422, 'Invalid');
    });
  });
});

describe('deep patches', () => {
  for (const [type, path] of [
    [MERGE_PATCH, CM],
    [SMP, CM],
    [SMP, POD],
    [MERGE_PATCH, POD],
  ] as const) {
    it(`refuses a 100,000-deep ${type.split('/')[1]} on ${path.split('/')[5]} with 400`, async () => {
      await unchanged(async () => {
        const res = await patch(
          path,
          type,
          `{"metadata":{"annotations":${nested(100_000, '"x"')}}}`,
        );
        assertStatus(res, 400, 'BadRequest');
        assert.equal(
          res.json.message,
          `${type === SMP ? '' : 'error decoding patch: '}invalid character '{' exceeded max depth`,
        );
      });
    });
  }

  it('refuses a deep JSON patch value and a deep array with 400', async () => {
    await unchanged(async () => {
      const res = await patch(
        CM,
        JSON_PATCH,
        `[{"op":"add","path":"/metadata/annotations","value":${nested(50_000)}}]`,
      );
      assertStatus(res, 400, 'BadRequest');
      const arr = await patch(CM, MERGE_PATCH, '['.repeat(200_000) + ']'.repeat(200_000));
      assertStatus(arr, 400, 'BadRequest');
      assert.match(arr.json.message, /invalid character '\[' exceeded max depth/);
    });
  });

  it('refuses a JSON patch that builds a deep object by copying it into itself', async () => {
    // A chain of k nested `a` keys ending in {}; each copy hangs the whole chain at its own
    // end, so the chain doubles (2k + 1) while the patch stays small.
    let k = 20;
    const ops: unknown[] = [
      { op: 'add', path: '/metadata/annotations', value: JSON.parse(nested(k, '{}')) },
    ];
    for (let i = 0; i < 10; i++) {
      ops.push({
        op: 'copy',
        from: '/metadata/annotations',
        path: `/metadata/annotations${'/a'.repeat(k)}/a`,
      });
      k = 2 * k + 1;
    }
    await unchanged(async () => {
      const res = await patch(CM, JSON_PATCH, JSON.stringify(ops));
      assertStatus(res, 422, 'Invalid');
      // Refused while applying (the generic JSON patch failure), not by a later type check.
      assert.equal(
        res.json.message,
        'the server rejected our request due to an error in our request',
      );
    });
  });
});

describe('duplicate keys in patches', () => {
  it('warn under fieldValidation=Warn and fail under Strict, object unchanged', async () => {
    const merge = '{"metadata":{"labels":{"dup":"1","dup":"2"}}}';
    await unchanged(async () => {
      const strict = await patch(`${CM}?fieldValidation=Strict`, MERGE_PATCH, merge);
      assertStatus(strict, 422, 'Invalid');
      assert.match(
        strict.json.message,
        /^ "" is invalid: patch: Invalid value: ".*": strict decoding error: duplicate field "metadata\.labels\.dup"$/s,
      );
      const ops = '[{"op":"add","path":"/metadata/labels/j","value":"1","value":"2","bogus":1}]';
      const strictOps = await patch(`${CM}?fieldValidation=Strict`, JSON_PATCH, ops);
      assertStatus(strictOps, 422, 'Invalid');
      assert.match(
        strictOps.json.message,
        /strict decoding error: json patch duplicate field "\[0\]\.value", json patch unknown field "\[0\]\.bogus"$/,
      );
    });
    const warned = await patch(CM, MERGE_PATCH, merge);
    assert.equal(warned.status, 200, warned.text);
    assert.equal(warned.headers.warning, '299 - "duplicate field \\"metadata.labels.dup\\""');
    assert.equal(warned.json.metadata.labels.dup, '2');
  });
});

describe('structural JSON patches', () => {
  it('remove /metadata: the name is undeterminable (400)', async () => {
    await unchanged(async () => {
      const res = await patch(CM, JSON_PATCH, '[{"op":"remove","path":"/metadata"}]');
      assertStatus(res, 400, 'BadRequest');
      assert.equal(
        res.json.message,
        'the name of the object (target based on URL) was undeterminable: name must be provided',
      );
    });
  });

  it('replace /metadata with null or remove /metadata/name: 400', async () => {
    await unchanged(async () => {
      for (const body of [
        '[{"op":"replace","path":"/metadata","value":null}]',
        '[{"op":"remove","path":"/metadata/name"}]',
      ]) {
        const res = await patch(POD, JSON_PATCH, body);
        assertStatus(res, 400, 'BadRequest');
        assert.equal(
          res.json.message,
          'the name of the object (target based on URL) was undeterminable: name must be provided',
        );
      }
      const merge = await patch(CM, MERGE_PATCH, '{"metadata":null}');
      assertStatus(merge, 400, 'BadRequest');
    });
  });

  it('a renamed object: 400', async () => {
    await unchanged(async () => {
      const res = await patch(CM, MERGE_PATCH, '{"metadata":{"name":"other"}}');
      assertStatus(res, 400, 'BadRequest');
      assert.equal(
        res.json.message,
        'the name of the object (other) does not match the name on the URL (target)',
      );
    });
  });

  it('replace /metadata with a string: 422 as a failed decode', async () => {
    await unchanged(async () => {
      for (const path of [CM, POD]) {
        const res = await patch(
          path,
          JSON_PATCH,
          '[{"op":"replace","path":"/metadata","value":"x"}]',
        );
        assertStatus(res, 422, 'Invalid');
        assert.match(
          res.json.message,
          /^ "" is invalid: patch: Invalid value: ".*": json: cannot unmarshal string into Go struct field (ConfigMap|Pod)\.metadata of type v1\.ObjectMeta$/s,
        );
      }
    });
  });

  it('replace /spec with null or a string, remove /spec, replace /kind: a 4xx Status', async () => {
    await unchanged(async () => {
      for (const body of [
        '[{"op":"replace","path":"/spec","value":null}]',
        '[{"op":"remove","path":"/spec"}]',
        '[{"op":"replace","path":"/spec","value":"x"}]',
        '[{"op":"replace","path":"/spec/containers","value":null}]',
        '[{"op":"replace","path":"/spec/containers/0","value":null}]',
        '[{"op":"replace","path":"/kind","value":"Secret"}]',
        '[{"op":"replace","path":"/kind","value":7}]',
        '[{"op":"replace","path":"/apiVersion","value":{}}]',
        '[{"op":"replace","path":"","value":[]}]',
        '[{"op":"replace","path":"","value":{}}]',
        '[{"op":"remove","path":"/metadata/labels"},{"op":"add","path":"/metadata/labels","value":[1]}]',
      ]) {
        const res = await patch(POD, JSON_PATCH, body);
        assert.ok(
          res.status === 400 || res.status === 422,
          `${body}: ${res.status} ${res.text.slice(0, 300)}`,
        );
        assert.equal(res.json?.kind, 'Status', body);
      }
    });
  });
});

// ---- fuzz ----

const POINTERS = [
  '',
  '/metadata',
  '/metadata/name',
  '/metadata/labels',
  '/metadata/labels/app',
  '/metadata/annotations',
  '/metadata/resourceVersion',
  '/metadata/uid',
  '/metadata/managedFields',
  '/metadata/managedFields/0',
  '/kind',
  '/apiVersion',
  '/data',
  '/data/seed',
  '/spec',
  '/spec/containers',
  '/spec/containers/0',
  '/spec/containers/0/args',
  '/spec/containers/0/args/-',
  '/spec/containers/-',
  '/status',
  '/x~1y',
  '/~2',
  'nope',
];

function randomValue(next: () => number, depth = 0): unknown {
  const r = next();
  if (depth > 3 || r < 0.3)
    return [null, true, 0, -1, 1.5, 'x', '', 'a'.repeat(300)][Math.floor(next() * 8)];
  if (r < 0.6)
    return Array.from({ length: Math.floor(next() * 3) }, () => randomValue(next, depth + 1));
  const o: Record<string, unknown> = {};
  const keys = [
    'name',
    'labels',
    'metadata',
    'spec',
    'containers',
    'args',
    '$patch',
    '$retainKeys',
    'image',
    'a',
    'data',
  ];
  for (let i = Math.floor(next() * 3); i > 0; i--)
    o[keys[Math.floor(next() * keys.length)] as string] = randomValue(next, depth + 1);
  return o;
}

function randomPatch(next: () => number): { type: string; body: string } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const r = next();
  if (r < 0.5) {
    const ops = Array.from({ length: 1 + Math.floor(next() * 4) }, () => {
      const op = pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus']);
      const o: Record<string, unknown> = { op, path: pick(POINTERS) };
      if (op === 'move' || op === 'copy') o.from = pick(POINTERS);
      if (next() < 0.8) o.value = randomValue(next);
      return o;
    });
    return { type: JSON_PATCH, body: JSON.stringify(next() < 0.05 ? ops[0] : ops) };
  }
  const body = randomValue(next);
  const wrapped =
    next() < 0.7
      ? {
          metadata: {
            name: 'target',
            ...(typeof body === 'object' && body && !Array.isArray(body) ? body : {}),
          },
        }
      : body;
  return {
    type: r < 0.75 ? MERGE_PATCH : SMP,
    body: next() < 0.03 ? JSON.stringify(wrapped).slice(0, -1) : JSON.stringify(wrapped),
  };
}

describe('patch fuzz (seeded)', () => {
  it('never answers 5xx, keeps errors small, and leaves objects unchanged on error', async () => {
    const seed = Number(process.env.SKIFF_FUZZ_SEED ?? 8);
    const next = rng(seed);
    for (let i = 0; i < 300; i++) {
      const target = next() < 0.5 ? CM : POD;
      const { type, body } = randomPatch(next);
      const before = await server.snapshot(LISTS);
      const res = await patch(target, type, body);
      if (res.status >= 400) {
        assert.equal(
          res.json?.kind,
          'Status',
          `seed ${seed} #${i} ${type} ${body}: ${res.text.slice(0, 300)}`,
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

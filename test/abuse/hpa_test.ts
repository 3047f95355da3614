// Hostile and odd HorizontalPodAutoscaler writes to a real server, in autoscaling/v2 and
// autoscaling/v1: each refused with kube-apiserver's code, reason, message and causes, and
// nothing stored. Then a seeded fuzz loop of v2 bodies: every answer is 201 or a 400/422
// Status (never a 5xx), refusals change nothing, and what is accepted reads back through
// v1 and survives a v1 round trip unchanged.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertStatus, startAbuseServer, type AbuseServer, type RawResponse } from './support.js';
import { prng } from '../support/prng.js';

const NS = 'hpa-abuse';
const V2 = `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers`;
const V1 = `/apis/autoscaling/v1/namespaces/${NS}/horizontalpodautoscalers`;
const LISTS = [V2];
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

const send = (method: string, path: string, body: unknown): Promise<RawResponse> =>
  s.send({
    method,
    path,
    headers: JSON_CT,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const hpa = (name: string, spec: Obj = {}, apiVersion = 'autoscaling/v2'): Obj => ({
  apiVersion,
  kind: 'HorizontalPodAutoscaler',
  metadata: { name },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    maxReplicas: 3,
    ...spec,
  },
});

/** Refused with `code`/`reason`/`message` (and these causes, when given); nothing stored. */
async function refused(
  path: string,
  body: unknown,
  code: number,
  reason: string,
  message: string,
  causes?: [string, string, string][],
  method = 'POST',
): Promise<void> {
  const before = await s.snapshot(LISTS);
  const r = await send(method, path, body);
  assertStatus(r, code, reason);
  assert.equal(r.json.message, message);
  if (causes)
    assert.deepEqual(
      (r.json.details?.causes ?? []).map((c: Obj) => [c.reason, c.field, c.message]),
      causes,
    );
  assert.deepEqual(await s.snapshot(LISTS), before);
}

const INVALID = (name: string, detail: string): string =>
  `HorizontalPodAutoscaler.autoscaling "${name}" is invalid: ${detail}`;

describe('refused HorizontalPodAutoscaler writes', () => {
  test('replica bounds', () =>
    refused(
      V2,
      hpa('a', { minReplicas: 0, maxReplicas: 0 }),
      422,
      'Invalid',
      INVALID(
        'a',
        '[spec.minReplicas: Invalid value: 0: must be greater than or equal to 1, spec.maxReplicas: Invalid value: 0: must be greater than 0, spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas]',
      ),
      [
        [
          'FieldValueInvalid',
          'spec.minReplicas',
          'Invalid value: 0: must be greater than or equal to 1',
        ],
        ['FieldValueInvalid', 'spec.maxReplicas', 'Invalid value: 0: must be greater than 0'],
        [
          'FieldValueForbidden',
          'spec.metrics',
          'Forbidden: must specify at least one Object or External metric to support scaling to zero replicas',
        ],
      ],
    ));

  test('maxReplicas below minReplicas', () =>
    refused(
      V2,
      hpa('b', { minReplicas: 4 }),
      422,
      'Invalid',
      INVALID(
        'b',
        'spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`',
      ),
    ));

  test('no scale target', () =>
    refused(
      V2,
      { ...hpa('c'), spec: { maxReplicas: 2 } },
      422,
      'Invalid',
      INVALID(
        'c',
        '[spec.scaleTargetRef.kind: Required value, spec.scaleTargetRef.name: Required value]',
      ),
      [
        ['FieldValueRequired', 'spec.scaleTargetRef.kind', 'Required value'],
        ['FieldValueRequired', 'spec.scaleTargetRef.name', 'Required value'],
      ],
    ));

  test('a metric of an unknown type', () =>
    refused(
      V2,
      hpa('d', { metrics: [{ type: 'Cpu' }] }),
      422,
      'Invalid',
      INVALID(
        'd',
        'spec.metrics[0].type: Unsupported value: "Cpu": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"',
      ),
    ));

  test('a resource metric with both targets', () =>
    refused(
      V2,
      hpa('e', {
        metrics: [
          {
            type: 'Resource',
            resource: {
              name: 'memory',
              target: { type: 'AverageValue', averageValue: '1Gi', averageUtilization: 60 },
            },
          },
        ],
      }),
      422,
      'Invalid',
      INVALID(
        'e',
        'spec.metrics[0].resource.target.averageValue: Forbidden: may not set both a target raw value and a target utilization',
      ),
    ));

  test('a behavior policy out of range', () =>
    refused(
      V2,
      hpa('f', {
        behavior: { scaleUp: { policies: [{ type: 'Pods', value: 0, periodSeconds: 1801 }] } },
      }),
      422,
      'Invalid',
      INVALID(
        'f',
        '[spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero, spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800]',
      ),
    ));

  test('a string where an integer belongs', () =>
    refused(
      V2,
      hpa('g', { maxReplicas: 'five' }),
      400,
      'BadRequest',
      'HorizontalPodAutoscaler in version "v2" cannot be handled as a HorizontalPodAutoscaler: json: cannot unmarshal string into Go struct field HorizontalPodAutoscalerSpec.spec.maxReplicas of type int32',
    ));

  test('v1: a zero CPU target is refused at the v2 field it becomes', () =>
    refused(
      V1,
      hpa('h', { targetCPUUtilizationPercentage: 0 }, 'autoscaling/v1'),
      422,
      'Invalid',
      INVALID(
        'h',
        'spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0',
      ),
    ));

  test('v1: a metrics annotation that is not JSON', () =>
    refused(
      V1,
      {
        ...hpa('i', {}, 'autoscaling/v1'),
        metadata: {
          name: 'i',
          annotations: { 'autoscaling.alpha.kubernetes.io/metrics': 'not json' },
        },
      },
      400,
      'BadRequest',
      `HorizontalPodAutoscaler in version "v1" cannot be handled as a HorizontalPodAutoscaler: invalid character 'o' in literal null (expecting 'u')`,
    ));

  test('v1: a conditions annotation that is not a list', () =>
    refused(
      V1,
      {
        ...hpa('j', {}, 'autoscaling/v1'),
        metadata: {
          name: 'j',
          annotations: { 'autoscaling.alpha.kubernetes.io/conditions': '{}' },
        },
      },
      400,
      'BadRequest',
      'HorizontalPodAutoscaler in version "v1" cannot be handled as a HorizontalPodAutoscaler: json: cannot unmarshal object into Go value of type []v1.HorizontalPodAutoscalerCondition',
    ));

  test('a negative replica count through the status subresource', async () => {
    const created = await send('POST', V2, hpa('k'));
    assert.equal(created.status, 201, created.text);
    const body = { ...created.json, status: { currentReplicas: -1, desiredReplicas: 1 } };
    await refused(
      `${V2}/k/status`,
      body,
      422,
      'Invalid',
      INVALID('k', 'status.currentReplicas: Invalid value: -1: must be greater than or equal to 0'),
      undefined,
      'PUT',
    );
    // A spec change through status is ignored, not refused.
    const ok = await send('PUT', `${V2}/k/status`, {
      ...created.json,
      spec: { ...created.json.spec, maxReplicas: 9 },
      status: { desiredReplicas: 2 },
    });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.spec.maxReplicas, 3);
    assert.equal(ok.json.status.desiredReplicas, 2);
  });
});

/** Values the fuzz loop draws from: mostly valid ones, now and then one that must be refused. */
const pick = <T>(next: () => number, xs: readonly T[]): T =>
  xs[Math.floor(next() * xs.length)] as T;
const mostly = <T>(next: () => number, good: readonly T[], bad: readonly T[]): T =>
  next() < 0.93 ? pick(next, good) : pick(next, bad);
const REPLICAS = (next: () => number): number => mostly(next, [1, 2, 3, 5, 10], [0, -1]);
const UTILIZATION = (next: () => number): number => mostly(next, [50, 80, 100, 1], [0, -5]);
const VALUES = (next: () => number): string =>
  mostly(next, ['100m', '1', '256Mi', '1Gi'], ['0', '-1']);

function randomMetric(next: () => number): Obj {
  switch (mostly(next, ['cpu', 'cpu', 'memory', 'container', 'pods'] as const, ['bad'] as const)) {
    case 'cpu':
      return {
        type: 'Resource',
        resource: {
          name: 'cpu',
          target: { type: 'Utilization', averageUtilization: UTILIZATION(next) },
        },
      };
    case 'memory':
      return {
        type: 'Resource',
        resource: {
          name: 'memory',
          target: { type: 'AverageValue', averageValue: VALUES(next) },
        },
      };
    case 'container':
      return {
        type: 'ContainerResource',
        containerResource: {
          name: 'cpu',
          container: mostly(next, ['main'], ['Main', '']),
          target: { type: 'Utilization', averageUtilization: UTILIZATION(next) },
        },
      };
    case 'pods':
      return {
        type: 'Pods',
        pods: {
          metric: { name: mostly(next, ['qps'], ['a/b', '']) },
          target: { type: 'AverageValue', averageValue: VALUES(next) },
        },
      };
    default:
      return { type: pick(next, ['', 'Resource', 'Nodes']) };
  }
}

function randomBody(next: () => number, name: string): Obj {
  const spec: Obj = {
    scaleTargetRef: {
      apiVersion: 'apps/v1',
      kind: mostly(next, ['Deployment', 'ReplicaSet'], ['', 'a/b']),
      name: 'web',
    },
    maxReplicas: REPLICAS(next),
  };
  if (next() < 0.7) spec.minReplicas = mostly(next, [1, 2], [0, -1, 20]);
  if (next() < 0.7)
    spec.metrics = Array.from({ length: 1 + Math.floor(next() * 3) }, () => randomMetric(next));
  if (next() < 0.3)
    spec.behavior = {
      [pick(next, ['scaleUp', 'scaleDown'])]: {
        stabilizationWindowSeconds: mostly(next, [0, 60, 300], [-1, 4000]),
        ...(next() < 0.5
          ? {
              policies: [
                {
                  type: mostly(next, ['Pods', 'Percent'], ['Nodes']),
                  value: mostly(next, [1, 4, 100], [0]),
                  periodSeconds: mostly(next, [15, 60], [0, 2000]),
                },
              ],
            }
          : {}),
      },
    };
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name },
    spec,
  };
}

describe('seeded fuzz of HorizontalPodAutoscaler bodies', () => {
  test('201 or a 4xx Status; refusals store nothing; v1 round trips are lossless', async () => {
    const next = prng(0x4a9a);
    let accepted = 0;
    let refusedCount = 0;
    for (let i = 0; i < 150; i++) {
      const name = `fuzz-${i}`;
      const body = randomBody(next, name);
      const what = `#${i} ${JSON.stringify(body.spec)}`;
      const r = await send('POST', V2, body);
      if (r.status !== 201) {
        assert.ok(r.status === 400 || r.status === 422, `${what}: ${r.status} ${r.text}`);
        assertStatus(r, r.status);
        assert.equal((await s.send({ path: `${V2}/${name}` })).status, 404, what);
        refusedCount++;
        continue;
      }
      accepted++;
      const v2 = (await s.send({ path: `${V2}/${name}` })).json as Obj;
      const v1 = await s.send({ path: `${V1}/${name}` });
      assert.equal(v1.status, 200, what);
      const cpu = (v2.spec.metrics as Obj[]).find(
        (m) => m.type === 'Resource' && m.resource?.name === 'cpu',
      );
      assert.equal(
        v1.json.spec.targetCPUUtilizationPercentage,
        cpu?.resource.target.averageUtilization,
        what,
      );
      // Writing the v1 form back changes nothing in v2.
      const put = await send('PUT', `${V1}/${name}`, v1.json);
      assert.equal(put.status, 200, `${what}: ${put.text}`);
      const after = (await s.send({ path: `${V2}/${name}` })).json as Obj;
      assert.deepEqual(after.spec, v2.spec, what);
      assert.deepEqual(after.metadata.annotations, v2.metadata.annotations, what);
      const del = await s.send({ method: 'DELETE', path: `${V2}/${name}` });
      assert.equal(del.status, 200, what);
    }
    // The draw covers both sides.
    assert.ok(accepted > 20 && refusedCount > 20, `${accepted} accepted, ${refusedCount} refused`);
  });
});

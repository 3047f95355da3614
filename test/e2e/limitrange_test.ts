// LimitRanges with kubectl 1.27, 1.30 and 1.33: created, listed (`limits`), described and
// explained as kubectl prints them from what `skiff up` serves, and the LimitRanger admission
// step at work on what kubectl creates: a pod without resources gets the defaults and the
// `kubernetes.io/limit-ranger` annotation, a pod over a max and a claim over the storage max
// are refused with kube-apiserver's 403 Forbidden texts, an inconsistent LimitRange with its
// 422 Invalid ones. No node: admission happens when the object is created.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VERSIONS, hasKubectl, ok, fails, parseTable, startCluster } from './harness.js';
import type { TestCluster } from './harness.js';

let c: TestCluster;
before(() => {
  c = startCluster();
});
after(() => c?.stop());

const LIMITS = `apiVersion: v1
kind: LimitRange
metadata:
  name: limits
spec:
  limits:
  - type: Container
    max:
      cpu: 500m
      memory: 512Mi
    min:
      cpu: 50m
    default:
      cpu: 200m
      memory: 256Mi
    defaultRequest:
      cpu: 100m
      memory: 128Mi
    maxLimitRequestRatio:
      cpu: "4"
  - type: Pod
    max:
      cpu: "1"
  - type: PersistentVolumeClaim
    min:
      storage: 1Gi
    max:
      storage: 2Gi
`;

const CLAIM = (storage: string) => `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: ${storage}
`;

const BAD = `apiVersion: v1
kind: LimitRange
metadata:
  name: bad
spec:
  limits:
  - type: Container
    max:
      cpu: 500m
    min:
      cpu: "1"
`;

const goQ = (value: number, scale: number, s: string): string =>
  `resource.Quantity{i:resource.int64Amount{value:${value}, scale:${scale}}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"${s}", Format:"DecimalSI"}`;

describe('LimitRange and the LimitRanger admission step', { concurrency: true }, () => {
  for (const v of VERSIONS) {
    describe(`kubectl 1.${v}`, { skip: !hasKubectl(v) }, () => {
      const ns = `limits-${v}`;
      const k = (...args: string[]) => c.kubectl(v, ['-n', ns, ...args]);

      before(async () => {
        ok(await c.kubectl(v, ['create', 'namespace', ns]));
      });

      test('api-resources lists limitranges with the short name limits', async () => {
        const rows = parseTable(ok(await c.kubectl(v, ['api-resources'])));
        const row = rows.find((r) => r['NAME'] === 'limitranges');
        assert.deepEqual(row, {
          NAME: 'limitranges',
          SHORTNAMES: 'limits',
          APIVERSION: 'v1',
          NAMESPACED: 'true',
          KIND: 'LimitRange',
        });
        const explained = ok(await c.kubectl(v, ['explain', 'limitrange.spec.limits.type']));
        assert.match(explained, /^KIND:\s+LimitRange$/m);
        assert.match(explained, /Type of resource that this limit applies to\./);
      });

      test('create, get and describe a LimitRange', async () => {
        assert.equal(
          ok(await k('create', '-f', c.file(`${ns}/limits.yaml`, LIMITS))),
          'limitrange/limits created\n',
        );
        const got = ok(await k('get', 'limits'));
        assert.match(got, /^NAME\s+CREATED AT\nlimits\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
        // kubectl prints an item's resources in Go map order: the rows are compared as a set.
        const described = ok(await k('describe', 'limitrange', 'limits')).split('\n');
        assert.deepEqual(described.slice(0, 4), [
          'Name:                  limits',
          `Namespace:             ${ns}`,
          'Type                   Resource  Min  Max    Default Request  Default Limit  Max Limit/Request Ratio',
          '----                   --------  ---  ---    ---------------  -------------  -----------------------',
        ]);
        assert.deepEqual(described.slice(4).sort(), [
          '',
          'Container              cpu       50m  500m   100m             200m           4',
          'Container              memory    -    512Mi  128Mi            256Mi          -',
          'PersistentVolumeClaim  storage   1Gi  2Gi    -                -              -',
          'Pod                    cpu       -    1      -                -              -',
        ]);

        // A pod without resources gets the defaults, and the annotation says which.
        ok(await k('run', 'web', '--image=nginx:1.25'));
        const out = ok(
          await k(
            'get',
            'pod',
            'web',
            '-o',
            'jsonpath={.metadata.annotations.kubernetes\\.io/limit-ranger}{"\\n"}{.spec.containers[0].resources}{"\\n"}{.status.qosClass}',
          ),
        );
        assert.equal(
          out,
          'LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web\n' +
            '{"limits":{"cpu":"200m","memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}}\n' +
            'Burstable',
        );

        // Over the Container max: refused, naming each broken constraint.
        const overrides = JSON.stringify({
          spec: {
            containers: [
              {
                name: 'big',
                image: 'nginx:1.25',
                resources: { limits: { cpu: '1', memory: '1Gi' } },
              },
            ],
          },
        });
        const refused = fails(
          await k('run', 'big', '--image=nginx:1.25', `--overrides=${overrides}`),
        );
        assert.equal(
          refused,
          'Error from server (Forbidden): pods "big" is forbidden: [maximum cpu usage per Container is 500m, but limit is 1, maximum memory usage per Container is 512Mi, but limit is 1Gi]\n',
        );
        assert.match(fails(await k('get', 'pod', 'big')), /pods "big" not found/);

        // Over the claims' storage max, then within it.
        const claim = c.file(`${ns}/claim.yaml`, CLAIM('5Gi'));
        assert.equal(
          fails(await k('apply', '-f', claim)),
          `Error from server (Forbidden): error when creating "${claim}": persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi\n`,
        );
        assert.equal(
          ok(await k('apply', '-f', c.file(`${ns}/claim-ok.yaml`, CLAIM('1Gi')))),
          'persistentvolumeclaim/data created\n',
        );

        // Client-side and server-side apply replace the (atomic) list of limits.
        const changed = LIMITS.replace('memory: 512Mi', 'memory: 1Gi');
        assert.equal(
          ok(await k('apply', '-f', c.file(`${ns}/limits-2.yaml`, changed))),
          'limitrange/limits configured\n',
        );
        assert.equal(
          ok(await k('get', 'limits', 'limits', '-o', 'jsonpath={.spec.limits[0].max}')),
          '{"cpu":"500m","memory":"1Gi"}',
        );
        const ssa = LIMITS.replace('name: limits', 'name: ssa');
        assert.equal(
          ok(await k('apply', '--server-side', '-f', c.file(`${ns}/ssa.yaml`, ssa))),
          'limitrange/ssa serverside-applied\n',
        );
        assert.equal(
          ok(await k('get', 'limitrange', 'ssa', '-o', 'jsonpath={.spec.limits[*].type}')),
          'Container Pod PersistentVolumeClaim',
        );
      });

      test('an inconsistent LimitRange is refused with kube-apiserver texts', async () => {
        const err = fails(await k('create', '-f', c.file(`${ns}/bad.yaml`, BAD)));
        assert.equal(
          err,
          [
            'The LimitRange "bad" is invalid: ',
            `* spec.limits[0].min[cpu]: Invalid value: ${goQ(1, 0, '1')}: min value 1 is greater than max value 500m`,
            `* spec.limits[0].defaultRequest[cpu]: Invalid value: ${goQ(500, -3, '500m')}: min value 1 is greater than default request value 500m`,
            `* spec.limits[0].default[cpu]: Invalid value: ${goQ(1, 0, '1')}: min value 1 is greater than default value 500m`,
            '',
          ].join('\n'),
        );
      });
    });
  }
});

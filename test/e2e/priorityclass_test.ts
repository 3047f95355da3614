// PriorityClasses with kubectl 1.27, 1.30 and 1.33 against `skiff up` (no node: admission
// happens when a pod is created): the two system classes listed with kube-apiserver's
// columns and refused deletion, `kubectl create priorityclass`, a pod's priority resolved
// from its class (or from the global default class) by the Priority admission step, an
// unknown class and a second global default refused with kube's texts, and the priority
// lines of `kubectl describe pod`. The versions run one after another: a global default
// class changes what every pod created meanwhile gets.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AGE, VERSIONS, fails, hasKubectl, ok, parseTable, startCluster } from './harness.js';
import type { TestCluster } from './harness.js';

let c: TestCluster;
before(() => {
  c = startCluster();
});
after(() => c?.stop());

const POD = (name: string, className?: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
${className ? `  priorityClassName: ${className}\n` : ''}  containers:
  - name: c
    image: busybox:1.36
`;

describe('PriorityClasses and the Priority admission step', () => {
  for (const v of VERSIONS) {
    describe(`kubectl 1.${v}`, { skip: !hasKubectl(v) }, () => {
      const ns = `prio-${v}`;
      const high = `high-${v}`;
      const k = (...args: string[]) => c.kubectl(v, ['-n', ns, ...args]);

      before(async () => {
        ok(await c.kubectl(v, ['create', 'namespace', ns]));
      });

      test('get pc lists the system classes with kube-apiserver columns', async () => {
        const out = ok(await c.kubectl(v, ['get', 'pc']));
        const lines = out.trimEnd().split('\n');
        assert.match(lines[0] ?? '', /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY$/);
        const rows = parseTable(out).filter((r) => r['NAME']?.startsWith('system-'));
        assert.deepEqual(
          rows.map((r) => [r['NAME'], r['VALUE'], r['GLOBAL-DEFAULT'], r['PREEMPTIONPOLICY']]),
          [
            ['system-cluster-critical', '2000000000', 'false', 'PreemptLowerPriority'],
            ['system-node-critical', '2000001000', 'false', 'PreemptLowerPriority'],
          ],
        );
        for (const r of rows) assert.match(r['AGE'] ?? '', /^\d+(s|m\d*s?)$/);
        const api = parseTable(ok(await c.kubectl(v, ['api-resources'])));
        assert.deepEqual(
          api.find((r) => r['NAME'] === 'priorityclasses'),
          {
            NAME: 'priorityclasses',
            SHORTNAMES: 'pc',
            APIVERSION: 'scheduling.k8s.io/v1',
            NAMESPACED: 'false',
            KIND: 'PriorityClass',
          },
        );
        const explained = ok(await c.kubectl(v, ['explain', 'pc.value']));
        assert.match(explained, /^KIND:\s+PriorityClass$/m);
        assert.match(explained, /value represents the integer value of this priority class\./);
      });

      test('a system class cannot be deleted or imitated', async () => {
        assert.equal(
          fails(await c.kubectl(v, ['delete', 'pc', 'system-node-critical'])),
          'Error from server (Forbidden): priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted\n',
        );
        ok(await c.kubectl(v, ['get', 'pc', 'system-node-critical']));
        assert.equal(
          fails(await c.kubectl(v, ['create', 'priorityclass', `system-${v}`, '--value=10'])),
          `error: failed to create priorityclass: PriorityClass.scheduling.k8s.io "system-${v}" is invalid: metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-${v} is not a known system priority class\n`,
        );
        assert.equal(
          fails(await c.kubectl(v, ['create', 'priorityclass', `huge-${v}`, '--value=1000000001'])),
          `error: failed to create priorityclass: PriorityClass.scheduling.k8s.io "huge-${v}" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000\n`,
        );
        assert.equal(
          ok(await c.kubectl(v, ['describe', 'pc', 'system-node-critical'])),
          [
            'Name:              system-node-critical',
            'Value:             2000001000',
            'GlobalDefault:     false',
            'PreemptionPolicy:  PreemptLowerPriority',
            'Description:       Used for system critical pods that must not be moved from their current node.',
            'Annotations:       <none>',
            'Events:            <none>',
            '',
          ].join('\n'),
        );
      });

      test('create priorityclass, and a pod of that class gets its priority', async () => {
        assert.equal(
          ok(
            await c.kubectl(v, [
              'create',
              'priorityclass',
              high,
              '--value=1000',
              '--description=for the pods that matter',
            ]),
          ),
          `priorityclass.scheduling.k8s.io/${high} created\n`,
        );
        const out = ok(await c.kubectl(v, ['get', 'pc', high]));
        assert.match(
          out,
          new RegExp(
            `^NAME\\s+VALUE\\s+GLOBAL-DEFAULT\\s+AGE\\s+PREEMPTIONPOLICY\\n${high}\\s+1000\\s+false\\s+${AGE}\\s+PreemptLowerPriority\\n$`,
          ),
        );
        assert.equal(
          ok(
            await c.kubectl(v, [
              'get',
              'pc',
              high,
              '-o',
              'jsonpath={.value} {.description} {.preemptionPolicy} {.globalDefault}',
            ]),
          ),
          '1000 for the pods that matter PreemptLowerPriority ',
        );
        // The value is fixed once created.
        assert.equal(
          fails(await c.kubectl(v, ['patch', 'pc', high, '--type=merge', '-p', '{"value":2000}'])),
          `The PriorityClass "${high}" is invalid: value: Forbidden: may not be changed in an update.\n`,
        );

        ok(await k('create', '-f', c.file(`${ns}/classed.yaml`, POD('classed', high))));
        assert.equal(
          ok(
            await k(
              'get',
              'pod',
              'classed',
              '-o',
              'jsonpath={.spec.priority} {.spec.priorityClassName} {.spec.preemptionPolicy}',
            ),
          ),
          `1000 ${high} PreemptLowerPriority`,
        );
        const described = ok(await k('describe', 'pod', 'classed'));
        assert.match(described, /^Priority:\s+1000$/m);
        assert.match(described, new RegExp(`^Priority Class Name:\\s+${high}$`, 'm'));

        ok(await k('create', '-f', c.file(`${ns}/plain.yaml`, POD('plain'))));
        assert.equal(ok(await k('get', 'pod', 'plain', '-o', 'jsonpath={.spec.priority}')), '0');
        const plain = ok(await k('describe', 'pod', 'plain'));
        assert.match(plain, /^Priority:\s+0$/m);
        assert.doesNotMatch(plain, /^Priority Class Name:/m);
      });

      test('an unknown class is refused with kube-apiserver text', async () => {
        const file = c.file(`${ns}/unknown.yaml`, POD('unknown', 'foo'));
        assert.equal(
          fails(await k('create', '-f', file)),
          `Error from server (Forbidden): error when creating "${file}": pods "unknown" is forbidden: no PriorityClass with name foo was found\n`,
        );
        assert.match(fails(await k('get', 'pod', 'unknown')), /pods "unknown" not found/);
      });

      test('one global default, which pods without a class then get', async () => {
        const fallback = `fallback-${v}`;
        ok(
          await c.kubectl(v, [
            'create',
            'priorityclass',
            fallback,
            '--value=50',
            '--global-default=true',
            '--preemption-policy=Never',
          ]),
        );
        try {
          assert.match(
            ok(await c.kubectl(v, ['get', 'pc', fallback])),
            new RegExp(`\\n${fallback}\\s+50\\s+true\\s+${AGE}\\s+Never\\n$`),
          );
          assert.equal(
            fails(
              await c.kubectl(v, [
                'create',
                'priorityclass',
                `other-${v}`,
                '--value=60',
                '--global-default=true',
              ]),
            ),
            `error: failed to create priorityclass: priorityclasses.scheduling.k8s.io "other-${v}" is forbidden: PriorityClass ${fallback} is already marked as default. Only one default can exist\n`,
          );
          ok(await k('create', '-f', c.file(`${ns}/defaulted.yaml`, POD('defaulted'))));
          assert.equal(
            ok(
              await k(
                'get',
                'pod',
                'defaulted',
                '-o',
                'jsonpath={.spec.priority} {.spec.priorityClassName} {.spec.preemptionPolicy}',
              ),
            ),
            `50 ${fallback} Never`,
          );
        } finally {
          ok(await c.kubectl(v, ['delete', 'pc', fallback]));
        }
      });
    });
  }
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../../errors.js';
import type { KubeObject, StrategyContext } from '../../types.js';
import { podDisruptionBudgetResource } from './index.js';

const ctx: StrategyContext = { namespace: 'ns', now: new Date('2026-01-01T00:01:10Z') };
const s = podDisruptionBudgetResource.strategy;

const pdb = (spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: 'web', namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec,
  ...(status ? { status } : {}),
});

const errors = (o: KubeObject): string[] => (s.validate?.(o, ctx) ?? []).map(fieldErrorText);
const statusErrors = (o: KubeObject): string[] =>
  (podDisruptionBudgetResource.statusStrategy?.validateUpdate(o, o) ?? []).map(fieldErrorText);

const SELECTOR = { matchLabels: { app: 'web' } };
const PERCENT =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

void describe('PodDisruptionBudget', () => {
  void it('is served as policy/v1 poddisruptionbudgets (pdb) with a status subresource', () => {
    const d = podDisruptionBudgetResource;
    assert.deepEqual(
      [d.group, d.version, d.plural, d.kind],
      ['policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget'],
    );
    assert.deepEqual(d.shortNames, ['pdb']);
    assert.deepEqual(
      d.subresources?.map((x) => x.name),
      ['status'],
    );
    assert.equal(d.strategy.tracksGeneration, true);
  });

  void it('takes minAvailable or maxUnavailable as an int or a percent', () => {
    assert.deepEqual(errors(pdb({ minAvailable: 2, selector: SELECTOR })), []);
    assert.deepEqual(errors(pdb({ minAvailable: '50%', selector: SELECTOR })), []);
    assert.deepEqual(errors(pdb({ maxUnavailable: '100%', selector: SELECTOR })), []);
    assert.deepEqual(errors(pdb({ maxUnavailable: 0 })), []);
    assert.deepEqual(errors(pdb({ minAvailable: -1 })), [
      'spec.minAvailable: Invalid value: -1: must be greater than or equal to 0',
    ]);
    assert.deepEqual(errors(pdb({ maxUnavailable: '150%' })), [
      'spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
    ]);
    assert.deepEqual(errors(pdb({ minAvailable: 'half' })), [
      `spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"half"}: ${PERCENT}`,
    ]);
  });

  void it('refuses both bounds, a bad selector and an unknown eviction policy', () => {
    assert.deepEqual(errors(pdb({ minAvailable: 1, maxUnavailable: 1, selector: SELECTOR })), [
      'spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000a1c0a0), Selector:(*v1.LabelSelector)(0xc000a1c0c0), MaxUnavailable:(*intstr.IntOrString)(0xc000a1c0e0), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: minAvailable and maxUnavailable cannot be both set',
    ]);
    assert.deepEqual(
      errors(
        pdb({
          minAvailable: 1,
          selector: { matchExpressions: [{ key: 'app', operator: 'In' }] },
        }),
      ),
      [
        "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      ],
    );
    assert.deepEqual(errors(pdb({ minAvailable: 1, unhealthyPodEvictionPolicy: 'Never' })), [
      'spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"',
    ]);
    assert.deepEqual(
      errors(pdb({ minAvailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' })),
      [],
    );
  });

  void it('validates status counters and conditions', () => {
    assert.deepEqual(
      statusErrors(
        pdb(
          { minAvailable: 1 },
          {
            disruptionsAllowed: -1,
            currentHealthy: 0,
            desiredHealthy: 0,
            expectedPods: -2,
            conditions: [
              { type: 'DisruptionAllowed', status: 'Maybe', reason: 'x y', message: '' },
            ],
          },
        ),
      ),
      [
        'status.conditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
        'status.conditions[0].lastTransitionTime: Required value: must be set',
        "status.conditions[0].reason: Invalid value: \"x y\": a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')",
        'status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0',
        'status.expectedPods: Invalid value: -2: must be greater than or equal to 0',
      ],
    );
  });

  void it('starts from an empty status and keeps the status on spec updates', () => {
    const created = pdb({ minAvailable: 1 }, { disruptionsAllowed: 5 });
    s.prepareForCreate?.(created, ctx);
    assert.deepEqual(created['status'], {
      disruptionsAllowed: 0,
      currentHealthy: 0,
      desiredHealthy: 0,
      expectedPods: 0,
    });
    const updated = pdb({ minAvailable: 2 }, { disruptionsAllowed: 9 });
    s.prepareForUpdate?.(updated, pdb({ minAvailable: 1 }, { disruptionsAllowed: 1 }), ctx);
    assert.deepEqual(updated['status'], { disruptionsAllowed: 1 });
  });

  void it('prints as kubectl get pdb does, N/A for the unset bound', () => {
    assert.deepEqual(
      s.columns?.map((c) => [c.name, c.type]),
      [
        ['Name', 'string'],
        ['Min Available', 'string'],
        ['Max Unavailable', 'string'],
        ['Allowed Disruptions', 'integer'],
        ['Age', 'string'],
      ],
    );
    assert.deepEqual(s.row?.(pdb({ minAvailable: 1 }, { disruptionsAllowed: 1 }), ctx.now), [
      'web',
      '1',
      'N/A',
      1,
      '70s',
    ]);
    assert.deepEqual(s.row?.(pdb({ maxUnavailable: '25%' }), ctx.now), [
      'web',
      'N/A',
      '25%',
      0,
      '70s',
    ]);
  });
});

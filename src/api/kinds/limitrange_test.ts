import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { KubeObject, StrategyContext } from '../types.js';
import { limitRangeResource } from './limitrange.js';

const ctx: StrategyContext = { namespace: 'default', now: new Date('2024-01-01T00:00:30Z') };
const s = limitRangeResource.strategy;
const lr = (...limits: object[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'LimitRange',
  metadata: { name: 'lr', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: { limits },
});
const defaulted = (obj: KubeObject): KubeObject => {
  s.defaults?.(obj, ctx);
  return obj;
};
const validate = (obj: KubeObject): string[] =>
  (s.validate?.(defaulted(obj), ctx) ?? []).map(fieldErrorText);
const goQ = (value: number, scale: number, text: string, format = 'DecimalSI'): string =>
  `resource.Quantity{i:resource.int64Amount{value:${value}, scale:${scale}}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"${text}", Format:"${format}"}`;

void describe('LimitRange', () => {
  void it('is served as limitranges, short name limits', () => {
    assert.equal(limitRangeResource.plural, 'limitranges');
    assert.deepEqual(limitRangeResource.shortNames, ['limits']);
    assert.equal(limitRangeResource.namespaced, true);
  });

  void it('defaults a Container item: default from max, defaultRequest from default or min', () => {
    const obj = defaulted(
      lr(
        { type: 'Container', max: { cpu: '1', memory: '1Gi' }, min: { cpu: 0.1 } },
        { type: 'Container', default: { cpu: '500m' }, min: { memory: '64Mi' } },
        { type: 'Pod', max: { cpu: '2000m' } },
      ),
    );
    assert.deepEqual(obj.spec, {
      limits: [
        {
          type: 'Container',
          max: { cpu: '1', memory: '1Gi' },
          min: { cpu: '100m' },
          default: { cpu: '1', memory: '1Gi' },
          defaultRequest: { cpu: '1', memory: '1Gi' },
        },
        {
          type: 'Container',
          default: { cpu: '500m' },
          min: { memory: '64Mi' },
          defaultRequest: { cpu: '500m', memory: '64Mi' },
        },
        // Only Container items get defaults; quantities come back canonical.
        { type: 'Pod', max: { cpu: '2' } },
      ],
    });
    // Nothing to copy: no empty lists appear.
    assert.deepEqual(defaulted(lr({ type: 'Container', maxLimitRequestRatio: { cpu: 2 } })).spec, {
      limits: [{ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }],
    });
  });

  void it('accepts the usual shapes', () => {
    assert.deepEqual(
      validate(
        lr(
          {
            type: 'Container',
            min: { cpu: '100m', memory: '64Mi' },
            max: { cpu: '1', memory: '1Gi' },
            default: { cpu: '500m' },
            defaultRequest: { cpu: '200m' },
            maxLimitRequestRatio: { cpu: '10' },
          },
          { type: 'Pod', max: { cpu: '2' } },
          { type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } },
          { type: 'example.com/Thing', max: { 'example.com/widgets': '3' } },
        ),
      ),
      [],
    );
  });

  void it('checks types and resource names', () => {
    assert.deepEqual(validate(lr({ type: 'Node', max: { cpu: '1' } })), [
      'spec.limits[0].type: Invalid value: "Node": must be a standard limit type or fully qualified',
    ]);
    // An item without a type (the field is written as "" by Go clients).
    assert.deepEqual(validate(lr({ max: { storage: '1Gi' } })), [
      'spec.limits[0].type: Invalid value: "": name part must be non-empty',
      "spec.limits[0].type: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]);
    assert.deepEqual(validate(lr({ type: 'Pod', max: { cpu: '1' } }, { type: 'Pod' })), [
      'spec.limits[1].type: Duplicate value: "Pod"',
    ]);
    assert.deepEqual(validate(lr({ type: 'Container', max: { storage: '1Gi' } })), [
      'spec.limits[0].max[storage]: Invalid value: "storage": must be a standard resource for containers',
      'spec.limits[0].default[storage]: Invalid value: "storage": must be a standard resource for containers',
      'spec.limits[0].defaultRequest[storage]: Invalid value: "storage": must be a standard resource for containers',
    ]);
    assert.deepEqual(
      validate(lr({ type: 'PersistentVolumeClaim', max: { storage: '1Gi', widgets: '1' } })),
      [
        'spec.limits[0].max[widgets]: Invalid value: "widgets": must be a standard resource type or fully qualified',
      ],
    );
    assert.deepEqual(validate(lr({ type: 'PersistentVolumeClaim', max: { cpu: '1' } })), [
      'spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided',
    ]);
    assert.deepEqual(validate(lr({ type: 'Pod', max: { cpu: 'lots' } })), [
      'spec.limits[0].max[cpu]: Invalid value: "lots": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'',
    ]);
  });

  void it('forbids defaults on Pod items', () => {
    assert.deepEqual(
      validate(lr({ type: 'Pod', default: { cpu: '1' }, defaultRequest: { cpu: '1' } })),
      [
        "spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'",
        "spec.limits[0].defaultRequest: Forbidden: may not be specified when `type` is 'Pod'",
      ],
    );
  });

  void it('orders min <= defaultRequest <= default <= max, with kube bad values', () => {
    assert.deepEqual(validate(lr({ type: 'Pod', min: { cpu: '2' }, max: { cpu: '1' } })), [
      `spec.limits[0].min[cpu]: Invalid value: ${goQ(2, 0, '2')}: min value 2 is greater than max value 1`,
    ]);
    assert.deepEqual(
      validate(
        lr({ type: 'Container', max: { memory: '1Gi' }, defaultRequest: { memory: '2Gi' } }),
      ),
      [
        `spec.limits[0].defaultRequest[memory]: Invalid value: ${goQ(2147483648, 0, '2Gi', 'BinarySI')}: default request value 2Gi is greater than max value 1Gi`,
        `spec.limits[0].defaultRequest[memory]: Invalid value: ${goQ(2147483648, 0, '2Gi', 'BinarySI')}: default request value 2Gi is greater than default limit value 1Gi`,
      ],
    );
    assert.deepEqual(
      validate(lr({ type: 'Container', min: { cpu: '500m' }, defaultRequest: { cpu: '200m' } })),
      [
        `spec.limits[0].defaultRequest[cpu]: Invalid value: ${goQ(200, -3, '200m')}: min value 500m is greater than default request value 200m`,
      ],
    );
    assert.deepEqual(
      validate(lr({ type: 'Container', min: { cpu: '500m' }, default: { cpu: '200m' } })),
      [
        `spec.limits[0].defaultRequest[cpu]: Invalid value: ${goQ(200, -3, '200m')}: min value 500m is greater than default request value 200m`,
        `spec.limits[0].default[cpu]: Invalid value: ${goQ(500, -3, '500m')}: min value 500m is greater than default value 200m`,
      ],
    );
    // The defaulted defaultRequest (the default) is over the max too.
    assert.deepEqual(
      validate(lr({ type: 'Container', max: { cpu: '1' }, default: { cpu: '2' } })),
      [
        `spec.limits[0].defaultRequest[cpu]: Invalid value: ${goQ(2, 0, '2')}: default request value 2 is greater than max value 1`,
        `spec.limits[0].default[cpu]: Invalid value: ${goQ(1, 0, '1')}: default value 2 is greater than max value 1`,
      ],
    );
  });

  void it('bounds maxLimitRequestRatio', () => {
    assert.deepEqual(validate(lr({ type: 'Pod', maxLimitRequestRatio: { cpu: '500m' } })), [
      `spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: ${goQ(500, -3, '500m')}: ratio 500m is less than 1`,
    ]);
    assert.deepEqual(
      validate(
        lr({
          type: 'Pod',
          min: { cpu: '250m' },
          max: { cpu: '1' },
          maxLimitRequestRatio: { cpu: '5' },
        }),
      ),
      [
        `spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: ${goQ(5, 0, '5')}: ratio 5 is greater than max/min = 4.000000`,
      ],
    );
  });

  void it('wants default and defaultRequest equal for resources that cannot overcommit', () => {
    assert.deepEqual(
      validate(
        lr({
          type: 'Container',
          default: { 'hugepages-2Mi': '4Mi' },
          defaultRequest: { 'hugepages-2Mi': '2Mi' },
        }),
      ),
      [
        `spec.limits[0].defaultRequest[hugepages-2Mi]: Invalid value: ${goQ(2097152, 0, '2Mi', 'BinarySI')}: default value 4Mi must equal to defaultRequest value 2Mi in hugepages-2Mi`,
      ],
    );
  });

  void it('prints Name and Created At', () => {
    assert.deepEqual(
      s.columns?.map((c) => [c.name, c.type]),
      [
        ['Name', 'string'],
        ['Created At', 'date'],
      ],
    );
    assert.deepEqual(s.row?.(lr(), ctx.now), ['lr', '2024-01-01T00:00:00Z']);
  });
});

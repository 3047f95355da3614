import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { KubeObject, StrategyContext } from '../types.js';
import { coreToEventsV1, eventResource, eventsV1Resource, eventsV1ToCore } from './event.js';

const ctx: StrategyContext = { namespace: 'default', now: new Date('2024-01-01T00:10:00Z') };
const core = eventResource.strategy;
const v1 = eventsV1Resource.strategy;

const coreEvent = (extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'web-1.17a', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
  involvedObject: {
    kind: 'Pod',
    namespace: 'default',
    name: 'web-1',
    uid: 'u1',
    apiVersion: 'v1',
    fieldPath: 'spec.containers{web}',
  },
  reason: 'Pulled',
  message: 'Successfully pulled image "nginx"\n',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2024-01-01T00:01:00Z',
  lastTimestamp: '2024-01-01T00:08:00Z',
  count: 3,
  type: 'Normal',
  ...extra,
});

const v1Event = (extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name: 'web-1.17b', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
  eventTime: '2024-01-01T00:05:00.000000Z',
  reportingController: 'skiff.io/scheduler',
  reportingInstance: 'scheduler-1',
  action: 'Binding',
  reason: 'Scheduled',
  regarding: { kind: 'Pod', namespace: 'default', name: 'web-1' },
  note: 'Successfully assigned default/web-1 to node-1',
  type: 'Normal',
  ...extra,
});

void describe('core/v1 Event', () => {
  void it('accepts a legacy event and checks the involved namespace', () => {
    assert.deepEqual(core.validate?.(coreEvent(), ctx), []);
    const errs =
      core.validate?.(
        coreEvent({ involvedObject: { kind: 'Pod', namespace: 'other', name: 'x' } }),
        ctx,
      ) ?? [];
    assert.deepEqual(errs.map(fieldErrorText), [
      'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
    ]);
  });

  void it('requires reporting fields on events with an eventTime', () => {
    const errs = (
      core.validate?.(coreEvent({ eventTime: '2024-01-01T00:00:00.000000Z' }), ctx) ?? []
    ).map(fieldErrorText);
    for (const e of [
      'reportingController: Required value',
      'reportingInstance: Required value',
      'action: Required value',
    ])
      assert.ok(errs.includes(e), e);
    const ok = coreEvent({
      eventTime: '2024-01-01T00:00:00.000000Z',
      reportingComponent: 'kubelet',
      reportingInstance: 'node-1',
      action: 'Pull',
    });
    assert.deepEqual(core.validate?.(ok, ctx), []);
  });

  void it('prints like kubectl get events (wide cells included)', () => {
    assert.deepEqual(core.row?.(coreEvent(), ctx.now), [
      '2m',
      'Normal',
      'Pulled',
      'pod/web-1',
      'spec.containers{web}',
      'kubelet, node-1',
      'Successfully pulled image "nginx"',
      '9m',
      3,
      'web-1.17a',
    ]);
    assert.deepEqual(
      core.columns?.map((c) => [c.name, c.priority]),
      [
        ['Last Seen', 0],
        ['Type', 0],
        ['Reason', 0],
        ['Object', 0],
        ['Subobject', 1],
        ['Source', 1],
        ['Message', 0],
        ['First Seen', 1],
        ['Count', 1],
        ['Name', 1],
      ],
    );
  });

  void it('selects on the involved object, reason, source and type', () => {
    assert.deepEqual(core.selectableFields?.(coreEvent()), {
      'involvedObject.kind': 'Pod',
      'involvedObject.namespace': 'default',
      'involvedObject.name': 'web-1',
      'involvedObject.uid': 'u1',
      'involvedObject.apiVersion': 'v1',
      'involvedObject.resourceVersion': '',
      'involvedObject.fieldPath': 'spec.containers{web}',
      reason: 'Pulled',
      reportingComponent: '',
      source: 'kubelet',
      type: 'Normal',
    });
  });
});

void describe('events.k8s.io/v1 Event', () => {
  void it('shares the core storage and converts both ways', () => {
    assert.deepEqual(eventsV1Resource.storageOf, { group: '', plural: 'events' });
    const c = eventsV1ToCore(v1Event());
    assert.equal(c.message, 'Successfully assigned default/web-1 to node-1');
    assert.equal(c.reportingComponent, 'skiff.io/scheduler');
    assert.deepEqual(c.involvedObject, { kind: 'Pod', namespace: 'default', name: 'web-1' });
    const back = coreToEventsV1(c);
    assert.equal(back.note, c.message);
    assert.deepEqual(back.regarding, c.involvedObject);
    assert.equal(back.deprecatedSource, undefined);
  });

  void it('applies the strict rules to new events', () => {
    assert.deepEqual(v1.validate?.(v1Event(), ctx), []);
    const errs =
      v1.validate?.(v1Event({ type: 'Info', eventTime: null, deprecatedCount: 2 }), ctx) ?? [];
    assert.deepEqual(errs.map(fieldErrorText), [
      'eventTime: Required value',
      'type: Invalid value: "": has invalid value: Info',
      'count: Invalid value: "": needs to be unset',
    ]);
    const next = v1Event({ note: 'changed' });
    assert.deepEqual((v1.validateUpdate?.(next, v1Event(), ctx) ?? []).map(fieldErrorText), [
      'message: Invalid value: "changed": field is immutable',
    ]);
  });

  void it('prints series events with their count and last observation', () => {
    const e = v1Event({ series: { count: 4, lastObservedTime: '2024-01-01T00:09:30.000000Z' } });
    const row = v1.row?.(e, ctx.now) ?? [];
    assert.deepEqual(
      [row[0], row[3], row[5], row[7], row[8]],
      ['30s', 'pod/web-1', 'skiff.io/scheduler, scheduler-1', '5m', 4],
    );
    assert.equal(v1.selectableFields?.(e)['regarding.name'], 'web-1');
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../../../test/support/inprocess.js';
import { StatusError, resources } from '../../../client/index.js';
import type { ResourceRef } from '../../../client/index.js';
import type { KubeObject } from '../../../api/types.js';
import { globalDefaultClass } from './priority.js';

const priorityClasses: ResourceRef = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  plural: 'priorityclasses',
  namespaced: false,
};

const pc = (name: string, value: number, fields: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'scheduling.k8s.io/v1',
  kind: 'PriorityClass',
  metadata: { name },
  value,
  ...fields,
});
const pod = (
  name: string,
  spec: Record<string, unknown> = {},
  namespace = 'default',
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
});
type PodSpec = { priority?: number; preemptionPolicy?: string; priorityClassName?: string };
const specOf = (p: KubeObject): PodSpec => p['spec'] as PodSpec;

const refused =
  (code: number, message: string) =>
  (e: unknown): boolean =>
    (e instanceof StatusError && e.code === code && e.message === message) ||
    assert.fail(e instanceof Error ? e.message : String(e));

void describe('globalDefaultClass', () => {
  void it('is the default class of lowest value when a race left several', () => {
    const got = globalDefaultClass([
      pc('a', 10, { globalDefault: true }),
      pc('b', 5, { globalDefault: true }),
      pc('c', 1),
    ]);
    assert.equal(got?.metadata.name, 'b');
    assert.equal(globalDefaultClass([pc('c', 1)]), undefined);
  });
});

void describe('Priority admission', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(async () => api.close());

  void it('has the two system classes from the start, which cannot be deleted', async () => {
    const list = await api.client.list(priorityClasses, '');
    assert.deepEqual(
      list.items.map((c) => [c.metadata.name, c['value'], c['preemptionPolicy']]),
      [
        ['system-cluster-critical', 2000000000, 'PreemptLowerPriority'],
        ['system-node-critical', 2000001000, 'PreemptLowerPriority'],
      ],
    );
    for (const name of ['system-node-critical', 'system-cluster-critical'])
      await assert.rejects(
        api.client.delete(priorityClasses, '', name),
        refused(
          403,
          `priorityclasses.scheduling.k8s.io "${name}" is forbidden: this is a system priority class and cannot be deleted`,
        ),
      );
  });

  void it('gives a pod without a class priority 0 and PreemptLowerPriority', async () => {
    const p = await api.client.create(resources.pods, 'default', pod('plain'));
    assert.equal(specOf(p).priority, 0);
    assert.equal(specOf(p).preemptionPolicy, 'PreemptLowerPriority');
    assert.equal(specOf(p).priorityClassName, undefined);
  });

  void it("resolves the pod's class into priority and preemption policy", async () => {
    await api.client.create(priorityClasses, '', pc('never', 300, { preemptionPolicy: 'Never' }));
    const p = await api.client.create(
      resources.pods,
      'default',
      pod('classed', { priorityClassName: 'never' }),
    );
    assert.equal(specOf(p).priority, 300);
    assert.equal(specOf(p).preemptionPolicy, 'Never');
    // The system classes may be used in any namespace.
    const sys = await api.client.create(
      resources.pods,
      'default',
      pod('critical', { priorityClassName: 'system-node-critical' }),
    );
    assert.equal(specOf(sys).priority, 2000001000);
    // A priority that agrees with the class is accepted.
    const same = await api.client.create(
      resources.pods,
      'default',
      pod('same', { priorityClassName: 'never', priority: 300, preemptionPolicy: 'Never' }),
    );
    assert.equal(specOf(same).priority, 300);
  });

  void it('refuses an unknown class, and a priority or policy of its own', async () => {
    await assert.rejects(
      api.client.create(resources.pods, 'default', pod('x', { priorityClassName: 'foo' })),
      refused(403, 'pods "x" is forbidden: no PriorityClass with name foo was found'),
    );
    await assert.rejects(
      api.client.create(resources.pods, 'default', pod('y', { priority: 7 })),
      refused(
        403,
        'pods "y" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name',
      ),
    );
    await assert.rejects(
      api.client.create(
        resources.pods,
        'default',
        pod('z', { priorityClassName: 'never', preemptionPolicy: 'PreemptLowerPriority' }),
      ),
      refused(
        403,
        'pods "z" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name',
      ),
    );
  });

  void it('allows one global default, which pods without a class then get', async () => {
    await api.client.create(priorityClasses, '', pc('fallback', 50, { globalDefault: true }));
    await assert.rejects(
      api.client.create(priorityClasses, '', pc('other', 60, { globalDefault: true })),
      refused(
        403,
        'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass fallback is already marked as default. Only one default can exist',
      ),
    );
    // Marking another class default is refused too; the default itself may be updated.
    const never = await api.client.get(priorityClasses, '', 'never');
    await assert.rejects(
      api.client.update(priorityClasses, { ...never, globalDefault: true }),
      refused(
        403,
        'priorityclasses.scheduling.k8s.io "never" is forbidden: PriorityClass fallback is already marked as default. Only one default can exist',
      ),
    );
    const fallback = await api.client.get(priorityClasses, '', 'fallback');
    await api.client.update(priorityClasses, {
      ...fallback,
      description: 'the default',
    });

    const p = await api.client.create(resources.pods, 'default', pod('defaulted'));
    assert.equal(specOf(p).priorityClassName, 'fallback');
    assert.equal(specOf(p).priority, 50);
    await api.client.delete(priorityClasses, '', 'fallback');
    const q = await api.client.create(resources.pods, 'default', pod('after'));
    assert.equal(specOf(q).priority, 0);
    assert.equal(specOf(q).priorityClassName, undefined);
  });

  void it('keeps the priority on an update that leaves it out', async () => {
    const p = await api.client.get(resources.pods, 'default', 'classed');
    const spec = { ...(p['spec'] as Record<string, unknown>) };
    delete spec['priority'];
    delete spec['preemptionPolicy'];
    const u = await api.client.update(resources.pods, {
      ...p,
      metadata: { ...p.metadata, labels: { touched: 'yes' } },
      spec,
    });
    assert.equal(specOf(u).priority, 300);
    assert.equal(specOf(u).preemptionPolicy, 'Never');
  });
});

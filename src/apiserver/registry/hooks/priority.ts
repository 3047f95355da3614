// The Priority admission step, as kube-apiserver's plugin runs it. Pods, on create: the
// class named by spec.priorityClassName (or, when none is named, the global default class,
// whose name the pod then carries) gives spec.priority and spec.preemptionPolicy; with no
// class named and no default, priority 0 and PreemptLowerPriority. A class that does not
// exist, or a priority or preemption policy the pod sets itself that differs from its
// class's, is refused with 403. Any namespace may use the system classes (their use is
// limited by ResourceQuota only when a quota says so). PriorityClasses, on create and
// update: only one may be the global default. The system classes may not be deleted.

import type { KubeObject, ResourceDef } from '../../../api/types.js';
import { forbidden } from '../../../api/errors.js';
import {
  DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS,
  PREEMPT_LOWER_PRIORITY,
  isGlobalDefault,
  isSystemPriorityClass,
  priorityValue,
} from '../../../api/kinds/index.js';
import { resourcePrefix } from '../keys.js';
import type { HookContext, ResourceHooks } from '../types.js';

type Obj = Record<string, unknown>;

const PODS = { group: '', resource: 'pods' };
const PRIORITY_CLASSES = { group: 'scheduling.k8s.io', resource: 'priorityclasses' };

async function listClasses(ctx: HookContext, classes: ResourceDef): Promise<KubeObject[]> {
  const stored = await ctx.registry.store.list(resourcePrefix(classes));
  return stored.items.map((kv) => JSON.parse(kv.value) as KubeObject);
}

/**
 * The global default class: when a race has left several, the one with the lowest value
 * (then the first by name).
 */
export function globalDefaultClass(all: readonly KubeObject[]): KubeObject | undefined {
  let found: KubeObject | undefined;
  for (const pc of all)
    if (isGlobalDefault(pc) && (!found || priorityValue(pc) < priorityValue(found))) found = pc;
  return found;
}

/** Resolves a new pod's priority from its class; throws kube's 403 when it cannot. */
export async function admitPodPriority(
  pod: KubeObject,
  ctx: HookContext,
  classes: ResourceDef,
): Promise<void> {
  const spec = (pod['spec'] ??= {}) as Obj;
  const className = typeof spec['priorityClassName'] === 'string' ? spec['priorityClassName'] : '';
  let priority = DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS;
  let policy: unknown = PREEMPT_LOWER_PRIORITY;
  if (!className) {
    const pc = globalDefaultClass(await listClasses(ctx, classes));
    if (pc) {
      spec['priorityClassName'] = pc.metadata.name;
      priority = priorityValue(pc);
      policy = (pc as Obj)['preemptionPolicy'];
    }
  } else {
    const pc = await ctx.registry.tryGet(classes, '', className);
    if (!pc)
      throw forbidden(PODS, pod.metadata.name, `no PriorityClass with name ${className} was found`);
    priority = priorityValue(pc);
    policy = (pc as Obj)['preemptionPolicy'];
  }
  const own = spec['priority'];
  if (typeof own === 'number' && own !== priority)
    throw forbidden(
      PODS,
      pod.metadata.name,
      `the integer value of priority (${own}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
    );
  spec['priority'] = priority;
  if (typeof policy === 'string' && policy) {
    const ownPolicy = spec['preemptionPolicy'];
    if (typeof ownPolicy === 'string' && ownPolicy && ownPolicy !== policy)
      throw forbidden(
        PODS,
        pod.metadata.name,
        `the string value of PreemptionPolicy (${ownPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
      );
    spec['preemptionPolicy'] = policy;
  }
}

/** validatePriorityClass: a class may become the global default only when none other is. */
async function admitGlobalDefault(
  pc: KubeObject,
  ctx: HookContext,
  classes: ResourceDef,
  update: boolean,
): Promise<void> {
  if (!isGlobalDefault(pc)) return;
  const current = globalDefaultClass(await listClasses(ctx, classes));
  if (!current) return;
  if (!update || current.metadata.name !== pc.metadata.name)
    throw forbidden(
      PRIORITY_CLASSES,
      pc.metadata.name,
      `PriorityClass ${current.metadata.name ?? ''} is already marked as default. Only one default can exist`,
    );
}

export function priorityClassHooks(classes: ResourceDef): ResourceHooks {
  return {
    beforeCreate: (pc, ctx) => admitGlobalDefault(pc, ctx, classes, false),
    beforeUpdate: (pc, _old, ctx) => admitGlobalDefault(pc, ctx, classes, true),
    beforeDelete(pc) {
      const name = pc.metadata.name ?? '';
      if (isSystemPriorityClass(name))
        throw forbidden(
          PRIORITY_CLASSES,
          name,
          'this is a system priority class and cannot be deleted',
        );
    },
  };
}

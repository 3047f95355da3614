// One pass over a StatefulSet's pods (kube's defaultStatefulSetControl.updateStatefulSet):
// missing ordinals are created, failed pods replaced, ordinals beyond the range condemned,
// and pods not at the update revision replaced from the highest ordinal down to the
// partition. OrderedReady ("monotonic") does one step at a time and waits for each pod to be
// Running and Ready (and available) before the next; Parallel does them all at once.

import type { Pod } from '../replicaset/types.js';
import { slowStartBatch } from '../replicaset/slowstart.js';
import type { Revision } from './history.js';
import { applyRevision } from './history.js';
import {
  identityMatches,
  inOrdinalRange,
  isCreated,
  newStatefulSetPod,
  ordinalOf,
  podRevision,
  replicaCount,
  startOrdinal,
  storageMatches,
} from './identity.js';
import type { StatefulPodControl } from './podcontrol.js';
import {
  countReplicas,
  isRunningAndAvailable,
  isRunningAndReady,
  isTerminating,
  isUnavailable,
} from './status.js';
import type { StatefulSet, StatefulSetStatus } from './types.js';

export interface ControlInput {
  set: StatefulSet;
  pods: Pod[];
  current: Revision;
  update: Revision;
  collisionCount: number;
  now: Date;
}

/** A step's outcome: stop here (waiting, or one change made) and any error. */
type Step = Promise<boolean>;

/** newVersionedStatefulSetPod: ordinals below the partition keep the current revision. */
function versionedPod(
  currentSet: StatefulSet,
  updateSet: StatefulSet,
  current: string,
  update: string,
  ordinal: number,
): Pod {
  const strategy = currentSet.spec?.updateStrategy;
  const start = startOrdinal(currentSet);
  const partition = strategy?.rollingUpdate?.partition;
  const keepCurrent =
    strategy?.type === 'RollingUpdate' &&
    (partition === undefined
      ? ordinal < start + (currentSet.status?.currentReplicas ?? 0)
      : ordinal < start + partition);
  return keepCurrent
    ? newStatefulSetPod(currentSet, ordinal, current)
    : newStatefulSetPod(updateSet, ordinal, update);
}

/** runForAll: in order, stopping at the first step that says so; or all at once (Parallel). */
async function runForAll(count: number, fn: (i: number) => Step, monotonic: boolean): Step {
  if (monotonic) {
    for (let i = 0; i < count; i++) if (await fn(i)) return true;
    return false;
  }
  let next = 0;
  const { error } = await slowStartBatch(count, 1, () => fn(next++));
  if (error !== undefined) throw error;
  return false;
}

/**
 * Runs one pass and returns the status to record. Errors from the API are thrown after the
 * status is attached (the caller records it either way, as kube does).
 */
export async function updateStatefulSet(
  input: ControlInput,
  control: StatefulPodControl,
): Promise<{ status: StatefulSetStatus; error?: unknown }> {
  const { set, pods, current, update, collisionCount, now } = input;
  const currentSet = applyRevision(set, current);
  const updateSet = applyRevision(set, update);
  const currentName = current.metadata.name ?? '';
  const updateName = update.metadata.name ?? '';
  const minReady = set.spec?.minReadySeconds ?? 0;
  const status: StatefulSetStatus = {
    observedGeneration: set.metadata.generation ?? 0,
    currentRevision: currentName,
    updateRevision: updateName,
    collisionCount,
  };
  const recount = (...lists: Pod[][]): void =>
    countReplicas(status, minReady, currentName, updateName, now, ...lists);
  recount(pods);

  const start = startOrdinal(set);
  const replicas: (Pod | undefined)[] = new Array<Pod | undefined>(replicaCount(set));
  const condemned: Pod[] = [];
  for (const pod of pods) {
    if (inOrdinalRange(pod, set)) replicas[ordinalOf(pod) - start] = pod;
    else if (ordinalOf(pod) >= 0) condemned.push(pod);
  }
  for (let i = 0; i < replicas.length; i++)
    replicas[i] ??= versionedPod(currentSet, updateSet, currentName, updateName, start + i);
  const living = replicas as Pod[];
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));

  let firstUnavailable: Pod | undefined;
  for (const p of living)
    if (!firstUnavailable && isUnavailable(p, minReady, now)) firstUnavailable = p;
  for (let i = condemned.length - 1; i >= 0 && !firstUnavailable; i--) {
    const p = condemned[i] as Pod;
    if (isUnavailable(p, minReady, now)) firstUnavailable = p;
  }

  if (set.metadata.deletionTimestamp) return { status };
  const monotonic = set.spec?.podManagementPolicy !== 'Parallel';

  const processReplica = async (i: number): Step => {
    const pod = living[i] as Pod;
    const phase = pod.status?.phase;
    // Succeeded counts too: a pod stopped on a node reboot ends by its exit code.
    if (phase === 'Failed' || phase === 'Succeeded') {
      if (!isTerminating(pod)) await control.deletePod(set, pod);
      // The replacement comes on the next pass, once the pod is gone.
      return true;
    }
    if (!isCreated(pod)) {
      if (await control.claimIsStale(set, pod)) return true;
      await control.createPod(set, pod);
      if (monotonic) return true;
    }
    if (phase === 'Pending' && (set.spec?.volumeClaimTemplates ?? []).length)
      await control.createMissingClaims(set, pod);
    if (isTerminating(pod) && monotonic) return true;
    if (!isRunningAndReady(pod) && monotonic) return true;
    if (!isRunningAndAvailable(pod, minReady, now) && monotonic) return true;
    if (!isCreated(pod)) return false;
    if (identityMatches(set, pod) && storageMatches(set, pod)) return false;
    await control.updatePod(updateSet, pod);
    return false;
  };

  const processCondemned = async (i: number): Step => {
    const pod = condemned[i] as Pod;
    if (isTerminating(pod)) return monotonic;
    if (monotonic && pod !== firstUnavailable && !isRunningAndAvailable(pod, minReady, now))
      return true;
    await control.deletePod(set, pod);
    return true;
  };

  try {
    if (await runForAll(living.length, processReplica, monotonic)) {
      recount(living, condemned);
      return { status };
    }
    // Claims of condemned pods get the owners the retention policy wants before they go.
    if (
      await runForAll(
        condemned.length,
        async (i) => {
          await control.fixClaimOwners(updateSet, condemned[i] as Pod);
          return false;
        },
        monotonic,
      )
    ) {
      recount(living, condemned);
      return { status };
    }
    if (await runForAll(condemned.length, processCondemned, monotonic)) {
      recount(living, condemned);
      return { status };
    }
    recount(living, condemned);
    if (set.spec?.updateStrategy?.type === 'OnDelete') return { status };

    // Rolling update: the highest ordinal not at the update revision goes first, one at a
    // time, never below the partition, waiting for each replacement to be available.
    const updateMin = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let target = living.length - 1; target >= updateMin; target--) {
      const pod = living[target] as Pod;
      if (podRevision(pod) !== updateName && !isTerminating(pod)) {
        await control.deletePod(set, pod);
        status.currentReplicas = (status.currentReplicas ?? 0) - 1;
        return { status };
      }
      if (isUnavailable(pod, minReady, now)) return { status };
    }
    return { status };
  } catch (error) {
    recount(living, condemned);
    return { status, error };
  }
}

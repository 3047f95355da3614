// The printer behind `kubectl get pods` (printPod).

import type { KubeObject, TableColumn } from '../../types.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../../printing.js';
import { arr, int, obj, objs, specOf, statusOf, str } from '../podspec/index.js';
import type { Obj } from '../podspec/index.js';
import { isJsonObject } from '../../json.js';

export const POD_COLUMNS: TableColumn[] = [
  NAME_COLUMN,
  {
    name: 'Ready',
    type: 'string',
    description: 'The aggregate readiness state of this pod for accepting traffic.',
    priority: 0,
  },
  {
    name: 'Status',
    type: 'string',
    description: 'The aggregate status of the containers in this pod.',
    priority: 0,
  },
  {
    name: 'Restarts',
    type: 'string',
    description:
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    priority: 0,
  },
  AGE_COLUMN,
  {
    name: 'IP',
    type: 'string',
    description:
      'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
    priority: 1,
  },
  {
    name: 'Node',
    type: 'string',
    description:
      'NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.',
    priority: 1,
  },
  {
    name: 'Nominated Node',
    type: 'string',
    description:
      'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.',
    priority: 1,
  },
  {
    name: 'Readiness Gates',
    type: 'string',
    description:
      'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
    priority: 1,
  },
];

const conditionTrue = (status: Obj, type: string): boolean =>
  objs(status.conditions).some((c) => c.type === type && c.status === 'True');

/** The container's last termination time in ms, 0 when it never terminated. */
const lastTerminated = (c: Obj): number => {
  const at = str(obj(obj(c.lastState)?.terminated)?.finishedAt);
  const t = at ? Date.parse(at) : NaN;
  return Number.isNaN(t) ? 0 : t;
};

function terminatedReason(term: Obj, prefix: string): string {
  if (str(term.reason)) return `${prefix}${str(term.reason)}`;
  if (int(term.signal) !== 0) return `${prefix}Signal:${int(term.signal)}`;
  return `${prefix}ExitCode:${int(term.exitCode)}`;
}

/** podIP as the v1 conversion derives it from podIPs. */
export const podIPOf = (status: Obj): string =>
  str(objs(status.podIPs)[0]?.ip) || str(status.podIP);

/** printPod: Name, Ready, Status, Restarts, Age, IP, Node, Nominated Node, Readiness Gates. */
export function podRow(pod: KubeObject, now: Date): unknown[] {
  const spec = specOf(pod);
  const status = statusOf(pod);
  let restarts = 0;
  let sidecarRestarts = 0;
  let total = arr(spec.containers).length;
  let ready = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  for (const c of objs(status.conditions))
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';

  const initSpecs = objs(spec.initContainers);
  const sidecars = new Set(
    initSpecs.filter((c) => c.restartPolicy === 'Always').map((c) => str(c.name)),
  );
  total += sidecars.size;
  let initializing = false;
  const initStatuses = objs(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i] as Obj;
    restarts += int(c.restartCount);
    lastRestart = Math.max(lastRestart, lastTerminated(c));
    const sidecar = sidecars.has(str(c.name));
    if (sidecar) {
      sidecarRestarts += int(c.restartCount);
      lastSidecarRestart = Math.max(lastSidecarRestart, lastTerminated(c));
    }
    const state = obj(c.state) ?? {};
    const term = obj(state.terminated);
    const waiting = obj(state.waiting);
    if (term && int(term.exitCode) === 0) continue;
    if (sidecar && c.started === true) {
      if (c.ready === true) ready++;
      continue;
    }
    if (term) reason = terminatedReason(term, 'Init:');
    else if (waiting && str(waiting.reason) && waiting.reason !== 'PodInitializing')
      reason = `Init:${str(waiting.reason)}`;
    else reason = `Init:${i}/${initSpecs.length}`;
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(status, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = objs(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i] as Obj;
      restarts += int(c.restartCount);
      lastRestart = Math.max(lastRestart, lastTerminated(c));
      const state = obj(c.state) ?? {};
      const term = obj(state.terminated);
      const waiting = obj(state.waiting);
      if (waiting && str(waiting.reason)) reason = str(waiting.reason);
      else if (term) reason = terminatedReason(term, '');
      else if (c.ready === true && isJsonObject(state.running)) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning)
      reason = conditionTrue(status, 'Ready') ? 'Running' : 'NotReady';
  }

  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed')
    reason = 'Terminating';

  const restartText =
    restarts !== 0 && lastRestart !== 0
      ? `${restarts} (${age(new Date(lastRestart).toISOString(), now)} ago)`
      : String(restarts);

  let gates = '<none>';
  const readinessGates = objs(spec.readinessGates);
  if (readinessGates.length) {
    const conds = objs(status.conditions);
    const trueCount = readinessGates.filter(
      (g) => conds.find((c) => c.type === g.conditionType)?.status === 'True',
    ).length;
    gates = `${trueCount}/${readinessGates.length}`;
  }
  return [
    pod.metadata.name ?? '',
    `${ready}/${total}`,
    reason,
    restartText,
    age(pod.metadata.creationTimestamp, now),
    podIPOf(status) || '<none>',
    str(spec.nodeName) || '<none>',
    str(status.nominatedNodeName) || '<none>',
    gates,
  ];
}

// Pods (core/v1): the v1 defaulters plus what admission adds on a real cluster, the
// create/update/status rules of the pod strategy, ValidatePodCreate/ValidatePodUpdate,
// and the printer behind `kubectl get pods`.

import { isIP } from 'node:net';
import type { FieldError, KubeObject, ResourceDef, Strategy, TableColumn } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import {
  forbiddenField,
  invalidValue,
  isDNS1123Subdomain,
  isQualifiedName,
  required,
  validateObjectMeta,
} from '../validation/common.js';
import {
  addQuantity,
  arr,
  child,
  compareQuantity,
  defaultPodSpec,
  imageWhitespace,
  int,
  obj,
  objs,
  parseQuantity,
  specOf,
  statusOf,
  str,
  validatePodSpec,
  validateTolerations,
  ZERO,
} from './podspec.js';
import type { Obj, Quantity } from './podspec.js';
import { deepCopy, equalIgnoringZeroValues, isJsonObject } from '../json.js';

// ---------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------

/**
 * Stand-ins for the admission plugins every real cluster runs on pod create, so that a
 * pod reads back as it would from kube-apiserver: ServiceAccount (the `default` account),
 * DefaultTolerationSeconds (300s for not-ready/unreachable) and Priority (no default
 * PriorityClass: priority 0, PreemptLowerPriority). The token volume the ServiceAccount
 * plugin also mounts is not added here. Applied on create only (from prepareForCreate), as
 * admission is: an update that drops these fields is refused like on a real cluster.
 */
export function admissionDefaults(spec: Obj): void {
  if (!str(spec.serviceAccountName)) spec.serviceAccountName = 'default';
  spec.serviceAccount = spec.serviceAccountName;
  defaultTolerationSeconds(spec);
  if (typeof spec.priority !== 'number') {
    const builtin: Record<string, number> = {
      'system-node-critical': 2000001000,
      'system-cluster-critical': 2000000000,
    };
    spec.priority = builtin[str(spec.priorityClassName)] ?? 0;
  }
  if (!spec.preemptionPolicy) spec.preemptionPolicy = 'PreemptLowerPriority';
}

/**
 * Admission on a pod update: DefaultTolerationSeconds adds its tolerations again, and
 * Priority keeps the priority and preemption policy it set at create when the update
 * omits them (so a client that does not know these fields does not change them).
 */
function admissionOnUpdate(spec: Obj, oldSpec: Obj): void {
  defaultTolerationSeconds(spec);
  if (spec.priority === undefined && oldSpec.priority !== undefined)
    spec.priority = oldSpec.priority;
  if (spec.preemptionPolicy === undefined && oldSpec.preemptionPolicy !== undefined)
    spec.preemptionPolicy = oldSpec.preemptionPolicy;
}

/** DefaultTolerationSeconds: 300 s for not-ready and unreachable nodes, unless tolerated. */
function defaultTolerationSeconds(spec: Obj): void {
  const tolerations = objs(spec.tolerations);
  const tolerates = (key: string): boolean =>
    tolerations.some(
      (t) => (t.key === key || !str(t.key)) && (t.effect === 'NoExecute' || !str(t.effect)),
    );
  const added: Obj[] = [];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'])
    if (!tolerates(key))
      added.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  if (added.length) spec.tolerations = [...arr(spec.tolerations), ...added];
}

/** The v1 conversion keeps podIP/podIPs and hostIP/hostIPs in step. */
function syncStatusIPs(status: Obj): void {
  for (const [one, many] of [
    ['podIP', 'podIPs'],
    ['hostIP', 'hostIPs'],
  ] as const) {
    const list = objs(status[many]);
    if (list.length === 0 && str(status[one])) status[many] = [{ ip: status[one] }];
    else if (list.length > 0) status[one] = str(list[0]?.ip);
  }
}

/** SetObjectDefaults_Pod: SetDefaults_Pod, then the PodSpec defaults. */
export function defaultPod(pod: KubeObject): void {
  const spec = child(pod as Obj, 'spec');
  for (const key of ['containers', 'initContainers']) {
    for (const c of objs(spec[key])) {
      // Requests default to limits, on Pods only (not on templates).
      const res = obj(c.resources);
      const limits = obj(res?.limits);
      if (!res || !limits) continue;
      const requests = child(res, 'requests');
      for (const [name, q] of Object.entries(limits)) if (!(name in requests)) requests[name] = q;
    }
  }
  if (typeof spec.enableServiceLinks !== 'boolean') spec.enableServiceLinks = true;
  // The v1 conversion: serviceAccount is the deprecated name of serviceAccountName.
  if (!str(spec.serviceAccountName) && str(spec.serviceAccount))
    spec.serviceAccountName = spec.serviceAccount;
  if (str(spec.serviceAccountName)) spec.serviceAccount = spec.serviceAccountName;
  if (spec.hostNetwork === true) {
    for (const key of ['containers', 'initContainers'])
      for (const c of objs(spec[key]))
        for (const p of objs(c.ports)) if (!p.hostPort) p.hostPort = p.containerPort;
  }
  defaultPodSpec(spec);
  if (isJsonObject(pod.status)) syncStatusIPs(pod.status);
}

// ---------------------------------------------------------------------------
// QoS
// ---------------------------------------------------------------------------

/** qos.ComputePodQOS over container requests and limits (cpu and memory only). */
export function podQOSClass(spec: Obj): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const add = (m: Map<string, Quantity>, name: string, q: Quantity): void => {
    const cur = m.get(name);
    m.set(name, cur ? addQuantity(cur, q) : q);
  };
  for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
    const res = obj(c.resources) ?? {};
    for (const [name, v] of Object.entries(obj(res.requests) ?? {})) {
      const q = parseQuantity(v);
      if ((name === 'cpu' || name === 'memory') && q && compareQuantity(q, ZERO) > 0)
        add(requests, name, q);
    }
    const found = new Set<string>();
    for (const [name, v] of Object.entries(obj(res.limits) ?? {})) {
      const q = parseQuantity(v);
      if ((name === 'cpu' || name === 'memory') && q && compareQuantity(q, ZERO) > 0) {
        found.add(name);
        add(limits, name, q);
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || compareQuantity(lim, req) !== 0) guaranteed = false;
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

// ---------------------------------------------------------------------------
// Create, update and status
// ---------------------------------------------------------------------------

function prepareForCreate(pod: KubeObject): void {
  const spec = child(pod as Obj, 'spec');
  // Admission runs on create only, after defaulting and before validation; so does this.
  admissionDefaults(spec);
  pod.metadata.generation = 1;
  const status: Obj = { phase: 'Pending' };
  if (arr(spec.schedulingGates).length > 0) {
    status.conditions = [
      {
        type: 'PodScheduled',
        status: 'False',
        lastProbeTime: null,
        lastTransitionTime: null,
        reason: 'SchedulingGated',
        message: 'Scheduling is blocked due to non-empty scheduling gates',
      },
    ];
  }
  status.qosClass = podQOSClass(spec);
  pod.status = status;
}

function prepareForUpdate(pod: KubeObject, old: KubeObject): void {
  admissionOnUpdate(child(pod as Obj, 'spec'), specOf(old));
  if (old.status === undefined) delete pod.status;
  else pod.status = deepCopy(old.status);
}

/**
 * The pods/status strategy: the spec and owner references stay as they were, a missing
 * qosClass (or observedGeneration) is taken from the old status.
 */
export function prepareForStatusUpdate(pod: KubeObject, old: KubeObject): void {
  pod.spec = deepCopy(old.spec);
  if (old.metadata.ownerReferences)
    pod.metadata.ownerReferences = deepCopy(old.metadata.ownerReferences);
  else delete pod.metadata.ownerReferences;
  const status = child(pod as Obj, 'status');
  const oldStatus = statusOf(old);
  if (!str(status.qosClass) && str(oldStatus.qosClass)) status.qosClass = oldStatus.qosClass;
  if (!status.observedGeneration && oldStatus.observedGeneration)
    status.observedGeneration = oldStatus.observedGeneration;
  syncStatusIPs(status);
}

const SYSTEM_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized']);

function stateTransitions(
  statuses: Obj[],
  oldStatuses: Obj[],
  field: string,
  mayRestart: (old: Obj) => boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  oldStatuses.forEach((o, i) => {
    if (!isJsonObject(obj(o.state)?.terminated) || mayRestart(o)) return;
    for (const n of statuses)
      if (n.name === o.name && !isJsonObject(obj(n.state)?.terminated))
        errs.push(
          forbiddenField(`${field}[${i}].state`, 'may not be transitioned to non-terminated state'),
        );
  });
  return errs;
}

const ipError = (field: string, ip: string): FieldError =>
  invalidValue(field, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');

/** ValidatePodStatusUpdate (metadata checks are the generic store's). */
export function validateStatusUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const status = statusOf(pod);
  const oldStatus = statusOf(old);
  objs(status.conditions).forEach((c, i) => {
    const type = str(c.type);
    // kube-apiserver reports these under metadata.conditions.
    if (!SYSTEM_CONDITIONS.has(type))
      for (const m of isQualifiedName(type))
        errs.push(invalidValue(`metadata.conditions[${i}].Type`, type, m));
  });
  if (str(specOf(pod).nodeName) !== str(specOf(old).nodeName))
    errs.push(forbiddenField('status.nodeName', 'may not be changed directly'));
  const nominated = str(status.nominatedNodeName);
  if (nominated && nominated !== str(oldStatus.nominatedNodeName))
    for (const m of isDNS1123Subdomain(nominated))
      errs.push(invalidValue('status.nominatedNodeName', nominated, m));
  const qos = str(status.qosClass);
  if (qos && qos !== str(oldStatus.qosClass))
    errs.push(invalidValue('status.qosClass', qos, 'field is immutable'));
  const restartPolicy = str(specOf(old).restartPolicy);
  if (restartPolicy !== 'Always') {
    const mayRestart = (o: Obj): boolean =>
      restartPolicy === 'OnFailure' && int(obj(obj(o.state)?.terminated)?.exitCode) !== 0;
    errs.push(
      ...stateTransitions(
        objs(status.containerStatuses),
        objs(oldStatus.containerStatuses),
        'status.containerStatuses',
        mayRestart,
      ),
    );
    const sidecars = new Set(
      objs(specOf(old).initContainers)
        .filter((c) => c.restartPolicy === 'Always')
        .map((c) => str(c.name)),
    );
    errs.push(
      ...stateTransitions(
        objs(status.initContainerStatuses),
        objs(oldStatus.initContainerStatuses),
        'status.initContainerStatuses',
        (o) => mayRestart(o) || sidecars.has(str(o.name)),
      ),
    );
  }
  errs.push(
    ...stateTransitions(
      objs(status.ephemeralContainerStatuses),
      objs(oldStatus.ephemeralContainerStatuses),
      'status.ephemeralContainerStatuses',
      () => false,
    ),
  );
  objs(status.podIPs).forEach((p, i) => {
    if (!validIP(str(p.ip))) errs.push(ipError(`status.podIPs[${i}]`, str(p.ip)));
  });
  const hostIPs = objs(status.hostIPs);
  if (hostIPs.length && str(hostIPs[0]?.ip) !== str(status.hostIP))
    errs.push(
      invalidValue('status.hostIPs[0].ip', str(hostIPs[0]?.ip), 'must be equal to `hostIP`'),
    );
  hostIPs.forEach((p, i) => {
    if (!validIP(str(p.ip))) errs.push(ipError(`status.hostIPs[${i}]`, str(p.ip)));
  });
  return errs;
}

const validIP = (ip: string): boolean => isIP(ip) !== 0;

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

/** validatePodMetadataAndSpec plus ValidatePodCreate's own checks. */
function validatePod(pod: KubeObject): FieldError[] {
  const spec = specOf(pod);
  const errs = validateObjectMeta(pod, true);
  errs.push(...validatePodSpec(spec, 'spec', { isPod: true }));
  if (!str(spec.serviceAccountName)) {
    objs(spec.volumes).forEach((v, vi) => {
      objs(obj(v.projected)?.sources).forEach((s, si) => {
        if (isJsonObject(s.serviceAccountToken))
          errs.push(
            forbiddenField(
              `spec.volumes[${vi}].projected.sources[${si}].serviceAccountToken`,
              'must not be specified when serviceAccountName is not set',
            ),
          );
      });
    });
  }
  objs(spec.containers).forEach((c, i) =>
    errs.push(...imageWhitespace(c, `spec.containers[${i}]`)),
  );
  objs(spec.initContainers).forEach((c, i) =>
    errs.push(...imageWhitespace(c, `spec.initContainers[${i}]`)),
  );
  // Ephemeral containers only arrive through pods/ephemeralcontainers, which bumps the
  // generation: on a pod still at generation 1 they can only come from its create.
  if (arr(spec.ephemeralContainers).length > 0 && (pod.metadata.generation ?? 1) <= 1)
    errs.push(forbiddenField('spec.ephemeralContainers', 'cannot be set on create'));
  if (str(spec.nodeName) && arr(spec.schedulingGates).length > 0)
    errs.push(
      forbiddenField('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'),
    );
  return errs;
}

export const UPDATABLE_POD_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/** A short `-`/`+` listing of what differs, in place of Go's cmp.Diff. */
function specDiff(oldSpec: unknown, newSpec: unknown): string {
  const lines: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (lines.length >= 40 || equalIgnoringZeroValues(a, b)) return;
    if (isJsonObject(a) && isJsonObject(b)) {
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
        walk(a[k], b[k], path ? `${path}.${k}` : k);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((x, i) => walk(x, b[i], `${path}[${i}]`));
      return;
    }
    if (a !== undefined) lines.push(`- \t${path}: ${JSON.stringify(a)}`);
    if (b !== undefined) lines.push(`+ \t${path}: ${JSON.stringify(b)}`);
  };
  walk(oldSpec, newSpec, '');
  return ['  core.PodSpec{', ...lines, '  }'].join('\n');
}

function validateContainerUpdates(
  now: Obj[],
  before: Obj[],
  field: string,
): { errs: FieldError[]; stop: boolean } {
  if (now.length !== before.length)
    return {
      errs: [forbiddenField(field, 'pod updates may not add or remove containers')],
      stop: true,
    };
  const errs: FieldError[] = [];
  now.forEach((c, i) => {
    if (!str(c.image)) errs.push(required(`${field}[${i}].image`));
    errs.push(...imageWhitespace(c, `${field}[${i}]`));
  });
  return { errs, stop: false };
}

/** ValidatePodUpdate's update-only rules: which spec fields may change, and how. */
function validatePodUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const spec = specOf(pod);
  const oldSpec = specOf(old);
  const errs: FieldError[] = [];
  for (const key of ['containers', 'initContainers']) {
    const r = validateContainerUpdates(objs(spec[key]), objs(oldSpec[key]), `spec.${key}`);
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  const ads = spec.activeDeadlineSeconds;
  const oldAds = oldSpec.activeDeadlineSeconds;
  if (typeof ads === 'number') {
    if (ads < 0 || ads > 2147483647) {
      errs.push(
        invalidValue(
          'spec.activeDeadlineSeconds',
          ads,
          'must be between 0 and 2147483647, inclusive',
        ),
      );
      return errs;
    }
    if (typeof oldAds === 'number' && oldAds < ads) {
      errs.push(
        invalidValue(
          'spec.activeDeadlineSeconds',
          ads,
          'must be less than or equal to previous value',
        ),
      );
      return errs;
    }
  } else if (typeof oldAds === 'number') {
    errs.push(
      invalidValue(
        'spec.activeDeadlineSeconds',
        null,
        'must not update from a positive integer to nil value',
      ),
    );
  }
  const tolerations = objs(spec.tolerations);
  for (const t of objs(oldSpec.tolerations)) {
    const { tolerationSeconds: _s, ...rest } = t;
    if (
      !tolerations.some((n) =>
        equalIgnoringZeroValues({ ...n, tolerationSeconds: undefined }, rest),
      )
    ) {
      errs.push(
        forbiddenField(
          'spec.tolerations',
          'existing toleration can not be modified except its tolerationSeconds',
        ),
      );
      break;
    }
  }
  errs.push(...validateTolerations(spec.tolerations, 'spec.tolerations'));
  const oldGates = new Set(objs(oldSpec.schedulingGates).map((g) => str(g.name)));
  objs(spec.schedulingGates).forEach((g, i) => {
    const name = str(g.name);
    if (!oldGates.has(name))
      errs.push(
        forbiddenField(
          `spec.schedulingGates[${i}].name`,
          `only deletion is allowed, but found new scheduling gate '${name}'`,
        ),
      );
  });
  if (equalIgnoringZeroValues(spec, oldSpec)) return errs;
  const munged = deepCopy(spec);
  for (const key of ['containers', 'initContainers']) {
    const olds = objs(oldSpec[key]);
    objs(munged[key]).forEach((c, i) => {
      c.image = olds[i]?.image;
    });
  }
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.schedulingGates = oldSpec.schedulingGates;
  munged.tolerations = oldSpec.tolerations;
  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldGrace === 'number' && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1)
    munged.terminationGracePeriodSeconds = oldGrace;
  // A pod still gated may gain nodeSelector entries.
  if (oldGates.size > 0) {
    const oldSel = obj(oldSpec.nodeSelector) ?? {};
    const newSel = obj(munged.nodeSelector) ?? {};
    if (Object.entries(oldSel).every(([k, v]) => newSel[k] === v))
      munged.nodeSelector = oldSpec.nodeSelector;
  }
  if (!equalIgnoringZeroValues(munged, oldSpec)) {
    errs.push(
      forbiddenField(
        'spec',
        `pod updates may not change fields other than ${UPDATABLE_POD_FIELDS.join(',')}\n${specDiff(oldSpec, munged)}`,
      ),
    );
  }
  return errs;
}

// ---------------------------------------------------------------------------
// Printing (printPod)
// ---------------------------------------------------------------------------

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
const podIPOf = (status: Obj): string => str(objs(status.podIPs)[0]?.ip) || str(status.podIP);

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

// ---------------------------------------------------------------------------
// The resource
// ---------------------------------------------------------------------------

export const podStrategy: Strategy = {
  defaults: (pod) => defaultPod(pod),
  prepareForCreate: (pod) => prepareForCreate(pod),
  prepareForUpdate: (pod, old) => prepareForUpdate(pod, old),
  validate: (pod) => validatePod(pod),
  validateUpdate: (pod, old) => [
    ...validatePodUpdate(pod, old),
    ...(equalIgnoringZeroValues(pod.status, old.status) ? [] : validateStatusUpdate(pod, old)),
  ],
  selectableFields(pod) {
    const spec = specOf(pod);
    const status = statusOf(pod);
    return {
      'spec.nodeName': str(spec.nodeName),
      'spec.restartPolicy': str(spec.restartPolicy),
      'spec.schedulerName': str(spec.schedulerName),
      'spec.serviceAccountName': str(spec.serviceAccountName),
      'spec.hostNetwork': String(spec.hostNetwork === true),
      'status.phase': str(status.phase),
      'status.podIP': podIPOf(status),
      'status.nominatedNodeName': str(status.nominatedNodeName),
    };
  },
  columns: POD_COLUMNS,
  row: podRow,
  tracksGeneration: true,
};

const core = (kind: string): { group: string; version: string; kind: string } => ({
  group: '',
  version: 'v1',
  kind,
});

export const podResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  listKind: 'PodList',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  verbs: [...STANDARD_VERBS],
  subresources: [
    { name: 'attach', kind: core('PodAttachOptions'), verbs: ['create', 'get'] },
    { name: 'binding', kind: core('Binding'), verbs: ['create'] },
    { name: 'ephemeralcontainers', verbs: ['get', 'patch', 'update'] },
    {
      name: 'eviction',
      kind: { group: 'policy', version: 'v1', kind: 'Eviction' },
      verbs: ['create'],
    },
    { name: 'exec', kind: core('PodExecOptions'), verbs: ['create', 'get'] },
    { name: 'log', verbs: ['get'] },
    { name: 'portforward', kind: core('PodPortForwardOptions'), verbs: ['create', 'get'] },
    {
      name: 'proxy',
      kind: core('PodProxyOptions'),
      verbs: ['create', 'delete', 'get', 'patch', 'update'],
    },
    { name: 'status', verbs: ['get', 'patch', 'update'] },
  ],
  strategy: podStrategy,
};

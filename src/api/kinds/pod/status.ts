// Create, update and status rules of the pod strategy (PrepareForCreate/Update, status updates).

import { isIP } from 'node:net';
import type { FieldError, KubeObject } from '../../types.js';
import {
  forbiddenField,
  invalidValue,
  isDNS1123Subdomain,
  isQualifiedName,
} from '../../validation/common.js';
import { arr, child, int, obj, objs, specOf, statusOf, str } from '../podspec/index.js';
import type { Obj } from '../podspec/index.js';
import { admissionDefaults, admissionOnUpdate, syncStatusIPs } from './defaults.js';
import { podQOSClass } from './qos.js';
import { deepCopy, isJsonObject } from '../../json.js';

export function prepareForCreate(pod: KubeObject): void {
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

export function prepareForUpdate(pod: KubeObject, old: KubeObject): void {
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

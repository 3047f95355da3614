// A stateful pod's identity (stateful_set_utils.go): its name `<set>-<ordinal>`, hostname and
// subdomain, the pod-name and pod-index labels, and its storage — one claim per volume claim
// template, `<template>-<set>-<ordinal>`, mounted as the template's volume.

import type { OwnerReference } from '../../api/types.js';
import { controllerOf } from '../replicaset/claim.js';
import type { Pod } from '../replicaset/types.js';
import type { KubeObject } from '../../api/types.js';
import {
  POD_INDEX_LABEL,
  POD_NAME_LABEL,
  REVISION_LABEL,
  type ClaimTemplate,
  type StatefulSet,
} from './types.js';
import { newControllerRef } from '../../api/owners.js';

const STATEFUL_POD = /^(.*)-([0-9]+)$/;
const MAX_INT32 = 2147483647;

/** getParentNameAndOrdinal: the set a pod's name points at and its ordinal (-1: none). */
export function parentAndOrdinal(pod: KubeObject): { parent: string; ordinal: number } {
  const m = STATEFUL_POD.exec(pod.metadata.name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  return { parent: m[1] ?? '', ordinal: Number.isSafeInteger(n) && n <= MAX_INT32 ? n : -1 };
}

export const ordinalOf = (pod: KubeObject): number => parentAndOrdinal(pod).ordinal;

export const isMemberOf = (set: StatefulSet, pod: KubeObject): boolean =>
  parentAndOrdinal(pod).parent === set.metadata.name;

export const startOrdinal = (set: StatefulSet): number => set.spec?.ordinals?.start ?? 0;

export const replicaCount = (set: StatefulSet): number => set.spec?.replicas ?? 1;

/** podInOrdinalRange: start <= ordinal <= start + replicas - 1. */
export function inOrdinalRange(pod: KubeObject, set: StatefulSet): boolean {
  const o = ordinalOf(pod);
  return o >= startOrdinal(set) && o < startOrdinal(set) + replicaCount(set);
}

export const podName = (set: StatefulSet, ordinal: number): string =>
  `${set.metadata.name ?? ''}-${ordinal}`;

export const claimName = (set: StatefulSet, template: ClaimTemplate, ordinal: number): string =>
  `${template.metadata?.name ?? ''}-${set.metadata.name ?? ''}-${ordinal}`;

export const podRevision = (pod: Pod): string => pod.metadata.labels?.[REVISION_LABEL] ?? '';

/** identityMatches: name, namespace and the pod-name label agree with the set and ordinal. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod);
  return (
    ordinal >= 0 &&
    parent === set.metadata.name &&
    pod.metadata.name === podName(set, ordinal) &&
    pod.metadata.namespace === set.metadata.namespace &&
    pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name
  );
}

interface Volume {
  name?: string;
  persistentVolumeClaim?: { claimName?: string; readOnly?: boolean };
  [field: string]: unknown;
}

const volumesOf = (pod: Pod): Volume[] => (pod.spec?.['volumes'] as Volume[] | undefined) ?? [];

/** storageMatches: every claim template is mounted from this ordinal's claim. */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = ordinalOf(pod);
  if (ordinal < 0) return false;
  const byName = new Map(volumesOf(pod).map((v) => [v.name, v]));
  return (set.spec?.volumeClaimTemplates ?? []).every(
    (t) =>
      byName.get(t.metadata?.name)?.persistentVolumeClaim?.claimName === claimName(set, t, ordinal),
  );
}

/** updateIdentity: the name, namespace, pod-name and pod-index labels of the ordinal. */
export function updateIdentity(set: StatefulSet, pod: Pod): void {
  const ordinal = ordinalOf(pod);
  pod.metadata.name = podName(set, ordinal);
  pod.metadata.namespace = set.metadata.namespace ?? '';
  pod.metadata.labels = {
    ...(pod.metadata.labels ?? {}),
    [POD_NAME_LABEL]: pod.metadata.name,
    [POD_INDEX_LABEL]: String(ordinal),
  };
}

/** updateStorage: the claims' volumes first, then the pod's other volumes. */
export function updateStorage(set: StatefulSet, pod: Pod): void {
  const ordinal = ordinalOf(pod);
  const templates = set.spec?.volumeClaimTemplates ?? [];
  const claimed = new Set(templates.map((t) => t.metadata?.name));
  const volumes: Volume[] = templates.map((t) => ({
    name: t.metadata?.name ?? '',
    persistentVolumeClaim: { claimName: claimName(set, t, ordinal) },
  }));
  for (const v of volumesOf(pod)) if (!claimed.has(v.name)) volumes.push(v);
  if (!pod.spec) pod.spec = {};
  if (volumes.length) pod.spec['volumes'] = volumes;
}

export const controllerRefTo = (set: StatefulSet): OwnerReference =>
  newControllerRef(set, 'apps/v1', 'StatefulSet');

/** newStatefulSetPod: the template with the ordinal's identity and storage, owned by the set. */
export function newStatefulSetPod(set: StatefulSet, ordinal: number, revision: string): Pod {
  const t = set.spec?.template ?? {};
  const meta = t.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(set, ordinal),
      namespace: set.metadata.namespace ?? '',
      labels: { ...(meta.labels ?? {}) },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers?.length ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [controllerRefTo(set)],
    },
    spec: structuredClone(t.spec ?? {}),
  };
  updateIdentity(set, pod);
  // initIdentity: hostname and subdomain are set on creation only (immutable afterwards).
  const spec = pod.spec ?? {};
  spec['hostname'] = pod.metadata.name;
  if (set.spec?.serviceName) spec['subdomain'] = set.spec.serviceName;
  updateStorage(set, pod);
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [REVISION_LABEL]: revision };
  return pod;
}

/** Whether the pod object exists in the API (a placeholder for a missing ordinal does not). */
export const isCreated = (pod: Pod): boolean => !!pod.status?.phase;

export const isControlledBy = (o: KubeObject, set: StatefulSet): boolean =>
  controllerOf(o)?.uid === set.metadata.uid;

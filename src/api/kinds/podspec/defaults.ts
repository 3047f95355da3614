// The v1 defaulters for a PodSpec (pkg/apis/core/v1/defaults.go and the generated
// defaulters): what Pods and pod templates get before validation.

import { formatQuantity, parseQuantity, roundUpMilli } from '../../quantity.js';
import { child, has, obj, objs, str } from './json.js';
import type { Obj } from './json.js';
import { isJsonObject } from '../../json.js';

/** SetDefaults_ResourceList: round up to milli precision, written back canonically. */
function defaultResourceList(list: unknown): void {
  if (!isJsonObject(list)) return;
  for (const [k, v] of Object.entries(list)) {
    const q = parseQuantity(v);
    if (q) list[k] = formatQuantity(roundUpMilli(q));
  }
}
const DOMAIN =
  '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?';
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_REF = new RegExp(
  `^((?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$`,
);

/** parsers.ParseImageName's tag: `latest` when neither tag nor digest, '' when unparsable. */
export function imageTag(image: string): string {
  const m = IMAGE_REF.exec(image);
  if (!m || (m[1] ?? '').length > 255) return '';
  if (m[2]) return m[2];
  return m[3] ? '' : 'latest';
}

/** imagePullPolicy: Always for `:latest` (or no tag), IfNotPresent otherwise. */
export const defaultPullPolicy = (image: string): string =>
  imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent';

function defaultProbe(p: unknown): void {
  if (!isJsonObject(p)) return;
  if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  if (!p.periodSeconds) p.periodSeconds = 10;
  if (!p.successThreshold) p.successThreshold = 1;
  if (!p.failureThreshold) p.failureThreshold = 3;
  defaultHandler(p);
}

function defaultHandler(h: unknown): void {
  if (!isJsonObject(h)) return;
  const http = obj(h.httpGet);
  if (http) {
    if (!http.path) http.path = '/';
    if (!http.scheme) http.scheme = 'HTTP';
  }
  const grpc = obj(h.grpc);
  if (grpc && grpc.service === undefined) grpc.service = '';
}

/** Any Quantity field reads back in canonical form (without the ResourceList rounding). */
function canonicalQuantity(o: Obj | undefined, key: string): void {
  const q = o ? parseQuantity(o[key]) : undefined;
  if (o && q) o[key] = formatQuantity(q);
}

function defaultFieldRef(ref: unknown): void {
  if (isJsonObject(ref) && !ref.apiVersion) ref.apiVersion = 'v1';
}

/**
 * A `null` item of a typed list decodes, in Go, to the item type's zero value: `""` in a
 * string list, an empty struct in a struct list. The empty struct then fails validation
 * (a port without containerPort, an env var without name) as it does in kube-apiserver.
 */
function zeroNullItems(o: Obj, key: string, zero: () => unknown): void {
  const list = o[key];
  if (!Array.isArray(list)) return;
  for (let i = 0; i < list.length; i++) if (list[i] === null) list[i] = zero();
}

const CONTAINER_STRING_LISTS = ['args', 'command'];
const CONTAINER_STRUCT_LISTS = [
  'ports',
  'env',
  'envFrom',
  'volumeMounts',
  'volumeDevices',
  'resizePolicy',
];

/** SetDefaults_Container plus what the generated defaulters do for a container's parts. */
export function defaultContainer(c: Obj): void {
  for (const key of CONTAINER_STRING_LISTS) zeroNullItems(c, key, () => '');
  for (const key of CONTAINER_STRUCT_LISTS) zeroNullItems(c, key, () => ({}));
  if (!c.imagePullPolicy) c.imagePullPolicy = defaultPullPolicy(str(c.image));
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  // ResourceRequirements is a struct, so Go always writes `resources: {}`.
  const res = child(c, 'resources');
  defaultResourceList(res.limits);
  defaultResourceList(res.requests);
  for (const p of objs(c.ports)) if (!p.protocol) p.protocol = 'TCP';
  for (const e of objs(c.env)) {
    defaultFieldRef(obj(e.valueFrom)?.fieldRef);
    canonicalQuantity(obj(obj(e.valueFrom)?.resourceFieldRef), 'divisor');
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  const lc = obj(c.lifecycle);
  if (lc) {
    defaultHandler(lc.postStart);
    defaultHandler(lc.preStop);
  }
}

/** The volume source fields, in the order validateVolumeSource checks them. */
export const VOLUME_SOURCES = [
  'emptyDir',
  'hostPath',
  'gitRepo',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'flocker',
  'persistentVolumeClaim',
  'rbd',
  'cinder',
  'cephfs',
  'quobyte',
  'downwardAPI',
  'fc',
  'flexVolume',
  'configMap',
  'azureFile',
  'vsphereVolume',
  'photonPersistentDisk',
  'portworxVolume',
  'azureDisk',
  'storageos',
  'projected',
  'scaleIO',
  'csi',
  'ephemeral',
  'image',
] as const;

const setIfMissing = (o: Obj, k: string, v: unknown): void => {
  if (o[k] === undefined || o[k] === null || o[k] === '') o[k] = v;
};

function defaultVolume(v: Obj): void {
  if (!VOLUME_SOURCES.some((k) => has(v, k))) v.emptyDir = {};
  canonicalQuantity(obj(v.emptyDir), 'sizeLimit');
  const hostPath = obj(v.hostPath);
  if (hostPath && hostPath.type === undefined) hostPath.type = '';
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const src = obj(v[k]);
    if (src && (src.defaultMode === undefined || src.defaultMode === null)) src.defaultMode = 420;
  }
  for (const item of objs(obj(v.downwardAPI)?.items)) defaultFieldRef(item.fieldRef);
  for (const s of objs(obj(v.projected)?.sources)) {
    for (const item of objs(obj(s.downwardAPI)?.items)) defaultFieldRef(item.fieldRef);
    const token = obj(s.serviceAccountToken);
    if (token && token.expirationSeconds === undefined) token.expirationSeconds = 3600;
  }
  const iscsi = obj(v.iscsi);
  if (iscsi) setIfMissing(iscsi, 'iscsiInterface', 'default');
  const rbd = obj(v.rbd);
  if (rbd) {
    setIfMissing(rbd, 'pool', 'rbd');
    setIfMissing(rbd, 'user', 'admin');
    setIfMissing(rbd, 'keyring', '/etc/ceph/keyring');
  }
  const azureDisk = obj(v.azureDisk);
  if (azureDisk) {
    setIfMissing(azureDisk, 'cachingMode', 'ReadWrite');
    setIfMissing(azureDisk, 'fsType', 'ext4');
    if (azureDisk.readOnly === undefined) azureDisk.readOnly = false;
    setIfMissing(azureDisk, 'kind', 'Shared');
  }
  const scaleIO = obj(v.scaleIO);
  if (scaleIO) {
    setIfMissing(scaleIO, 'storageMode', 'ThinProvisioned');
    setIfMissing(scaleIO, 'fsType', 'xfs');
  }
  const claim = obj(obj(obj(v.ephemeral)?.volumeClaimTemplate)?.spec);
  if (claim) {
    setIfMissing(claim, 'volumeMode', 'Filesystem');
    defaultResourceList(obj(claim.resources)?.limits);
    defaultResourceList(obj(claim.resources)?.requests);
  }
  const image = obj(v.image);
  if (image && !image.pullPolicy) image.pullPolicy = defaultPullPolicy(str(image.reference));
}

/** SetDefaults_PodSpec and the nested defaulters: what both Pods and templates get. */
export function defaultPodSpec(spec: Obj): void {
  if (!spec.dnsPolicy) spec.dnsPolicy = 'ClusterFirst';
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  if (!isJsonObject(spec.securityContext)) spec.securityContext = {};
  if (typeof spec.terminationGracePeriodSeconds !== 'number')
    spec.terminationGracePeriodSeconds = 30;
  if (!spec.schedulerName) spec.schedulerName = 'default-scheduler';
  for (const key of ['volumes', 'initContainers', 'containers', 'ephemeralContainers'])
    zeroNullItems(spec, key, () => ({}));
  for (const v of objs(spec.volumes)) defaultVolume(v);
  for (const key of ['initContainers', 'containers', 'ephemeralContainers'])
    for (const c of objs(spec[key])) defaultContainer(c);
  defaultResourceList(spec.overhead);
  // The v1 conversion keeps the deprecated `serviceAccount` in step with serviceAccountName.
  if (!spec.serviceAccountName && spec.serviceAccount)
    spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  else delete spec.serviceAccount;
}

/** A PodTemplateSpec (Deployment, ReplicaSet, ReplicationController). */
export function defaultPodTemplate(template: Obj): void {
  // ObjectMeta is a struct with a zero time: Go writes `creationTimestamp: null`.
  const meta = child(template, 'metadata');
  if (meta.creationTimestamp === undefined) meta.creationTimestamp = null;
  defaultPodSpec(child(template, 'spec'));
}

// What every kind embedding a PodSpec shares (Pod, ReplicationController, ReplicaSet,
// Deployment): the v1 defaulters, kube-apiserver's PodSpec/PodTemplateSpec validation
// with its field paths and messages, resource quantities, label selectors and the
// container cells of the printers.

import { isIP } from 'node:net';
import type { FieldError, KubeObject } from '../types.js';
import {
  duplicate,
  forbiddenField,
  invalidValue,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  notSupported,
  required,
  validateAnnotations,
  validateLabels,
} from '../validation/common.js';
import { formatLabelSelector, fromLabelSelectorObject, matchesLabels } from '../labels.js';
import type { LabelSelector } from '../labels.js';
import { equalIgnoringZeroValues, isJsonObject } from '../json.js';

// ---------------------------------------------------------------------------
// Untyped JSON access
// ---------------------------------------------------------------------------

export type Obj = Record<string, unknown>;

export const obj = (v: unknown): Obj | undefined => (isJsonObject(v) ? v : undefined);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const objs = (v: unknown): Obj[] => arr(v).map((x) => obj(x) ?? {});
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const int = (v: unknown): number => (typeof v === 'number' ? v : 0);
export const strMap = (v: unknown): Record<string, string> | undefined =>
  isJsonObject(v) ? (v as Record<string, string>) : undefined;
const has = (o: Obj, k: string): boolean => o[k] !== undefined && o[k] !== null;

/** `parent[key]` as an object, created when missing (defaulting works in place). */
export function child(parent: Obj, key: string): Obj {
  const cur = obj(parent[key]);
  if (cur) return cur;
  const made: Obj = {};
  parent[key] = made;
  return made;
}

export const specOf = (o: KubeObject): Obj => obj(o.spec) ?? {};
export const statusOf = (o: KubeObject): Obj => obj(o.status) ?? {};

// ---------------------------------------------------------------------------
// Resource quantities (apimachinery resource.Quantity)
// ---------------------------------------------------------------------------

export const QUANTITY_FORMAT_MSG =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** An exact quantity: `n × 10^exp`, with the format its suffix asked for. */
export interface Quantity {
  n: bigint;
  exp: number;
  format: QuantityFormat;
}

const DEC_SUFFIX: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BIN_SUFFIX: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const QUANTITY_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/;

/** resource.ParseQuantity on a JSON value (strings, or plain numbers). */
export function parseQuantity(v: unknown): Quantity | undefined {
  const s =
    typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' ? v : '';
  const m = QUANTITY_RE.exec(s);
  if (!m) return undefined;
  const [, sign = '', whole = '', frac = '', suffix = ''] = m;
  if (whole === '' && frac === '') return undefined;
  let n = BigInt((whole || '0') + frac);
  if (sign === '-') n = -n;
  let exp = -frac.length;
  let format: QuantityFormat = 'DecimalSI';
  if (suffix in DEC_SUFFIX) exp += DEC_SUFFIX[suffix] ?? 0;
  else if (suffix in BIN_SUFFIX) {
    n *= 1024n ** BigInt(BIN_SUFFIX[suffix] ?? 0);
    format = 'BinarySI';
  } else if (/^[eE][+-]?[0-9]+$/.test(suffix)) {
    exp += Number(suffix.slice(1));
    format = 'DecimalExponent';
  } else return undefined;
  return { n, exp, format };
}

function align(a: Quantity, b: Quantity): [bigint, bigint] {
  const e = Math.min(a.exp, b.exp);
  return [a.n * 10n ** BigInt(a.exp - e), b.n * 10n ** BigInt(b.exp - e)];
}

export function compareQuantity(a: Quantity, b: Quantity): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function addQuantity(a: Quantity, b: Quantity): Quantity {
  const [x, y] = align(a, b);
  return { n: x + y, exp: Math.min(a.exp, b.exp), format: a.format };
}

export const ZERO: Quantity = { n: 0n, exp: 0, format: 'DecimalSI' };

/** Quantity.RoundUp(-3): at most milli precision, rounding away from zero. */
export function roundUpMilli(q: Quantity): Quantity {
  if (q.exp >= -3) return q;
  const div = 10n ** BigInt(-3 - q.exp);
  const neg = q.n < 0n;
  const abs = neg ? -q.n : q.n;
  let r = abs / div;
  if (r * div !== abs) r += 1n;
  return { n: neg ? -r : r, exp: -3, format: q.format };
}

/** The canonical text kube-apiserver writes back (`0.5` → `500m`, `1024Mi` → `1Gi`). */
export function formatQuantity(q: Quantity): string {
  if (q.n === 0n) return '0';
  let n = q.n;
  let exp = q.exp;
  let format = q.format;
  if (format === 'BinarySI') {
    const integral = exp >= 0 || n % 10n ** BigInt(-exp) === 0n;
    const value = exp >= 0 ? n * 10n ** BigInt(exp) : n / 10n ** BigInt(-exp);
    const abs = value < 0n ? -value : value;
    if (!integral || abs < 1024n) format = 'DecimalSI';
    else {
      let v = value;
      let k = 0;
      while (k < 6 && v % 1024n === 0n) {
        v /= 1024n;
        k++;
      }
      return `${v}${['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'][k]}`;
    }
  }
  while (n % 10n === 0n) {
    n /= 10n;
    exp++;
  }
  const rem = ((exp % 3) + 3) % 3;
  n *= 10n ** BigInt(rem);
  exp -= rem;
  if (format === 'DecimalExponent') return exp === 0 ? `${n}` : `${n}e${exp}`;
  const suffix = Object.entries(DEC_SUFFIX).find(([, e]) => e === exp)?.[0];
  return suffix === undefined ? `${n}e${exp}` : `${n}${suffix}`;
}

/** SetDefaults_ResourceList: round up to milli precision, written back canonically. */
function defaultResourceList(list: unknown): void {
  if (!isJsonObject(list)) return;
  for (const [k, v] of Object.entries(list)) {
    const q = parseQuantity(v);
    if (q) list[k] = formatQuantity(roundUpMilli(q));
  }
}

// ---------------------------------------------------------------------------
// Defaults (pkg/apis/core/v1/defaults.go and the generated defaulters)
// ---------------------------------------------------------------------------

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
const VOLUME_SOURCES = [
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

// ---------------------------------------------------------------------------
// Validation helpers
// ---------------------------------------------------------------------------

export const NEGATIVE_MSG = 'must be greater than or equal to 0';
const FILE_MODE_MSG = 'must be a number between 0 and 0777 (octal), both inclusive';
const PORT_MSG = 'must be between 1 and 65535, inclusive';
const MAX_INT32 = 2147483647;
const ID_RANGE_MSG = `must be between 0 and ${MAX_INT32}, inclusive`;

const dnsLabel = (value: string, field: string): FieldError[] =>
  isDNS1123Label(value).map((m) => invalidValue(field, value, m));
const dnsSubdomain = (value: string, field: string): FieldError[] =>
  isDNS1123Subdomain(value).map((m) => invalidValue(field, value, m));
const qualifiedName = (value: string, field: string): FieldError[] =>
  isQualifiedName(value).map((m) => invalidValue(field, value, m));

/** ValidateNonnegativeField for a number that may be absent (absent counts as 0). */
export function nonNegative(v: unknown, field: string): FieldError[] {
  return typeof v === 'number' && v < 0 ? [invalidValue(field, v, NEGATIVE_MSG)] : [];
}

const inRange = (v: unknown, lo: number, hi: number): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

function fileMode(v: unknown, field: string): FieldError[] {
  return typeof v === 'number' && (v > 0o777 || v < 0)
    ? [invalidValue(field, v, FILE_MODE_MSG)]
    : [];
}

function ipAddress(field: string, value: string): FieldError[] {
  return isIP(value)
    ? []
    : [invalidValue(field, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

/** ValidatePortNumOrName on an IntOrString. */
function portNumOrName(port: unknown, field: string): FieldError[] {
  if (typeof port === 'string')
    return isValidPortName(port).map((m) => invalidValue(field, port, m));
  const n = typeof port === 'number' ? port : 0;
  return inRange(n, 1, 65535) ? [] : [invalidValue(field, n, PORT_MSG)];
}

function relaxedEnvVarName(value: string, field: string): FieldError[] {
  // RelaxedEnvironmentVariableValidation (on by default since 1.32).
  for (const ch of value) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || c > 0x7e || ch === '=')
      return [
        invalidValue(
          field,
          value,
          "a valid environment variable name must consist only of printable ASCII characters other than '='",
        ),
      ];
  }
  return [];
}

function configMapKey(value: string, field: string): FieldError[] {
  const msgs: string[] = [];
  if (value.length > 253) msgs.push('must be no more than 253 characters');
  if (!/^[-._a-zA-Z0-9]+$/.test(value))
    msgs.push(
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    );
  if (value === '.') msgs.push("must not be '.'");
  else if (value === '..') msgs.push("must not be '..'");
  else if (value.startsWith('..')) msgs.push("must not start with '..'");
  return msgs.map((m) => invalidValue(field, value, m));
}

function noBacksteps(path: string, field: string): FieldError[] {
  return path.split('/').includes('..') ? [invalidValue(field, path, "must not contain '..'")] : [];
}

function localDescendingPath(path: string, field: string): FieldError[] {
  const errs = path.startsWith('/') ? [invalidValue(field, path, 'must be a relative path')] : [];
  return [...errs, ...noBacksteps(path, field)];
}

function localNonReservedPath(path: string, field: string): FieldError[] {
  const errs = localDescendingPath(path, field);
  if (path.startsWith('..') && !path.startsWith('../'))
    errs.push(invalidValue(field, path, "must not start with '..'"));
  return errs;
}

// ---- label selectors (metav1.LabelSelector) ----

/** unversionedvalidation.ValidateLabelSelector (strict label values). */
export function validateLabelSelector(sel: unknown, field: string): FieldError[] {
  const s = obj(sel);
  if (!s) return [];
  const errs = validateLabels(s.matchLabels, `${field}.matchLabels`);
  objs(s.matchExpressions).forEach((e, i) => {
    const p = `${field}.matchExpressions[${i}]`;
    const values = arr(e.values);
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0)
          errs.push(
            required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"),
          );
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0)
          errs.push(
            forbiddenField(
              `${p}.values`,
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          );
        break;
      default:
        errs.push(invalidValue(`${p}.operator`, e.operator ?? '', 'not a valid selector operator'));
    }
    errs.push(...qualifiedName(str(e.key), `${p}.key`));
    values.forEach((v, j) => {
      for (const m of isValidLabelValue(str(v))) errs.push(invalidValue(`${p}.values[${j}]`, v, m));
    });
  });
  return errs;
}

/** metav1.LabelSelectorAsSelector: undefined when the selector cannot be converted. */
export function selectorOf(sel: unknown): LabelSelector | undefined {
  if (validateLabelSelector(sel, 'selector').length) return undefined;
  return sortedSelector(fromLabelSelectorObject(sel) ?? []);
}

/** Requirements sorted by key, values sorted, as labels.Selector.String() prints them. */
export function sortedSelector(sel: LabelSelector): LabelSelector {
  return [...sel]
    .map((r) => ('values' in r ? { ...r, values: [...r.values].sort() } : r))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export const selectorString = (sel: LabelSelector): string =>
  formatLabelSelector(sortedSelector(sel));

/** metav1.FormatLabelSelector: `<none>` when empty, `<error>` when invalid. */
export function formatSelectorObject(sel: unknown): string {
  if (!isJsonObject(sel)) return '<none>';
  const s = selectorOf(sel);
  if (!s) return '<error>';
  return s.length ? selectorString(s) : '<none>';
}

export const selectorMatches = matchesLabels;

// ---- resources ----

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
  'count/*',
]);
const INTEGER_RESOURCES = new Set([
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'services.nodeports',
  'services.loadbalancers',
  'persistentvolumeclaims',
  'configmaps',
  'secrets',
]);

const isHugePages = (name: string): boolean => name.startsWith('hugepages-');
const isNativeResource = (name: string): boolean =>
  !name.includes('/') || name.includes('kubernetes.io/');
const isExtendedResource = (name: string): boolean =>
  !isNativeResource(name) &&
  !name.startsWith('requests.') &&
  isQualifiedName(`requests.${name}`).length === 0;
const overcommitAllowed = (name: string): boolean => isNativeResource(name) && !isHugePages(name);

function containerResourceName(name: string, field: string): FieldError[] {
  const errs = qualifiedName(name, field);
  if (errs.length) return errs;
  if (!name.includes('/')) {
    if (!STANDARD_RESOURCES.has(name) && !isHugePages(name))
      errs.push(invalidValue(field, name, 'must be a standard resource type or fully qualified'));
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name))
      errs.push(invalidValue(field, name, 'must be a standard resource for containers'));
  } else if (!isNativeResource(name) && !isExtendedResource(name)) {
    errs.push(invalidValue(field, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** ValidateResourceQuantityValue, with the decoder's syntax check in front of it. */
export function quantityValue(
  name: string,
  v: unknown,
  field: string,
): { q?: Quantity; errs: FieldError[] } {
  const q = parseQuantity(v);
  if (!q) return { errs: [invalidValue(field, v, QUANTITY_FORMAT_MSG)] };
  const errs: FieldError[] = [];
  if (q.n < 0n) errs.push(invalidValue(field, formatQuantity(q), NEGATIVE_MSG));
  const integral = q.exp >= 0 || q.n % 10n ** BigInt(-q.exp) === 0n;
  if ((INTEGER_RESOURCES.has(name) || isExtendedResource(name)) && !integral)
    errs.push(invalidValue(field, formatQuantity(q), 'must be an integer'));
  return { q, errs };
}

/** ValidateContainerResourceRequirements (requests ≤ limits, names, quantities). */
export function validateResources(res: unknown, field: string): FieldError[] {
  const r = obj(res) ?? {};
  const errs: FieldError[] = [];
  const limPath = `${field}.limits`;
  const reqPath = `${field}.requests`;
  const limits = new Map<string, Quantity>();
  let cpuOrMemory = false;
  let hugePages = false;
  for (const [name, v] of Object.entries(obj(r.limits) ?? {})) {
    const p = `${limPath}[${name}]`;
    errs.push(...containerResourceName(name, p));
    const { q, errs: qErrs } = quantityValue(name, v, p);
    errs.push(...qErrs);
    if (q) limits.set(name, q);
    if (isHugePages(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  for (const [name, v] of Object.entries(obj(r.requests) ?? {})) {
    const p = `${reqPath}[${name}]`;
    errs.push(...containerResourceName(name, p));
    const { q, errs: qErrs } = quantityValue(name, v, p);
    errs.push(...qErrs);
    const limit = limits.get(name);
    if (q && limit) {
      const cmp = compareQuantity(q, limit);
      if (cmp !== 0 && !overcommitAllowed(name))
        errs.push(
          invalidValue(
            reqPath,
            formatQuantity(q),
            `must be equal to ${name} limit of ${formatQuantity(limit)}`,
          ),
        );
      else if (cmp > 0)
        errs.push(
          invalidValue(
            reqPath,
            formatQuantity(q),
            `must be less than or equal to ${name} limit of ${formatQuantity(limit)}`,
          ),
        );
    } else if (q && !overcommitAllowed(name) && !has(obj(r.limits) ?? {}, name)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePages(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  if (hugePages && !cpuOrMemory)
    errs.push(forbiddenField(field, 'HugePages require cpu or memory'));
  return errs;
}

// ---------------------------------------------------------------------------
// Volumes
// ---------------------------------------------------------------------------

type SourceCheck = (src: Obj, field: string) => FieldError[];

const requiredStrings =
  (...keys: string[]): SourceCheck =>
  (src, field) =>
    keys
      .filter((k) => !str(src[k]) && arr(src[k]).length === 0)
      .map((k) => required(`${field}.${k}`));

function keyToPaths(items: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(items).forEach((kp, i) => {
    const p = `${field}[${i}]`;
    if (!str(kp.key)) errs.push(required(`${p}.key`));
    if (!str(kp.path)) errs.push(required(`${p}.path`));
    errs.push(
      ...localNonReservedPath(str(kp.path), `${p}.path`),
      ...fileMode(kp.mode, `${p}.mode`),
    );
  });
  return errs;
}

const DOWNWARD_VOLUME_FIELDS = [
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
];
const RESOURCE_FIELDS = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];

function downwardAPIFile(file: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(file.path)) errs.push(required(`${field}.path`));
  errs.push(...localNonReservedPath(str(file.path), `${field}.path`));
  if (isJsonObject(file.fieldRef)) {
    errs.push(...objectFieldSelector(file.fieldRef, DOWNWARD_VOLUME_FIELDS, `${field}.fieldRef`));
    if (isJsonObject(file.resourceFieldRef))
      errs.push(
        invalidValue(
          field,
          'resource',
          'fieldRef and resourceFieldRef can not be specified simultaneously',
        ),
      );
  } else if (isJsonObject(file.resourceFieldRef)) {
    errs.push(...resourceFieldSelector(file.resourceFieldRef, `${field}.resourceFieldRef`, true));
  } else {
    errs.push(required(field, 'one of fieldRef and resourceFieldRef is required'));
  }
  return [...errs, ...fileMode(file.mode, `${field}.mode`)];
}

const checkEmptyDir: SourceCheck = (s, f) => {
  if (s.sizeLimit === undefined || s.sizeLimit === null) return [];
  const q = parseQuantity(s.sizeLimit);
  if (!q) return [invalidValue(`${f}.sizeLimit`, s.sizeLimit, QUANTITY_FORMAT_MSG)];
  return q.n < 0n
    ? [forbiddenField(`${f}.sizeLimit`, 'SizeLimit field must be a valid resource quantity')]
    : [];
};

const checkSecret: SourceCheck = (s, f) => [
  ...requiredStrings('secretName')(s, f),
  ...fileMode(s.defaultMode, `${f}.defaultMode`),
  ...keyToPaths(s.items, `${f}.items`),
];

const checkConfigMap: SourceCheck = (s, f) => [
  ...requiredStrings('name')(s, f),
  ...fileMode(s.defaultMode, `${f}.defaultMode`),
  ...keyToPaths(s.items, `${f}.items`),
];

const checkHostPath: SourceCheck = (s, f) => {
  if (!str(s.path)) return [required(`${f}.path`)];
  const types = [
    '',
    'BlockDevice',
    'CharDevice',
    'Directory',
    'DirectoryOrCreate',
    'File',
    'FileOrCreate',
    'Socket',
  ];
  const errs = noBacksteps(str(s.path), `${f}.path`);
  if (typeof s.type === 'string' && !types.includes(s.type))
    errs.push(notSupported(`${f}.type`, s.type, types));
  return errs;
};

const checkNFS: SourceCheck = (s, f) => {
  const errs = requiredStrings('server', 'path')(s, f);
  if (!str(s.path).startsWith('/'))
    errs.push(invalidValue(`${f}.path`, str(s.path), 'must be an absolute path'));
  return errs;
};

const checkDownwardAPI: SourceCheck = (s, f) => [
  ...fileMode(s.defaultMode, `${f}.defaultMode`),
  ...objs(s.items).flatMap((file) => downwardAPIFile(file, f)),
];

const checkProjected: SourceCheck = (s, f) => {
  const errs = fileMode(s.defaultMode, `${f}.defaultMode`);
  const paths = new Set<string>();
  const seen = (p: string, bad: unknown): void => {
    if (!p) return;
    if (paths.has(p)) errs.push(invalidValue(f, bad, 'conflicting duplicate paths'));
    paths.add(p);
  };
  objs(s.sources).forEach((src, i) => {
    const sp = `${f}.sources[${i}]`;
    let count = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      const ref = obj(src[kind]);
      if (!ref) continue;
      count++;
      if (!str(ref.name)) errs.push(required(`${sp}.${kind}.name`));
      errs.push(...keyToPaths(ref.items, `${sp}.${kind}.items`));
      for (const kp of objs(ref.items)) seen(str(kp.path), str(ref.name));
    }
    const dapi = obj(src.downwardAPI);
    if (dapi) {
      count++;
      for (const file of objs(dapi.items)) {
        errs.push(...downwardAPIFile(file, `${sp}.downwardAPI`));
        seen(str(file.path), str(file.path));
      }
    }
    const token = obj(src.serviceAccountToken);
    if (token) {
      count++;
      const secs = int(token.expirationSeconds);
      if (secs < 600)
        errs.push(
          invalidValue(
            `${sp}.serviceAccountToken.expirationSeconds`,
            secs,
            'may not specify a duration less than 10 minutes',
          ),
        );
      if (secs > 2 ** 32)
        errs.push(
          invalidValue(
            `${sp}.serviceAccountToken.expirationSeconds`,
            secs,
            'may not specify a duration larger than 2^32 seconds',
          ),
        );
      if (!str(token.path)) errs.push(required(`${f}.path`));
      else errs.push(...localNonReservedPath(str(token.path), `${f}.path`));
    }
    const bundle = obj(src.clusterTrustBundle);
    if (bundle) {
      count++;
      if (!str(bundle.path)) errs.push(required(`${sp}.clusterTrustBundle.path`));
    }
    if (count > 1)
      errs.push(forbiddenField(sp, 'may not specify more than 1 volume type per source'));
  });
  return errs;
};

const checkCSI: SourceCheck = (s, f) => {
  if (!str(s.driver)) return [required(`${f}.driver`)];
  return isDNS1123Subdomain(str(s.driver).toLowerCase()).map((m) =>
    invalidValue(`${f}.driver`, s.driver, m),
  );
};

const checkEphemeral: SourceCheck = (s, f) =>
  isJsonObject(s.volumeClaimTemplate) ? [] : [required(`${f}.volumeClaimTemplate`)];

/** Per source: the name used in "more than 1 volume type" errors, the path of its own checks, the checks. */
const SOURCE_CHECKS: Record<string, [string, string, SourceCheck?]> = {
  emptyDir: ['emptyDir', 'emptyDir', checkEmptyDir],
  hostPath: ['hostPath', 'hostPath', checkHostPath],
  gitRepo: [
    'gitRepo',
    'gitRepo',
    (s, f) => [
      ...requiredStrings('repository')(s, f),
      ...localDescendingPath(str(s.directory), `${f}.directory`),
    ],
  ],
  gcePersistentDisk: ['gcePersistentDisk', 'persistentDisk', requiredStrings('pdName')],
  awsElasticBlockStore: [
    'awsElasticBlockStore',
    'awsElasticBlockStore',
    requiredStrings('volumeID'),
  ],
  secret: ['secret', 'secret', checkSecret],
  nfs: ['nfs', 'nfs', checkNFS],
  iscsi: ['iscsi', 'iscsi', requiredStrings('targetPortal', 'iqn')],
  glusterfs: ['glusterfs', 'glusterfs', requiredStrings('endpoints', 'path')],
  flocker: ['flocker', 'flocker'],
  persistentVolumeClaim: [
    'persistentVolumeClaim',
    'persistentVolumeClaim',
    requiredStrings('claimName'),
  ],
  rbd: ['rbd', 'rbd', requiredStrings('monitors', 'image')],
  cinder: ['cinder', 'cinder', requiredStrings('volumeID')],
  cephfs: ['cephFS', 'cephfs', requiredStrings('monitors')],
  quobyte: ['quobyte', 'quobyte', requiredStrings('volume')],
  // kube-apiserver spells this one "downwarAPI" in the message.
  downwardAPI: ['downwarAPI', 'downwardAPI', checkDownwardAPI],
  fc: ['fc', 'fc'],
  flexVolume: ['flexVolume', 'flexVolume', requiredStrings('driver')],
  configMap: ['configMap', 'configMap', checkConfigMap],
  azureFile: ['azureFile', 'azureFile', requiredStrings('secretName', 'shareName')],
  vsphereVolume: ['vsphereVolume', 'vsphereVolume', requiredStrings('volumePath')],
  photonPersistentDisk: ['photonPersistentDisk', 'photonPersistentDisk', requiredStrings('pdID')],
  portworxVolume: ['portworxVolume', 'portworxVolume', requiredStrings('volumeID')],
  azureDisk: ['azureDisk', 'azureDisk', requiredStrings('diskName', 'diskURI')],
  storageos: ['storageos', 'storageos', requiredStrings('volumeName')],
  projected: ['projected', 'projected', checkProjected],
  scaleIO: ['scaleIO', 'scaleIO', requiredStrings('gateway', 'system', 'volumeName')],
  csi: ['csi', 'csi', checkCSI],
  ephemeral: ['ephemeral', 'ephemeral', checkEphemeral],
  image: ['image', 'image'],
};

function validateVolumeSource(v: Obj, field: string, isPod: boolean): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const key of VOLUME_SOURCES) {
    const src = obj(v[key]);
    if (!src) continue;
    const [name, sub, check] = SOURCE_CHECKS[key] ?? [key, key];
    if (count > 0) {
      errs.push(forbiddenField(`${field}.${name}`, 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    if (check) errs.push(...check(src, `${field}.${sub}`));
    if (key === 'image' && isPod && !str(src.reference))
      errs.push(required(`${field}.image.reference`));
  }
  if (count === 0) errs.push(required(field, 'must specify a volume type'));
  return errs;
}

/** ValidateVolumes: the valid volumes by name, and the errors. */
function validateVolumes(
  volumes: Obj[],
  field: string,
  isPod: boolean,
): { vols: Map<string, Obj>; errs: FieldError[] } {
  const vols = new Map<string, Obj>();
  const errs: FieldError[] = [];
  volumes.forEach((v, i) => {
    const idx = `${field}[${i}]`;
    const name = str(v.name);
    const el = validateVolumeSource(v, idx, isPod);
    if (!name) el.push(required(`${idx}.name`));
    else el.push(...dnsLabel(name, `${idx}.name`));
    if (vols.has(name)) el.push(duplicate(`${idx}.name`, name));
    if (el.length === 0) vols.set(name, v);
    else errs.push(...el);
  });
  return { vols, errs };
}

// ---------------------------------------------------------------------------
// Containers
// ---------------------------------------------------------------------------

const ENV_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const CONVERTIBLE_FIELDS = new Set([
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);

function objectFieldSelector(fs: Obj, supported: string[], field: string): FieldError[] {
  if (!str(fs.apiVersion)) return [required(`${field}.apiVersion`)];
  const fieldPath = str(fs.fieldPath);
  if (!fieldPath) return [required(`${field}.fieldPath`)];
  const sub = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fieldPath);
  const base = sub ? (sub[1] ?? '') : fieldPath;
  if (!CONVERTIBLE_FIELDS.has(base))
    return [
      invalidValue(
        `${field}.fieldPath`,
        fieldPath,
        `error converting fieldPath: field label not supported: ${fieldPath}`,
      ),
    ];
  if (sub) {
    const key = sub[2] ?? '';
    return qualifiedName(base === 'metadata.annotations' ? key.toLowerCase() : key, field);
  }
  if (/\[.*\]$/.test(fieldPath)) return [invalidValue(field, base, 'does not support subscript')];
  return supported.includes(base)
    ? []
    : [notSupported(`${field}.fieldPath`, base, [...supported].sort())];
}

function resourceFieldSelector(fs: Obj, field: string, volume: boolean): FieldError[] {
  const resource = str(fs.resource);
  if (volume && !str(fs.containerName)) return [required(`${field}.containerName`)];
  if (!resource) return [required(`${field}.resource`)];
  if (!RESOURCE_FIELDS.includes(resource) && !/^(requests|limits)\.hugepages-/.test(resource))
    return [notSupported(`${field}.resource`, resource, RESOURCE_FIELDS)];
  return [];
}

function keySelector(s: Obj, field: string): FieldError[] {
  const errs = dnsSubdomain(str(s.name), `${field}.name`);
  const key = str(s.key);
  if (!key) errs.push(required(`${field}.key`));
  else errs.push(...configMapKey(key, `${field}.key`));
  return errs;
}

function validateEnv(env: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(env).forEach((ev, i) => {
    const idx = `${field}[${i}]`;
    const name = str(ev.name);
    if (!name) errs.push(required(`${idx}.name`));
    else errs.push(...relaxedEnvVarName(name, `${idx}.name`));
    const from = obj(ev.valueFrom);
    if (!from) return;
    const vf = `${idx}.valueFrom`;
    let n = 0;
    if (isJsonObject(from.fieldRef)) {
      n++;
      errs.push(...objectFieldSelector(from.fieldRef, ENV_FIELDS, `${vf}.fieldRef`));
    }
    if (isJsonObject(from.resourceFieldRef)) {
      n++;
      errs.push(...resourceFieldSelector(from.resourceFieldRef, `${vf}.resourceFieldRef`, false));
    }
    if (isJsonObject(from.configMapKeyRef)) {
      n++;
      errs.push(...keySelector(from.configMapKeyRef, `${vf}.configMapKeyRef`));
    }
    if (isJsonObject(from.secretKeyRef)) {
      n++;
      errs.push(...keySelector(from.secretKeyRef, `${vf}.secretKeyRef`));
    }
    if (n === 0)
      errs.push(
        invalidValue(
          vf,
          '',
          'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
        ),
      );
    else if (str(ev.value))
      errs.push(invalidValue(vf, '', 'may not be specified when `value` is not empty'));
    else if (n > 1)
      errs.push(invalidValue(vf, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(envFrom).forEach((ev, i) => {
    const idx = `${field}[${i}]`;
    if (str(ev.prefix)) errs.push(...relaxedEnvVarName(str(ev.prefix), `${idx}.prefix`));
    let n = 0;
    for (const kind of ['configMapRef', 'secretRef']) {
      const ref = obj(ev[kind]);
      if (!ref) continue;
      n++;
      const name = str(ref.name);
      // Names are checked as prefixes, so a trailing '-' is allowed.
      if (!name) errs.push(required(`${idx}.${kind}.name`));
      else
        for (const m of isDNS1123Subdomain(name.replace(/-$/, 'a')))
          errs.push(invalidValue(`${idx}.${kind}.name`, name, m));
    }
    if (n === 0)
      errs.push(invalidValue(field, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1)
      errs.push(invalidValue(field, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validatePorts(ports: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objs(ports).forEach((port, i) => {
    const idx = `${field}[${i}]`;
    const name = str(port.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length) for (const m of msgs) errs.push(invalidValue(`${idx}.name`, name, m));
      else if (names.has(name)) errs.push(duplicate(`${idx}.name`, name));
      else names.add(name);
    }
    if (!port.containerPort) errs.push(required(`${idx}.containerPort`));
    else if (!inRange(port.containerPort, 1, 65535))
      errs.push(invalidValue(`${idx}.containerPort`, port.containerPort, PORT_MSG));
    if (port.hostPort && !inRange(port.hostPort, 1, 65535))
      errs.push(invalidValue(`${idx}.hostPort`, port.hostPort, PORT_MSG));
    const protocol = str(port.protocol);
    if (!protocol) errs.push(required(`${idx}.protocol`));
    else if (!['SCTP', 'TCP', 'UDP'].includes(protocol))
      errs.push(notSupported(`${idx}.protocol`, protocol, ['SCTP', 'TCP', 'UDP']));
  });
  return errs;
}

function validateVolumeMounts(c: Obj, vols: Map<string, Obj>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  const devices = new Map(objs(c.volumeDevices).map((d) => [str(d.name), str(d.devicePath)]));
  const privileged = obj(c.securityContext)?.privileged === true;
  objs(c.volumeMounts).forEach((m, i) => {
    const idx = `${field}[${i}]`;
    const name = str(m.name);
    const mountPath = str(m.mountPath);
    if (!name) errs.push(required(`${idx}.name`));
    if (!vols.has(name))
      errs.push({ type: 'FieldValueNotFound', field: `${idx}.name`, badValue: name });
    if (!mountPath) errs.push(required(`${idx}.mountPath`));
    if (mountPoints.has(mountPath))
      errs.push(invalidValue(`${idx}.mountPath`, mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    if (devices.has(name))
      errs.push(invalidValue(`${idx}.name`, name, 'must not already exist in volumeDevices'));
    if ([...devices.values()].includes(mountPath))
      errs.push(
        invalidValue(
          `${idx}.mountPath`,
          mountPath,
          'must not already exist as a path in volumeDevices',
        ),
      );
    const subPath = str(m.subPath);
    const subPathExpr = str(m.subPathExpr);
    if (vols.get(name)?.image) {
      if (subPath)
        errs.push(invalidValue(`${idx}.subPath`, subPath, 'not allowed in image volume sources'));
      if (subPathExpr)
        errs.push(
          invalidValue(`${idx}.subPathExpr`, subPathExpr, 'not allowed in image volume sources'),
        );
    }
    // kube-apiserver reports these two under the list's path, not the item's.
    if (subPath) errs.push(...localDescendingPath(subPath, `${field}.subPath`));
    if (subPathExpr) {
      if (subPath)
        errs.push(
          invalidValue(
            `${idx}.subPathExpr`,
            subPathExpr,
            'subPathExpr and subPath are mutually exclusive',
          ),
        );
      errs.push(...localDescendingPath(subPathExpr, `${field}.subPathExpr`));
    }
    if (typeof m.mountPropagation === 'string') {
      const prop = m.mountPropagation;
      const supported = ['Bidirectional', 'HostToContainer', 'None'];
      if (!supported.includes(prop))
        errs.push(notSupported(`${field}.mountPropagation`, prop, supported));
      if (prop === 'Bidirectional' && !privileged)
        errs.push(
          forbiddenField(
            `${field}.mountPropagation`,
            'Bidirectional mount propagation is available only to privileged containers',
          ),
        );
    }
    if (typeof m.recursiveReadOnly === 'string') {
      const rro = m.recursiveReadOnly;
      const p = `${field}.recursiveReadOnly`;
      if (rro === 'Enabled' || rro === 'IfPossible') {
        if (m.readOnly !== true)
          errs.push(forbiddenField(p, 'may only be specified when readOnly is true'));
        if (m.mountPropagation && m.mountPropagation !== 'None')
          errs.push(
            forbiddenField(
              p,
              'may only be specified when mountPropagation is None or not specified',
            ),
          );
      } else if (rro !== 'Disabled')
        errs.push(notSupported(p, rro, ['Disabled', 'Enabled', 'IfPossible']));
    }
  });
  return errs;
}

function validateContainerSecurityContext(sc: unknown, field: string): FieldError[] {
  const s = obj(sc);
  if (!s) return [];
  const errs: FieldError[] = [];
  for (const k of ['runAsUser', 'runAsGroup'])
    if (s[k] !== undefined && s[k] !== null && !inRange(s[k], 0, MAX_INT32))
      errs.push(invalidValue(`${field}.${k}`, s[k], ID_RANGE_MSG));
  if (typeof s.procMount === 'string' && !['Default', 'Unmasked'].includes(s.procMount))
    errs.push(notSupported(`${field}.procMount`, s.procMount, ['Default', 'Unmasked']));
  errs.push(...seccompProfile(s.seccompProfile, `${field}.seccompProfile`));
  if (s.allowPrivilegeEscalation === false && s.privileged === true)
    errs.push(
      invalidValue(
        field,
        s,
        'cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
      ),
    );
  return errs;
}

function seccompProfile(p: unknown, field: string): FieldError[] {
  const s = obj(p);
  if (!s) return [];
  const type = str(s.type);
  if (!type) return [required(`${field}.type`, 'type is required when seccompProfile is set')];
  if (!['Localhost', 'RuntimeDefault', 'Unconfined'].includes(type))
    return [notSupported(`${field}.type`, type, ['Localhost', 'RuntimeDefault', 'Unconfined'])];
  return [];
}

/** validateContainerCommon: what regular, init and ephemeral containers share. */
function validateContainerCommon(c: Obj, vols: Map<string, Obj>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(c.name);
  if (!name) errs.push(required(`${field}.name`));
  else errs.push(...dnsLabel(name, `${field}.name`));
  if (!str(c.image)) errs.push(required(`${field}.image`));
  const tmp = str(c.terminationMessagePolicy);
  if (!tmp) errs.push(required(`${field}.terminationMessagePolicy`));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError')
    errs.push(
      notSupported(`${field}.terminationMessagePolicy`, tmp, ['File', 'FallbackToLogsOnError']),
    );
  errs.push(...validatePorts(c.ports, `${field}.ports`));
  errs.push(...validateEnv(c.env, `${field}.env`));
  errs.push(...validateEnvFrom(c.envFrom, `${field}.envFrom`));
  errs.push(...validateVolumeMounts(c, vols, `${field}.volumeMounts`));
  const pull = str(c.imagePullPolicy);
  if (!pull) errs.push(required(`${field}.imagePullPolicy`));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(pull))
    errs.push(notSupported(`${field}.imagePullPolicy`, pull, ['Always', 'IfNotPresent', 'Never']));
  errs.push(...validateResources(c.resources, `${field}.resources`));
  errs.push(...validateContainerSecurityContext(c.securityContext, `${field}.securityContext`));
  return errs;
}

function validateHandler(
  h: Obj,
  grace: number | undefined,
  field: string,
  sleepAllowed: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  const kinds = sleepAllowed
    ? ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep']
    : ['exec', 'httpGet', 'tcpSocket', 'grpc'];
  for (const kind of kinds) {
    const a = obj(h[kind]);
    if (!a) continue;
    const p = `${field}.${kind}`;
    if (n > 0) {
      errs.push(forbiddenField(p, 'may not specify more than 1 handler type'));
      continue;
    }
    n++;
    if (kind === 'exec' && arr(a.command).length === 0) errs.push(required(`${p}.command`));
    if (kind === 'httpGet') {
      if (!str(a.path)) errs.push(required(`${p}.path`));
      errs.push(...portNumOrName(a.port, `${p}.port`));
      if (!['HTTP', 'HTTPS'].includes(str(a.scheme)))
        errs.push(notSupported(`${p}.scheme`, str(a.scheme), ['HTTP', 'HTTPS']));
    }
    if (kind === 'tcpSocket') errs.push(...portNumOrName(a.port, `${p}.port`));
    if (kind === 'grpc') errs.push(...portNumOrName(int(a.port), `${p}.port`));
    if (kind === 'sleep' && grace !== undefined) {
      const secs = int(a.seconds);
      if (secs < 0 || secs > grace)
        errs.push(
          invalidValue(
            p,
            secs,
            `must be non-negative and less than terminationGracePeriodSeconds (${grace})`,
          ),
        );
    }
  }
  if (n === 0) errs.push(required(field, 'must specify a handler type'));
  return errs;
}

function validateProbe(
  probe: unknown,
  grace: number | undefined,
  field: string,
  kind: 'liveness' | 'readiness' | 'startup',
): FieldError[] {
  const p = obj(probe);
  if (!p) return [];
  const errs = validateHandler(p, grace, field, false);
  for (const k of [
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
  ])
    errs.push(...nonNegative(p[k], `${field}.${k}`));
  const tgps = p.terminationGracePeriodSeconds;
  if (typeof tgps === 'number' && tgps <= 0)
    errs.push(
      invalidValue(`${field}.terminationGracePeriodSeconds`, tgps, 'must be greater than 0'),
    );
  if (kind !== 'readiness' && int(p.successThreshold) !== 1)
    errs.push(invalidValue(`${field}.successThreshold`, int(p.successThreshold), 'must be 1'));
  if (kind === 'readiness' && tgps !== undefined && tgps !== null)
    errs.push(
      invalidValue(
        `${field}.terminationGracePeriodSeconds`,
        tgps,
        'must not be set for readinessProbes',
      ),
    );
  return errs;
}

function validateLifecycleAndProbes(
  c: Obj,
  grace: number | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const lc = obj(c.lifecycle);
  if (lc) {
    for (const hook of ['postStart', 'preStop']) {
      const h = obj(lc[hook]);
      if (h) errs.push(...validateHandler(h, grace, `${field}.lifecycle.${hook}`, true));
    }
  }
  errs.push(...validateProbe(c.livenessProbe, grace, `${field}.livenessProbe`, 'liveness'));
  errs.push(...validateProbe(c.readinessProbe, grace, `${field}.readinessProbe`, 'readiness'));
  errs.push(...validateProbe(c.startupProbe, grace, `${field}.startupProbe`, 'startup'));
  return errs;
}

/** AccumulateUniqueHostPorts over the given containers. */
function hostPortConflicts(containers: Obj[], field: string, offset = 0): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    objs(c.ports).forEach((p, pi) => {
      if (!p.hostPort) return;
      const key = `${str(p.protocol)}/${str(p.hostIP)}/${String(p.hostPort)}`;
      if (seen.has(key))
        errs.push(duplicate(`${field}[${ci + offset}].ports[${pi}].hostPort`, key));
      else seen.add(key);
    });
  });
  return errs;
}

function validateContainers(
  containers: Obj[],
  vols: Map<string, Obj>,
  grace: number | undefined,
  field: string,
): FieldError[] {
  if (containers.length === 0) return [required(field)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const p = `${field}[${i}]`;
    errs.push(...validateContainerCommon(c, vols, p));
    const name = str(c.name);
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
    else names.add(name);
    errs.push(...validateLifecycleAndProbes(c, grace, p));
    if (has(c, 'restartPolicy'))
      errs.push(forbiddenField(`${p}.restartPolicy`, 'may not be set for non-init containers'));
  });
  errs.push(...hostPortConflicts(containers, field));
  return errs;
}

const INIT_FORBIDDEN = 'may not be set for init containers without restartPolicy=Always';

function validateInitContainers(
  inits: Obj[],
  regular: Obj[],
  vols: Map<string, Obj>,
  grace: number | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(regular.map((c) => str(c.name)));
  inits.forEach((c, i) => {
    const p = `${field}[${i}]`;
    errs.push(...validateContainerCommon(c, vols, p));
    const restartAlways = c.restartPolicy === 'Always';
    if (has(c, 'restartPolicy') && !restartAlways)
      errs.push(notSupported(`${p}.restartPolicy`, c.restartPolicy, ['Always']));
    const name = str(c.name);
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
    else if (name) names.add(name);
    errs.push(...hostPortConflicts([c], field, i));
    if (restartAlways) errs.push(...validateLifecycleAndProbes(c, grace, p));
    else
      for (const k of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'])
        if (has(c, k)) errs.push(forbiddenField(`${p}.${k}`, INIT_FORBIDDEN));
  });
  return errs;
}

const EPHEMERAL_FORBIDDEN = [
  'ports',
  'resources',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'resizePolicy',
  'restartPolicy',
];

function validateEphemeralContainers(
  eph: Obj[],
  spec: Obj,
  vols: Map<string, Obj>,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const others = new Set(
    [...objs(spec.containers), ...objs(spec.initContainers)].map((c) => str(c.name)),
  );
  const names = new Set(others);
  eph.forEach((c, i) => {
    const p = `${field}[${i}]`;
    errs.push(...validateContainerCommon(c, vols, p), ...imageWhitespace(c, p));
    const name = str(c.name);
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
    else names.add(name);
    const target = str(c.targetContainerName);
    if (target && !others.has(target))
      errs.push({
        type: 'FieldValueNotFound',
        field: `${p}.targetContainerName`,
        badValue: target,
      });
    for (const k of EPHEMERAL_FORBIDDEN) {
      const v = c[k];
      // `resources: {}` is what the defaulter writes: it counts as unset.
      if (has(c, k) && !(k === 'resources' && equalIgnoringZeroValues(v, {})))
        errs.push(forbiddenField(`${p}.${k}`, 'cannot be set for an Ephemeral Container'));
    }
    objs(c.volumeMounts).forEach((m, j) => {
      for (const k of ['subPath', 'subPathExpr'])
        if (str(m[k]))
          errs.push(
            forbiddenField(
              `${p}.volumeMounts[${j}].${k}`,
              'cannot be set for an Ephemeral Container',
            ),
          );
    });
  });
  return errs;
}

/** validateContainerOnlyForPod: a Pod's images may not carry surrounding whitespace. */
export function imageWhitespace(c: Obj, field: string): FieldError[] {
  const image = str(c.image);
  return image.length !== image.trim().length
    ? [invalidValue(`${field}.image`, image, 'must not have leading or trailing whitespace')]
    : [];
}

// ---------------------------------------------------------------------------
// PodSpec
// ---------------------------------------------------------------------------

function validatePodSecurityContext(spec: Obj, field: string): FieldError[] {
  const sc = obj(spec.securityContext);
  const errs: FieldError[] = [];
  if (!sc) return errs;
  for (const k of ['fsGroup', 'runAsUser', 'runAsGroup'])
    if (sc[k] !== undefined && sc[k] !== null && !inRange(sc[k], 0, MAX_INT32))
      errs.push(invalidValue(`${field}.${k}`, sc[k], ID_RANGE_MSG));
  arr(sc.supplementalGroups).forEach((g, i) => {
    if (!inRange(g, 0, MAX_INT32))
      errs.push(invalidValue(`${field}.supplementalGroups[${i}]`, g, ID_RANGE_MSG));
  });
  if (spec.shareProcessNamespace === true && spec.hostPID === true)
    errs.push(
      invalidValue(
        `${field}.shareProcessNamespace`,
        true,
        'ShareProcessNamespace and HostPID cannot both be enabled',
      ),
    );
  const sysctlRe = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;
  const seen = new Set<string>();
  objs(sc.sysctls).forEach((s, i) => {
    const name = str(s.name);
    const p = `${field}.sysctls[${i}].name`;
    if (!name) errs.push(required(p));
    else if (name.length > 253 || !sysctlRe.test(name))
      errs.push(
        invalidValue(
          p,
          name,
          `must have at most 253 characters and match regex ${sysctlRe.source}`,
        ),
      );
    else if (seen.has(name)) errs.push(duplicate(p, name));
    seen.add(name);
  });
  if (
    typeof sc.fsGroupChangePolicy === 'string' &&
    !['Always', 'OnRootMismatch'].includes(sc.fsGroupChangePolicy)
  )
    errs.push(
      notSupported(`${field}.fsGroupChangePolicy`, sc.fsGroupChangePolicy, [
        'Always',
        'OnRootMismatch',
      ]),
    );
  errs.push(...seccompProfile(sc.seccompProfile, `${field}.seccompProfile`));
  return errs;
}

function validateDNSConfig(spec: Obj, field: string): FieldError[] {
  const cfg = obj(spec.dnsConfig);
  if (spec.dnsPolicy === 'None') {
    if (!cfg) return [required(field, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (arr(cfg.nameservers).length === 0)
      return [
        required(
          `${field}.nameservers`,
          'must provide at least one DNS nameserver when `dnsPolicy` is None',
        ),
      ];
  }
  if (!cfg) return [];
  const errs: FieldError[] = [];
  const nameservers = arr(cfg.nameservers).map(str);
  if (nameservers.length > 3)
    errs.push(
      invalidValue(`${field}.nameservers`, nameservers, 'must not have more than 3 nameservers'),
    );
  nameservers.forEach((ns, i) => errs.push(...ipAddress(`${field}.nameservers[${i}]`, ns)));
  const searches = arr(cfg.searches).map(str);
  if (searches.length > 32)
    errs.push(
      invalidValue(`${field}.searches`, searches, 'must not have more than 32 search paths'),
    );
  if (searches.join(' ').length > 2048)
    errs.push(
      invalidValue(
        `${field}.searches`,
        searches,
        'must not have more than 2048 characters (including spaces) in the search list',
      ),
    );
  searches.forEach((s, i) => {
    if (s === '.') return;
    // RelaxedDNSSearchValidation: underscores are allowed.
    const v = s.replace(/\.$/, '');
    if (
      !/^[a-z0-9_]([-a-z0-9_]*[a-z0-9_])?(\.[a-z0-9_]([-a-z0-9_]*[a-z0-9_])?)*$/.test(v) ||
      v.length > 253
    )
      for (const m of isDNS1123Subdomain(v.replace(/_/g, 'a')))
        errs.push(invalidValue(`${field}.searches[${i}]`, v, m));
  });
  objs(cfg.options).forEach((o, i) => {
    if (!str(o.name)) errs.push(required(`${field}.options[${i}]`, 'must not be empty'));
  });
  return errs;
}

export function validateTolerations(tolerations: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(tolerations).forEach((t, i) => {
    const p = `${field}[${i}]`;
    const key = str(t.key);
    const operator = str(t.operator);
    const effect = str(t.effect);
    if (key) errs.push(...qualifiedName(key, `${p}.key`));
    if (!key && operator !== 'Exists')
      errs.push(
        invalidValue(
          `${p}.operator`,
          operator,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && effect !== 'NoExecute')
      errs.push(
        invalidValue(
          `${p}.effect`,
          effect,
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      );
    if (operator === 'Equal' || operator === '') {
      const msgs = isValidLabelValue(str(t.value));
      if (msgs.length) errs.push(invalidValue(`${p}.operator`, str(t.value), msgs.join(';')));
    } else if (operator === 'Exists') {
      if (str(t.value))
        errs.push(
          invalidValue(
            `${p}.operator`,
            str(t.value),
            "value must be empty when `operator` is 'Exists'",
          ),
        );
    } else errs.push(notSupported(`${p}.operator`, operator, ['Equal', 'Exists']));
    if (effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect))
      errs.push(
        notSupported(`${p}.effect`, effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
      );
  });
  return errs;
}

export interface PodSpecContext {
  /** The spec belongs to a Pod (not a template): stricter hostNetwork ports, image volumes. */
  isPod: boolean;
}

/** ValidatePodSpec, with the field paths and messages of kube-apiserver. */
export function validatePodSpec(spec: Obj, field: string, ctx: PodSpecContext): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof spec.terminationGracePeriodSeconds !== 'number')
    errs.push(required(`${field}.terminationGracePeriodSeconds`));
  const grace =
    typeof spec.terminationGracePeriodSeconds === 'number'
      ? spec.terminationGracePeriodSeconds
      : undefined;
  const { vols, errs: volErrs } = validateVolumes(
    objs(spec.volumes),
    `${field}.volumes`,
    ctx.isPod,
  );
  errs.push(...volErrs);
  const containers = objs(spec.containers);
  errs.push(...validateContainers(containers, vols, grace, `${field}.containers`));
  errs.push(
    ...validateInitContainers(
      objs(spec.initContainers),
      containers,
      vols,
      grace,
      `${field}.initContainers`,
    ),
  );
  errs.push(
    ...validateEphemeralContainers(
      objs(spec.ephemeralContainers),
      spec,
      vols,
      `${field}.ephemeralContainers`,
    ),
  );
  if (spec.hostNetwork === true) {
    containers.forEach((c, i) => {
      objs(c.ports).forEach((p, j) => {
        const hp = int(p.hostPort);
        if ((ctx.isPod || hp !== 0) && hp !== int(p.containerPort))
          errs.push(
            invalidValue(
              `${field}.containers[${i}].ports[${j}].hostPort`,
              hp,
              'must match `containerPort` when `hostNetwork` is true',
            ),
          );
      });
    });
  }
  const restart = str(spec.restartPolicy);
  if (!restart) errs.push(required(`${field}.restartPolicy`));
  else if (!['Always', 'OnFailure', 'Never'].includes(restart))
    errs.push(notSupported(`${field}.restartPolicy`, restart, ['Always', 'OnFailure', 'Never']));
  const dns = str(spec.dnsPolicy);
  const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  if (!dns) errs.push(required(`${field}.dnsPolicy`));
  else if (!dnsPolicies.includes(dns))
    errs.push(notSupported(`${field}.dnsPolicy`, dns, dnsPolicies));
  errs.push(...validateLabels(spec.nodeSelector, `${field}.nodeSelector`));
  errs.push(...validatePodSecurityContext(spec, `${field}.securityContext`));
  arr(spec.imagePullSecrets).forEach((s, i) => {
    const o = obj(s) ?? {};
    if (Object.keys(o).some((k) => k !== 'name'))
      errs.push(invalidValue(`${field}.imagePullSecrets[${i}]`, o, 'only name may be set'));
  });
  errs.push(...validateDNSConfig(spec, `${field}.dnsConfig`));
  objs(spec.readinessGates).forEach((g, i) =>
    errs.push(
      ...qualifiedName(str(g.conditionType), `${field}.readinessGates[${i}].conditionType`),
    ),
  );
  const gates = new Set<string>();
  objs(spec.schedulingGates).forEach((g, i) => {
    const name = str(g.name);
    errs.push(...qualifiedName(name, `${field}.schedulingGates[${i}]`));
    if (gates.has(name)) errs.push(duplicate(`${field}.schedulingGates[${i}]`, name));
    gates.add(name);
  });
  if (str(spec.serviceAccountName))
    errs.push(...dnsSubdomain(str(spec.serviceAccountName), `${field}.serviceAccountName`));
  if (str(spec.nodeName)) errs.push(...dnsSubdomain(str(spec.nodeName), `${field}.nodeName`));
  if (
    spec.activeDeadlineSeconds !== undefined &&
    spec.activeDeadlineSeconds !== null &&
    !inRange(spec.activeDeadlineSeconds, 1, MAX_INT32)
  )
    errs.push(
      invalidValue(
        `${field}.activeDeadlineSeconds`,
        spec.activeDeadlineSeconds,
        `must be between 1 and ${MAX_INT32}, inclusive`,
      ),
    );
  if (str(spec.hostname)) errs.push(...dnsLabel(str(spec.hostname), `${field}.hostname`));
  if (str(spec.subdomain)) errs.push(...dnsLabel(str(spec.subdomain), `${field}.subdomain`));
  errs.push(...validateTolerations(spec.tolerations, `${field}.tolerations`));
  objs(spec.hostAliases).forEach((a, i) => {
    errs.push(...ipAddress(`${field}.hostAliases[${i}].ip`, str(a.ip)));
    arr(a.hostnames).forEach((h, j) =>
      errs.push(...dnsSubdomain(str(h), `${field}.hostAliases[${i}].hostnames[${j}]`)),
    );
  });
  if (str(spec.priorityClassName))
    errs.push(...dnsSubdomain(str(spec.priorityClassName), `${field}.priorityClassName`));
  if (typeof spec.runtimeClassName === 'string')
    errs.push(...dnsSubdomain(spec.runtimeClassName, `${field}.runtimeClassName`));
  if (typeof spec.preemptionPolicy === 'string') {
    const pp = spec.preemptionPolicy;
    if (!pp) errs.push(required(`${field}.preemptionPolicy`));
    else if (!['PreemptLowerPriority', 'Never'].includes(pp))
      errs.push(notSupported(`${field}.preemptionPolicy`, pp, ['PreemptLowerPriority', 'Never']));
  }
  if (isJsonObject(spec.overhead))
    errs.push(...validateResources({ limits: spec.overhead }, `${field}.overhead`));
  const os = obj(spec.os);
  if (os && !['linux', 'windows'].includes(str(os.name)))
    errs.push(notSupported(`${field}.os.name`, str(os.name), ['linux', 'windows']));
  return errs;
}

/** ValidatePodTemplateSpec: labels and annotations (at the template's own path) and the spec. */
export function validatePodTemplateSpec(template: Obj, field: string): FieldError[] {
  const meta = obj(template.metadata) ?? {};
  const spec = obj(template.spec) ?? {};
  const errs = [
    ...validateLabels(meta.labels, `${field}.labels`),
    ...validateAnnotations(meta.annotations, `${field}.annotations`),
    ...validatePodSpec(spec, `${field}.spec`, { isPod: false }),
  ];
  if (arr(spec.ephemeralContainers).length)
    errs.push(
      forbiddenField(
        `${field}.spec.ephemeralContainers`,
        'ephemeral containers not allowed in pod template',
      ),
    );
  return errs;
}

/**
 * The template checks of the replicated controllers: the selector (null: none given) must match the template's
 * labels, pods must restart Always, and activeDeadlineSeconds is refused (`owner` names the
 * kind in that message, as kube-apiserver does).
 */
export function validateControllerTemplate(
  template: Obj,
  selector: LabelSelector | null,
  field: string,
  owner: 'ReplicaSet' | 'ReplicationController',
): FieldError[] {
  const errs: FieldError[] = [];
  const labels = strMap(obj(template.metadata)?.labels);
  // null is labels.Nothing() (no selector at all): non-empty, and it matches nothing.
  if (selector === null || (selector.length && !matchesLabels(selector, labels ?? {})))
    errs.push(
      invalidValue(
        `${field}.metadata.labels`,
        labels ?? null,
        '`selector` does not match template `labels`',
      ),
    );
  errs.push(...validatePodTemplateSpec(template, field));
  const spec = obj(template.spec) ?? {};
  if (spec.restartPolicy !== 'Always')
    errs.push(notSupported(`${field}.spec.restartPolicy`, str(spec.restartPolicy), ['Always']));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null)
    errs.push(
      forbiddenField(
        `${field}.spec.activeDeadlineSeconds`,
        `activeDeadlineSeconds in ${owner} is not Supported`,
      ),
    );
  return errs;
}

// ---------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------

/** layoutContainerCells: container names and images, comma separated. */
export function containerCells(spec: unknown): [string, string] {
  const cs = objs(obj(spec)?.containers);
  return [cs.map((c) => str(c.name)).join(','), cs.map((c) => str(c.image)).join(',')];
}

export const CONTAINERS_COLUMN = {
  name: 'Containers',
  type: 'string',
  description: 'Names of each container in the template.',
  priority: 1,
} as const;
export const IMAGES_COLUMN = {
  name: 'Images',
  type: 'string',
  description: 'Images referenced by each container in the template.',
  priority: 1,
} as const;

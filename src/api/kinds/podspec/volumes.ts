// Volumes: ValidateVolumes and the per-source checks, with kube-apiserver's paths and messages.

import type { FieldError } from '../../types.js';
import {
  duplicate,
  forbiddenField,
  invalidValue,
  isDNS1123Subdomain,
  notSupported,
  required,
} from '../../validation/common.js';
import { QUANTITY_FORMAT_MSG, parseQuantity } from '../../quantity.js';
import { objectFieldSelector, resourceFieldSelector } from './containers.js';
import { VOLUME_SOURCES } from './defaults.js';
import {
  dnsLabel,
  fileMode,
  localDescendingPath,
  localNonReservedPath,
  noBacksteps,
} from './fields.js';
import { arr, int, obj, objs, str } from './json.js';
import type { Obj } from './json.js';
import { isJsonObject } from '../../json.js';

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
export function validateVolumes(
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

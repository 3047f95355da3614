// The volume source of a PersistentVolume: exactly one, each checked as kube-apiserver's
// ValidatePersistentVolumeSpec does (with its paths, quirks included: gcePersistentDisk is
// checked under `persistentDisk`, cephfs is named `cephFS` when it is one too many).

import type { FieldError } from '../../types.js';
import {
  forbiddenField,
  invalidValue,
  isDNS1123Subdomain,
  notSupported,
  required,
  tooLong,
} from '../../validation/common.js';
import { asArr, asObj, asStr } from '../kindutil.js';
import type { Obj } from '../kindutil.js';

type SourceCheck = (src: Obj, field: string) => FieldError[];

const HOST_PATH_TYPES = [
  '',
  'BlockDevice',
  'CharDevice',
  'Directory',
  'DirectoryOrCreate',
  'File',
  'FileOrCreate',
  'Socket',
];

const noBacksteps = (path: string, field: string): FieldError[] =>
  path.split('/').includes('..') ? [invalidValue(field, path, "must not contain '..'")] : [];

const requiredFields =
  (...keys: string[]): SourceCheck =>
  (s, f) =>
    keys.filter((k) => !asStr(s[k]) && asArr(s[k]).length === 0).map((k) => required(`${f}.${k}`));

const hostPath: SourceCheck = (s, f) => {
  const path = asStr(s.path);
  if (!path) return [required(`${f}.path`)];
  const errs = noBacksteps(path, `${f}.path`);
  if (typeof s.type === 'string' && !HOST_PATH_TYPES.includes(s.type))
    errs.push(notSupported(`${f}.type`, s.type, HOST_PATH_TYPES));
  return errs;
};

const local: SourceCheck = (s, f) => {
  const path = asStr(s.path);
  if (!path) return [required(`${f}.path`)];
  return noBacksteps(path, `${f}.path`);
};

const nfs: SourceCheck = (s, f) => {
  const errs = requiredFields('server', 'path')(s, f);
  if (!asStr(s.path).startsWith('/'))
    errs.push(invalidValue(`${f}.path`, asStr(s.path), 'must be an absolute path'));
  return errs;
};

/** ValidateCSIDriverName and the volume handle. */
const csi: SourceCheck = (s, f) => {
  const driver = asStr(s.driver);
  const errs: FieldError[] = [];
  if (!driver) errs.push(required(`${f}.driver`));
  if (driver.length > 63) errs.push(tooLong(`${f}.driver`, '', 63));
  for (const m of isDNS1123Subdomain(driver.toLowerCase()))
    errs.push(invalidValue(`${f}.driver`, driver, m));
  if (!asStr(s.volumeHandle)) errs.push(required(`${f}.volumeHandle`));
  return errs;
};

/** In kube's order: [source, its name in "more than 1" errors, the path its checks use, checks]. */
const PV_SOURCES: [string, string, string, SourceCheck][] = [
  ['hostPath', 'hostPath', 'hostPath', hostPath],
  ['gcePersistentDisk', 'gcePersistentDisk', 'persistentDisk', requiredFields('pdName')],
  [
    'awsElasticBlockStore',
    'awsElasticBlockStore',
    'awsElasticBlockStore',
    requiredFields('volumeID'),
  ],
  ['glusterfs', 'glusterfs', 'glusterfs', requiredFields('endpoints', 'path')],
  ['flocker', 'flocker', 'flocker', () => []],
  ['nfs', 'nfs', 'nfs', nfs],
  ['rbd', 'rbd', 'rbd', requiredFields('monitors', 'image')],
  ['quobyte', 'quobyte', 'quobyte', requiredFields('registry', 'volume')],
  ['cephfs', 'cephFS', 'cephfs', requiredFields('monitors')],
  ['iscsi', 'iscsi', 'iscsi', requiredFields('targetPortal', 'iqn')],
  ['cinder', 'cinder', 'cinder', requiredFields('volumeID')],
  ['fc', 'fc', 'fc', () => []],
  ['flexVolume', 'flexVolume', 'flexVolume', requiredFields('driver')],
  ['azureFile', 'azureFile', 'azureFile', requiredFields('secretName', 'shareName')],
  ['vsphereVolume', 'vsphereVolume', 'vsphereVolume', requiredFields('volumePath')],
  ['photonPersistentDisk', 'photonPersistentDisk', 'photonPersistentDisk', requiredFields('pdID')],
  ['portworxVolume', 'portworxVolume', 'portworxVolume', requiredFields('volumeID')],
  ['azureDisk', 'azureDisk', 'azureDisk', requiredFields('diskName', 'diskURI')],
  ['scaleIO', 'scaleIO', 'scaleIO', requiredFields('gateway', 'system', 'volumeName')],
  ['local', 'local', 'local', local],
  ['storageos', 'storageos', 'storageos', requiredFields('volumeName')],
  ['csi', 'csi', 'csi', csi],
];

/** The source keys of a PersistentVolumeSpec (what `spec.persistentvolumesource` covers). */
export const PV_SOURCE_KEYS = PV_SOURCES.map(([key]) => key);

/**
 * The source checks of ValidatePersistentVolumeSpec: one source, valid; `local` also needs
 * node affinity. flexVolume is counted but never refused as one too many, as in kube.
 */
export function validatePersistentVolumeSource(
  spec: Obj,
  nodeAffinitySpecified: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const [key, name, path, check] of PV_SOURCES) {
    const src = asObj(spec[key]);
    if (!src) continue;
    if (count > 0 && key !== 'flexVolume') {
      errs.push(forbiddenField(`spec.${name}`, 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    errs.push(...check(src, `spec.${path}`));
    if (key === 'local' && !nodeAffinitySpecified)
      errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  if (count === 0) errs.push(required('spec', 'must specify a volume type'));
  return errs;
}

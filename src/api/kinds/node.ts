// core/v1 Node: ValidateNode/ValidateNodeUpdate, status kept on main updates, the status
// and proxy subresources, and printNode.

import type { FieldError, KubeObject, ResourceDef } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import {
  duplicate,
  forbiddenField,
  invalidValue,
  isQualifiedName,
  isValidLabelValue,
  notSupported,
  required,
  validateObjectMeta,
} from '../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import {
  asObj,
  asStr,
  column,
  objs,
  parseCIDR,
  specOf,
  statusOf,
  strs,
  validCIDR,
} from './kindutil.js';
import { equalIgnoringEmpty } from '../json.js';

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const ROLE_PREFIX = 'node-role.kubernetes.io/';
const ROLE_LABEL = 'kubernetes.io/role';

/**
 * SetDefaults_NodeStatus: allocatable defaults to capacity. The spec is a struct, so it is
 * always there (`spec: {}` for a node created with a name only), and its creator owns it:
 * without that a bare node would have no managers, and no later write would be tracked.
 */
export function defaultNode(obj: KubeObject): void {
  if (!asObj(obj.spec)) obj.spec = {};
  const status = asObj(obj.status);
  if (status && status.allocatable === undefined && asObj(status.capacity))
    status.allocatable = structuredClone(status.capacity);
}

/** A main-resource update keeps the stored status. */
function prepareForUpdate(obj: KubeObject, old: KubeObject): void {
  if (old.status === undefined) delete obj.status;
  else obj.status = structuredClone(old.status);
}

/** nodes/status: the spec is the stored one. */
export function prepareForStatusUpdate(obj: KubeObject, old: KubeObject): void {
  if (old.spec === undefined) delete obj.spec;
  else obj.spec = structuredClone(old.spec);
}

// kube-apiserver validates spec.taints under the `metadata.taints` path; kept for fidelity.
function validateTaints(taints: Record<string, unknown>[]): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Map<string, Set<string>>();
  taints.forEach((t, i) => {
    const path = `metadata.taints[${i}]`;
    const key = asStr(t.key);
    for (const m of isQualifiedName(key)) errs.push(invalidValue(`${path}.key`, key, m));
    const value = asStr(t.value);
    const vErrs = isValidLabelValue(value);
    if (vErrs.length) errs.push(invalidValue(`${path}.value`, value, vErrs.join(';')));
    const effect = asStr(t.effect);
    if (!effect) errs.push(required(`${path}.effect`));
    else if (!TAINT_EFFECTS.includes(effect))
      errs.push(notSupported(`${path}.effect`, effect, TAINT_EFFECTS));
    const keys = seen.get(effect) ?? new Set<string>();
    if (keys.has(key)) {
      errs.push({
        type: 'FieldValueDuplicate',
        field: path,
        badValue: t,
        detail: 'taints must be unique by key and effect pair',
      });
      return;
    }
    keys.add(key);
    seen.set(effect, keys);
  });
  return errs;
}

export function validateNode(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, false);
  const spec = specOf(obj);
  errs.push(...validateTaints(objs(spec.taints)));
  const cidrs = strs(spec.podCIDRs);
  cidrs.forEach((c, i) => errs.push(...validCIDR(`spec.podCIDRs[${i}]`, c)));
  if (cidrs.length > 1) {
    const fams = cidrs.map((c) => parseCIDR(c)?.family);
    if (cidrs.length > 2 || fams[0] === fams[1])
      errs.push(
        invalidValue(
          'spec.podCIDRs',
          cidrs,
          'may specify no more than one CIDR for each IP family',
        ),
      );
    const seen = new Set<string>();
    cidrs.forEach((c, i) => {
      if (seen.has(c)) errs.push(duplicate(`spec.podCIDRs[${i}]`, c));
      seen.add(c);
    });
  }
  return errs;
}

export function validateNodeUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = specOf(obj);
  const oldSpec = specOf(old);
  const seen: unknown[] = [];
  objs(statusOf(obj).addresses).forEach((a, i) => {
    if (seen.some((s) => equalIgnoringEmpty(s, a)))
      errs.push(duplicate(`status.addresses[${i}]`, a));
    seen.push(a);
  });
  const oldCIDRs = strs(oldSpec.podCIDRs);
  const cidrs = strs(spec.podCIDRs);
  const cidrMsg = 'node updates may not change podCIDR except from "" to valid';
  if (oldCIDRs.length > 0) {
    if (oldCIDRs.length !== cidrs.length) errs.push(forbiddenField('spec.podCIDRs', cidrMsg));
    else
      oldCIDRs.forEach(
        (c, i) => c !== cidrs[i] && errs.push(forbiddenField('spec.podCIDRs', cidrMsg)),
      );
  }
  const oldProvider = asStr(oldSpec.providerID);
  if (oldProvider && oldProvider !== asStr(spec.providerID))
    errs.push(
      forbiddenField(
        'spec.providerID',
        'node updates may not change providerID except from "" to valid',
      ),
    );
  if (asStr(spec.externalID) !== asStr(oldSpec.externalID))
    errs.push(forbiddenField('spec.externalID', 'may not be updated'));
  return errs;
}

function nodeStatus(obj: KubeObject): string {
  const status: string[] = [];
  const ready = objs(statusOf(obj).conditions).find((c) => c.type === 'Ready');
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (specOf(obj).unschedulable === true) status.push('SchedulingDisabled');
  return status.join(',');
}

/** findNodeRoles: `node-role.kubernetes.io/<role>` keys and the `kubernetes.io/role` value. */
export function nodeRoles(obj: KubeObject): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX)) {
      const role = k.slice(ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === ROLE_LABEL && v) roles.add(v);
  }
  return [...roles].sort();
}

function address(obj: KubeObject, type: string): string {
  const a = objs(statusOf(obj).addresses).find((x) => x.type === type);
  return a ? asStr(a.address) : '<none>';
}

function row(obj: KubeObject, now: Date): unknown[] {
  const info = asObj(statusOf(obj).nodeInfo) ?? {};
  const orUnknown = (v: unknown): string => asStr(v) || '<unknown>';
  return [
    obj.metadata.name ?? '',
    nodeStatus(obj),
    nodeRoles(obj).join(',') || '<none>',
    age(obj.metadata.creationTimestamp, now),
    asStr(info.kubeletVersion),
    address(obj, 'InternalIP'),
    address(obj, 'ExternalIP'),
    orUnknown(info.osImage),
    orUnknown(info.kernelVersion),
    orUnknown(info.containerRuntimeVersion),
  ];
}

export const nodeResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Node',
  listKind: 'NodeList',
  plural: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  verbs: [...STANDARD_VERBS],
  subresources: [
    {
      name: 'proxy',
      kind: { group: '', version: 'v1', kind: 'NodeProxyOptions' },
      verbs: ['create', 'delete', 'get', 'patch', 'update'],
    },
    { name: 'status', verbs: ['get', 'patch', 'update'] },
  ],
  statusStrategy: { prepareForUpdate: prepareForStatusUpdate, validateUpdate: validateNodeUpdate },
  strategy: {
    defaults: (obj) => defaultNode(obj),
    prepareForUpdate: (obj, old) => prepareForUpdate(obj, old),
    validate: (obj) => validateNode(obj),
    validateUpdate: (obj, old) => validateNodeUpdate(obj, old),
    selectableFields: (obj) => ({
      'spec.unschedulable': String(specOf(obj).unschedulable === true),
    }),
    columns: [
      NAME_COLUMN,
      column('Status', 'The status of the node'),
      column('Roles', 'The roles of the node'),
      AGE_COLUMN,
      column('Version', 'Kubelet Version reported by the node.'),
      column('Internal-IP', 'List of addresses reachable to the node.', { priority: 1 }),
      column('External-IP', 'List of addresses reachable to the node.', { priority: 1 }),
      column(
        'OS-Image',
        'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
        { priority: 1 },
      ),
      column(
        'Kernel-Version',
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
        { priority: 1 },
      ),
      column(
        'Container-Runtime',
        'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
        { priority: 1 },
      ),
    ],
    row,
  },
};

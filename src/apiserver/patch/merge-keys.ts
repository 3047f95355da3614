// How the lists and maps of the built-in kinds merge, taken from the struct tags of the
// Kubernetes API types (k8s.io/api core/v1, apps/v1, batch/v1, networking/v1, …, and
// apimachinery's ObjectMeta):
//   patchStrategy / patchMergeKey   → strategic merge patch (`patch`, `mergeKey`, `retainKeys`)
//   +listType / +listMapKey          → server-side apply (`listType`, `keys`)
//   +structType=atomic / mapType     → server-side apply treats the value as one unit
// Only fields that differ from the defaults are listed. Defaults: objects merge field by
// field; lists are replaced whole (SMP) and atomic (SSA).

/** Merge behaviour of one field. `type` names the field's object type, or its items' type. */
export interface FieldMeta {
  /** Named type of the object (or of the list's items). */
  type?: string;
  /** patchStrategy: `merge` merges lists (by `mergeKey`, or as a set of primitives). */
  patch?: 'merge';
  /** patchMergeKey: the item field lists of objects are merged by. */
  mergeKey?: string;
  /**
   * patchStrategy includes retainKeys. The server honours `$retainKeys` wherever a patch
   * carries it (as kube-apiserver does); kept here so the data matches the API types.
   */
  retainKeys?: boolean;
  /** +listType for server-side apply; lists default to atomic. */
  listType?: 'atomic' | 'set' | 'map';
  /** +listMapKey: the fields identifying an item of a `map` list. */
  keys?: string[];
  /** Defaults of key fields an item may omit (e.g. ports' protocol). */
  keyDefaults?: Record<string, unknown>;
  /** +structType=atomic / +mapType=atomic: server-side apply owns the value as a whole. */
  atomic?: boolean;
}

export interface TypeDef {
  /** The whole type is atomic (+structType=atomic). */
  atomic?: boolean;
  fields?: Record<string, FieldMeta>;
}

// Small builders so the table below reads like the tags it comes from.
const byKey = (key: string, type?: string, extra: Partial<FieldMeta> = {}): FieldMeta => ({
  patch: 'merge',
  mergeKey: key,
  listType: 'map',
  keys: [key],
  ...(type ? { type } : {}),
  ...extra,
});
/** `patchStrategy:"merge"` on a list of strings, `+listType=set`. */
const primitiveSet: FieldMeta = { patch: 'merge', listType: 'set' };
const atomic: FieldMeta = { atomic: true };
const conditions = byKey('type');
const portKeys = (key: string): FieldMeta =>
  byKey(key, undefined, { keys: [key, 'protocol'], keyDefaults: { protocol: 'TCP' } });

export const TYPES: Record<string, TypeDef> = {
  ObjectMeta: {
    fields: {
      ownerReferences: byKey('uid', 'OwnerReference'),
      finalizers: primitiveSet,
    },
  },
  OwnerReference: { atomic: true },
  LabelSelector: { atomic: true },
  ObjectReference: { atomic: true },
  LocalObjectReference: { atomic: true },

  // ---- core/v1 pods ----
  PodTemplateSpec: { fields: { metadata: { type: 'ObjectMeta' }, spec: { type: 'PodSpec' } } },
  PodSpec: {
    fields: {
      volumes: byKey('name', undefined, { retainKeys: true }),
      initContainers: byKey('name', 'Container'),
      containers: byKey('name', 'Container'),
      ephemeralContainers: byKey('name', 'Container'),
      imagePullSecrets: byKey('name', 'LocalObjectReference'),
      hostAliases: byKey('ip'),
      topologySpreadConstraints: byKey('topologyKey', 'TopologySpreadConstraint', {
        keys: ['topologyKey', 'whenUnsatisfiable'],
      }),
      schedulingGates: byKey('name'),
      resourceClaims: byKey('name', undefined, { retainKeys: true }),
      affinity: { type: 'Affinity' },
    },
  },
  Container: {
    fields: {
      ports: portKeys('containerPort'),
      env: byKey('name', 'EnvVar'),
      volumeMounts: byKey('mountPath'),
      volumeDevices: byKey('devicePath'),
      resources: { type: 'ResourceRequirements' },
    },
  },
  EnvVar: { fields: { valueFrom: { type: 'EnvVarSource' } } },
  EnvVarSource: {
    fields: {
      fieldRef: atomic,
      resourceFieldRef: atomic,
      configMapKeyRef: atomic,
      secretKeyRef: atomic,
      fileKeyRef: atomic,
    },
  },
  ResourceRequirements: { fields: { claims: { listType: 'map', keys: ['name'] } } },
  TopologySpreadConstraint: { fields: { labelSelector: { type: 'LabelSelector' } } },
  Affinity: { fields: { nodeAffinity: { type: 'NodeAffinity' } } },
  NodeAffinity: { fields: { requiredDuringSchedulingIgnoredDuringExecution: atomic } },
  PodStatus: {
    fields: {
      conditions,
      podIPs: byKey('ip'),
      // SMP merges host IPs by ip, SSA keeps the list atomic (+listType=atomic).
      hostIPs: { patch: 'merge', mergeKey: 'ip' },
      resourceClaimStatuses: byKey('name', undefined, { retainKeys: true }),
    },
  },

  // ---- workloads ----
  Pod: { fields: { spec: { type: 'PodSpec' }, status: { type: 'PodStatus' } } },
  PodTemplate: { fields: { template: { type: 'PodTemplateSpec' } } },
  ReplicationController: {
    fields: {
      spec: { type: 'ReplicationControllerSpec' },
      status: { type: 'ConditionsStatus' },
    },
  },
  ReplicationControllerSpec: {
    fields: { selector: atomic, template: { type: 'PodTemplateSpec' } },
  },
  WorkloadSpec: {
    fields: { selector: { type: 'LabelSelector' }, template: { type: 'PodTemplateSpec' } },
  },
  DeploymentSpec: {
    fields: {
      selector: { type: 'LabelSelector' },
      template: { type: 'PodTemplateSpec' },
      strategy: { retainKeys: true },
    },
  },
  ConditionsStatus: { fields: { conditions } },
  Deployment: {
    fields: { spec: { type: 'DeploymentSpec' }, status: { type: 'ConditionsStatus' } },
  },
  Workload: { fields: { spec: { type: 'WorkloadSpec' }, status: { type: 'ConditionsStatus' } } },
  Job: { fields: { spec: { type: 'WorkloadSpec' }, status: { type: 'JobStatus' } } },
  PodDisruptionBudget: {
    fields: { spec: { type: 'PodDisruptionBudgetSpec' }, status: { type: 'ConditionsStatus' } },
  },
  PodDisruptionBudgetSpec: { fields: { selector: { type: 'LabelSelector' } } },
  // SMP merges job conditions by type; SSA keeps them atomic.
  JobStatus: { fields: { conditions: { patch: 'merge', mergeKey: 'type' } } },
  CronJob: { fields: { spec: { type: 'CronJobSpec' } } },
  CronJobSpec: { fields: { jobTemplate: { type: 'JobTemplateSpec' } } },
  JobTemplateSpec: { fields: { metadata: { type: 'ObjectMeta' }, spec: { type: 'WorkloadSpec' } } },

  // ---- services and networking ----
  Service: { fields: { spec: { type: 'ServiceSpec' }, status: { type: 'ConditionsStatus' } } },
  ServiceSpec: { fields: { ports: portKeys('port'), selector: atomic } },
  ServiceAccount: { fields: { secrets: byKey('name', 'ObjectReference') } },
  Ingress: { fields: { spec: { type: 'IngressSpec' } } },
  IngressSpec: { fields: { defaultBackend: { type: 'IngressBackend' } } },
  IngressBackend: { fields: { service: { type: 'IngressServiceBackend' }, resource: atomic } },
  IngressServiceBackend: { fields: { port: atomic } },

  // ---- cluster ----
  Namespace: { fields: { status: { type: 'ConditionsStatus' } } },
  Node: { fields: { spec: { type: 'NodeSpec' }, status: { type: 'NodeStatus' } } },
  NodeSpec: { fields: { podCIDRs: primitiveSet } },
  NodeStatus: { fields: { conditions, addresses: byKey('type') } },
  CoreEvent: {
    fields: { involvedObject: { type: 'ObjectReference' }, related: { type: 'ObjectReference' } },
  },
  EventsEvent: {
    fields: { regarding: { type: 'ObjectReference' }, related: { type: 'ObjectReference' } },
  },

  /** Any object: only its metadata is known. */
  Object: {},
};

/**
 * Root type of each served kind, keyed `<group>/<Kind>` (core group empty). Kinds listed
 * with `Object` have nothing beyond metadata that merges specially (Endpoints' subsets,
 * EndpointSlice's endpoints and ports are atomic lists, for instance).
 */
export const KINDS: Record<string, string> = {
  '/Pod': 'Pod',
  '/PodTemplate': 'PodTemplate',
  '/ReplicationController': 'ReplicationController',
  'apps/ReplicaSet': 'Workload',
  'apps/Deployment': 'Deployment',
  'apps/StatefulSet': 'Workload',
  'apps/DaemonSet': 'Workload',
  'apps/ControllerRevision': 'Object',
  'batch/Job': 'Job',
  'batch/CronJob': 'CronJob',
  '/Service': 'Service',
  '/Endpoints': 'Object',
  'discovery.k8s.io/EndpointSlice': 'Object',
  '/ConfigMap': 'Object',
  '/Secret': 'Object',
  '/ServiceAccount': 'ServiceAccount',
  '/Namespace': 'Namespace',
  '/Node': 'Node',
  '/Event': 'CoreEvent',
  'events.k8s.io/Event': 'EventsEvent',
  'networking.k8s.io/Ingress': 'Ingress',
  'networking.k8s.io/IngressClass': 'Object',
  'networking.k8s.io/NetworkPolicy': 'Object',
  'coordination.k8s.io/Lease': 'Object',
  'policy/PodDisruptionBudget': 'PodDisruptionBudget',
};

/** Root type name for a kind; unknown kinds get `Object` (lists replace, maps merge). */
export function rootType(group: string, kind: string): string {
  return KINDS[`${group}/${kind}`] ?? 'Object';
}

/** The metadata of field `name` inside an object of type `type` (undefined: defaults). */
export function fieldOf(type: string | undefined, name: string): FieldMeta | undefined {
  if (type === undefined) return undefined;
  if (name === 'metadata' && isRootType(type)) return { type: 'ObjectMeta' };
  return TYPES[type]?.fields?.[name];
}

/** Root types (kinds) carry ObjectMeta under `metadata`. */
const ROOT_TYPES = new Set(Object.values(KINDS));
const isRootType = (type: string): boolean => ROOT_TYPES.has(type);

/** Whether an object field (or list item) of this metadata is owned as a whole by SSA. */
export function isAtomicObject(meta: FieldMeta | undefined): boolean {
  if (!meta) return false;
  return meta.atomic === true || (meta.type !== undefined && TYPES[meta.type]?.atomic === true);
}

// NodeRestriction admission (kube's plugin/pkg/admission/noderestriction): what a node may
// write once the Node authorizer let the request through. Its own Node only (no taints,
// no config source, no labels outside the kubelet's set); pods only as mirror pods bound to
// itself (Skiff's agent makes none, so in practice never); status, eviction and deletion of
// pods bound to itself only; tokens only bound to a pod of its own; its own Lease and
// CSINode. Requests of other users pass untouched.
//
// It runs at the chain's admission stage, before the handler: the objects it compares are
// read from the registry and, for an update or patch, the object the request would write
// is worked out from the body as the handler will. A body that cannot be decoded is left
// to the handler, which refuses it.

import type { KubeObject } from '../../../api/types.js';
import { forbidden } from '../../../api/errors.js';
import type { RequestInfo } from '../../request-info.js';
import type { ApiRequest } from '../../types.js';
import type { UserInfo } from '../types.js';
import { nodeIdentity } from './identity.js';
import { forbiddenNodeLabels } from './node-labels.js';
import { bodyObject, proposed } from './proposed.js';
import { podConfigMapNames, podSecretNames } from '../../../api/kinds/index.js';

type Obj = Record<string, any>;

export interface AdmissionAttributes {
  user: UserInfo;
  info: RequestInfo;
  req: ApiRequest;
}

/** Refuses a request by throwing its Status; resolves (or returns nothing) to let it pass. */
export type Admission = (a: AdmissionAttributes) => Promise<void> | void;

/** Reads a stored object (undefined when there is none). */
export type ObjectReader = (
  group: string,
  plural: string,
  namespace: string,
  name: string,
) => Promise<KubeObject | undefined>;

const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

const same = (a: unknown, b: unknown): boolean =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

const labelsEqual = (a: unknown, b: unknown): boolean => {
  const x = (a ?? {}) as Record<string, string>;
  const y = (b ?? {}) as Record<string, string>;
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => y[k] === x[k]);
};

const specOf = (o: Obj | undefined): Obj => (o?.['spec'] ?? {}) as Obj;

export function createNodeRestriction(read: ObjectReader): Admission {
  return function admit({ user, info, req }) {
    const node = nodeIdentity(user);
    if (node === undefined || !info.isResourceRequest) return;
    const operation = OPERATIONS[info.verb];
    if (!operation) return;
    const gr = { group: info.group, resource: info.resource };
    /** Refused with the name kube's admission errors carry: the object's, or "Unknown". */
    const refuse = (obj: Obj | undefined, why: string): never => {
      const meta = (obj?.['metadata'] ?? {}) as Obj;
      const name = (meta['name'] as string) || (meta['generateName'] as string) || 'Unknown';
      throw forbidden(gr, name, why);
    };
    if (!node) return refuse(undefined, `could not determine node from user "${user.name}"`);
    const ctx: Context = { node, info, req, read, operation, refuse };
    if (info.group === '') {
      if (info.resource === 'pods') return admitPod(ctx);
      if (info.resource === 'nodes') return admitNode(ctx);
      if (info.resource === 'persistentvolumeclaims') return admitClaim(ctx);
      if (info.resource === 'serviceaccounts') return admitServiceAccount(ctx);
    }
    if (info.group === 'coordination.k8s.io' && info.resource === 'leases')
      return admitNamedAfterNode(ctx, 'Lease', 'node lease', NODE_LEASE_NAMESPACE);
    if (info.group === 'storage.k8s.io' && info.resource === 'csinodes')
      return admitNamedAfterNode(ctx, 'CSINode', 'CSINode');
    return;
  };
}

type Operation = 'CREATE' | 'UPDATE' | 'DELETE';
const OPERATIONS: Record<string, Operation> = {
  create: 'CREATE',
  update: 'UPDATE',
  patch: 'UPDATE',
  delete: 'DELETE',
  deletecollection: 'DELETE',
};

interface Context {
  node: string;
  info: RequestInfo;
  req: ApiRequest;
  read: ObjectReader;
  operation: Operation;
  refuse(obj: Obj | undefined, why: string): never;
}

async function admitPod(c: Context): Promise<void> {
  const { node, info, operation, refuse } = c;
  const ns = info.namespace;
  switch (info.subresource) {
    case '':
      if (operation === 'CREATE') {
        const pod = bodyObject(c.req, 'Pod');
        if (pod) await admitPodCreate(c, pod);
        return;
      }
      if (operation === 'DELETE') {
        const existing = await c.read('', 'pods', ns, info.name);
        if (existing && specOf(existing)['nodeName'] !== node)
          refuse(undefined, `node "${node}" can only delete pods with spec.nodeName set to itself`);
        return;
      }
      return refuse(
        bodyObject(c.req, 'Pod'),
        `unexpected operation "${operation}", node "${node}" can only create and delete mirror pods`,
      );
    case 'status': {
      if (operation !== 'UPDATE') return refuse(undefined, `unexpected operation "${operation}"`);
      const old = await c.read('', 'pods', ns, info.name);
      if (!old) return;
      const next = proposed(c.req, old, 'Pod');
      if (specOf(old)['nodeName'] !== node)
        refuse(
          next,
          `node "${node}" can only update pod status for pods with spec.nodeName set to itself`,
        );
      if (next && !labelsEqual(old.metadata.labels, next.metadata?.labels))
        refuse(next, `node "${node}" cannot update labels through pod status`);
      return;
    }
    case 'eviction': {
      if (operation !== 'CREATE') return refuse(undefined, `unexpected operation ${operation}`);
      const eviction = bodyObject(c.req, 'Eviction');
      if (!eviction) return;
      const podName = info.name || eviction.metadata?.name;
      if (!podName) return refuse(eviction, 'could not determine pod from request data');
      const existing = await c.read('', 'pods', ns, podName);
      if (existing && specOf(existing)['nodeName'] !== node)
        refuse(eviction, `node ${node} can only evict pods with spec.nodeName set to itself`);
      return;
    }
    default:
      return refuse(
        undefined,
        `unexpected pod subresource "${info.subresource}", only 'status' and 'eviction' are allowed`,
      );
  }
}

async function admitPodCreate(c: Context, pod: KubeObject): Promise<void> {
  const { node, refuse } = c;
  const spec = (pod['spec'] ?? {}) as Obj;
  if (!(MIRROR_POD_ANNOTATION in (pod.metadata?.annotations ?? {})))
    refuse(
      pod,
      `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`,
    );
  if (spec['nodeName'] !== node)
    refuse(pod, `node "${node}" can only create pods with spec.nodeName set to itself`);
  const owners = (pod.metadata?.ownerReferences ?? []) as Obj[];
  if (owners.length > 1)
    refuse(pod, `node "${node}" can only create pods with a single owner reference set to itself`);
  const owner = owners[0];
  if (!owner || owner['apiVersion'] !== 'v1' || owner['kind'] !== 'Node' || owner['name'] !== node)
    refuse(pod, `node "${node}" can only create pods with an owner reference set to itself`);
  if (owner?.['controller'] !== true)
    refuse(
      pod,
      `node "${node}" can only create pods with a controller owner reference set to itself`,
    );
  if (owner?.['blockOwnerDeletion'] === true)
    refuse(pod, `node "${node}" must not set blockOwnerDeletion on an owner reference`);
  const self = await c.read('', 'nodes', '', node);
  if (self && owner?.['uid'] !== self.metadata.uid)
    refuse(
      pod,
      `node ${node} UID mismatch: expected ${String(owner?.['uid'] ?? '')} got ${self.metadata.uid ?? ''}`,
    );
  if (spec['serviceAccountName'])
    refuse(pod, `node "${node}" can not create pods that reference a service account`);
  if (podSecretNames(spec).size)
    refuse(pod, `node "${node}" can not create pods that reference secrets`);
  if (podConfigMapNames(spec).size)
    refuse(pod, `node "${node}" can not create pods that reference configmaps`);
  const volumes = (spec['volumes'] ?? []) as Obj[];
  if (
    volumes.some((v) =>
      (v?.['projected']?.['sources'] ?? []).some((s: Obj) => s?.['clusterTrustBundle']),
    )
  )
    refuse(pod, `node "${node}" can not create pods that reference clustertrustbundles`);
  if (volumes.some((v) => v?.['persistentVolumeClaim']))
    refuse(pod, `node "${node}" can not create pods that reference persistentvolumeclaims`);
}

async function admitNode(c: Context): Promise<void> {
  const { node, info, operation, refuse } = c;
  if (operation === 'CREATE') {
    const obj = bodyObject(c.req, 'Node');
    if (!obj) return;
    const requested = info.name || obj.metadata?.name || '';
    if (requested !== node)
      refuse(obj, `node "${node}" is not allowed to modify node "${requested}"`);
    if (specOf(obj)['configSource'])
      refuse(obj, `node "${node}" is not allowed to create pods with a non-nil configSource`);
    const labels = forbiddenNodeLabels(obj.metadata?.labels, undefined);
    if (labels.length)
      refuse(
        obj,
        `node "${node}" is not allowed to set the following labels: ${labels.join(', ')}`,
      );
    return;
  }
  if (operation === 'DELETE') {
    if (info.name !== node)
      refuse(undefined, `node "${node}" is not allowed to modify node "${info.name}"`);
    return;
  }
  // A Node that does not exist is the handler's 404 (kube reads it before admission).
  const old = await c.read('', 'nodes', '', info.name);
  if (!old) return;
  const next = proposed(c.req, old, 'Node');
  if (info.name !== node)
    refuse(next ?? old, `node "${node}" is not allowed to modify node "${info.name}"`);
  if (!next) return;
  const configSource = specOf(next)['configSource'];
  if (configSource && !same(configSource, specOf(old)['configSource']))
    refuse(
      next,
      `node "${node}" is not allowed to update configSource to a new non-nil configSource`,
    );
  if (!same(specOf(next)['taints'], specOf(old)['taints']))
    refuse(next, `node "${node}" is not allowed to modify taints`);
  const labels = forbiddenNodeLabels(next.metadata?.labels, old.metadata.labels);
  if (labels.length) refuse(next, `is not allowed to modify labels: ${labels.join(', ')}`);
}

async function admitClaim(c: Context): Promise<void> {
  const { node, info, operation, refuse } = c;
  if (info.subresource !== 'status') return refuse(undefined, 'may only update PVC status');
  if (operation !== 'UPDATE') return refuse(undefined, `unexpected operation "${operation}"`);
  const old = await c.read('', 'persistentvolumeclaims', info.namespace, info.name);
  if (!old) return;
  const next = proposed(c.req, old, 'PersistentVolumeClaim');
  if (!next) return;
  // Only the status' capacity, conditions and allocation may change.
  const comparable = (o: Obj): Obj => {
    const { resourceVersion: _rv, managedFields: _mf, ...metadata } = (o['metadata'] ?? {}) as Obj;
    const {
      capacity: _c,
      conditions: _k,
      allocatedResources: _a,
      allocatedResourceStatuses: _s,
      ...status
    } = (o['status'] ?? {}) as Obj;
    return { ...o, metadata, status };
  };
  if (!same(comparable(old), comparable(next)))
    refuse(
      next,
      `node "${node}" is not allowed to update fields other than status.capacity and status.conditions`,
    );
}

async function admitServiceAccount(c: Context): Promise<void> {
  const { node, info, operation, refuse } = c;
  if (operation !== 'CREATE' || info.subresource !== 'token') return;
  const request = bodyObject(c.req, 'TokenRequest');
  if (!request) return;
  const ref = specOf(request)['boundObjectRef'] as Obj | undefined;
  if (!ref || ref['apiVersion'] !== 'v1' || ref['kind'] !== 'Pod' || !ref['name'])
    refuse(request, 'node requested token not bound to a pod');
  if (!ref?.['uid']) refuse(request, 'node requested token with a pod binding without a uid');
  const pod = await c.read('', 'pods', info.namespace, String(ref?.['name']));
  // No such pod: the TokenRequest handler answers as for any caller.
  if (!pod) return;
  if (ref?.['uid'] !== pod.metadata.uid)
    refuse(
      request,
      `the UID in the bound object reference (${String(ref?.['uid'])}) does not match the UID in record. The object might have been deleted and then recreated`,
    );
  if (specOf(pod)['nodeName'] !== node)
    refuse(request, 'node requested token bound to a pod scheduled on a different node');
}

/** A Lease (in kube-node-lease) or CSINode: only the one named after the node. */
function admitNamedAfterNode(c: Context, kind: string, what: string, namespace?: string): void {
  const { node, info, operation, refuse } = c;
  if (namespace !== undefined && info.namespace !== namespace)
    refuse(
      operation === 'DELETE' ? undefined : bodyObject(c.req, kind),
      `can only access leases in the "${namespace}" system namespace`,
    );
  if (operation === 'CREATE') {
    const obj = bodyObject(c.req, kind);
    if (obj && obj.metadata?.name !== node)
      refuse(obj, `can only access ${what} with the same name as the requesting node`);
  } else if (info.name !== node)
    refuse(
      operation === 'DELETE' ? undefined : { metadata: { name: info.name } },
      `can only access ${what} with the same name as the requesting node`,
    );
}

// The Node authorizer (kube's plugin/pkg/auth/authorizer/node, with AuthorizeNodeWithSelectors
// on, as in 1.33): requests of `system:node:<name>` users in `system:nodes`. Secrets, config
// maps, claims, volumes, volume attachments and service-account tokens only when the graph
// leads from the object to the node; pods and nodes by name or field selector; leases in
// kube-node-lease by the node's name; everything else by the bootstrap policy's node rules.
// It never denies: a request it does not allow goes on to the next authorizer, with the
// reason kube-apiserver gives.

import { parseFieldSelector } from '../../../api/labels.js';
import type { AuthorizationAttributes, Authorizer, Decision } from '../types.js';
import type { NodeGraph, VertexType } from './graph.js';
import { nodeIdentity } from './identity.js';
import { NODE_RULES, rulesAllow } from './rules.js';

const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const ALLOW: Decision = Object.freeze({ decision: 'allow' });
// Shared: every request of a user who is not a node gets it.
const NO_OPINION: Decision = Object.freeze({ decision: 'noOpinion' });
const no = (reason?: string): Decision => (reason ? { decision: 'noOpinion', reason } : NO_OPINION);

/** Whether the request's field selector has `field=value` (list and watch scoped to it). */
function selects(a: AuthorizationAttributes, field: string, value: string): boolean {
  if (!a.fieldSelector) return false;
  try {
    return parseFieldSelector(a.fieldSelector).some(
      (r) => r.field === field && r.op === '=' && r.value === value,
    );
  } catch {
    return false;
  }
}

export function createNodeAuthorizer(graph: NodeGraph): Authorizer {
  const related = (node: string, type: VertexType, a: AuthorizationAttributes): Decision => {
    if (!a.name) return no('No Object name found');
    return graph.hasPath(type, a.namespace, a.name, node)
      ? ALLOW
      : no(`no relationship found between node '${node}' and this object`);
  };

  const get = (node: string, type: VertexType, a: AuthorizationAttributes): Decision => {
    if (a.verb !== 'get') return no('can only get individual resources of this type');
    if (a.subresource) return no('cannot get subresource');
    return related(node, type, a);
  };

  const readNamespaced = (node: string, type: VertexType, a: AuthorizationAttributes) => {
    if (!['get', 'list', 'watch'].includes(a.verb))
      return no('can only read resources of this type');
    if (a.subresource) return no('cannot read subresource');
    if (!a.namespace) return no('can only read namespaced object of this type');
    return related(node, type, a);
  };

  const statusUpdate = (node: string, type: VertexType, a: AuthorizationAttributes) => {
    if (a.verb !== 'update' && a.verb !== 'patch') return no('can only get/update/patch this type');
    return related(node, type, a);
  };

  const createToken = (node: string, a: AuthorizationAttributes): Decision => {
    if (a.verb !== 'create' || !a.name)
      return no('can only create tokens for individual service accounts');
    if (a.subresource !== 'token') return no('can only create token subresource of serviceaccount');
    return related(node, 'serviceaccount', a);
  };

  const lease = (node: string, a: AuthorizationAttributes): Decision => {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb))
      return no('can only get, create, update, patch, or delete a node lease');
    if (a.namespace !== NODE_LEASE_NAMESPACE)
      return no(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
    // A create names no object yet; NodeRestriction checks the name it gives.
    if (a.verb !== 'create' && a.name !== node)
      return no('can only access node lease with the same name as the requesting node');
    return ALLOW;
  };

  const csiNode = (node: string, a: AuthorizationAttributes): Decision => {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb))
      return no('can only get, create, update, patch, or delete a CSINode');
    if (a.subresource) return no('cannot authorize CSINode subresources');
    if (a.verb !== 'create' && a.name !== node)
      return no('can only access CSINode with the same name as the requesting node');
    return ALLOW;
  };

  const nodeObject = (node: string, a: AuthorizationAttributes): Decision => {
    if (!a.subresource) {
      // NodeRestriction limits writes to its own Node.
      if (['create', 'update', 'patch'].includes(a.verb)) return ALLOW;
      if (['get', 'list', 'watch'].includes(a.verb)) {
        if (a.name === node) return ALLOW;
        if (!a.name) return no(`node '${node}' cannot read all nodes, only its own Node object`);
        return no(`node '${node}' cannot read '${a.name}', only its own Node object`);
      }
    } else if (a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch'))
      return ALLOW;
    return no();
  };

  const pod = (node: string, a: AuthorizationAttributes): Decision => {
    switch (a.subresource) {
      case '':
        if (a.verb === 'get') return get(node, 'pod', a);
        if (a.verb === 'list' || a.verb === 'watch') {
          if (selects(a, 'spec.nodeName', node)) return ALLOW;
          if (a.name) return related(node, 'pod', a);
          return no('can only list/watch pods with spec.nodeName field selector');
        }
        // Mirror pods; NodeRestriction limits them to pods bound to itself.
        if (a.verb === 'create' || a.verb === 'delete') return ALLOW;
        break;
      case 'status':
        if (a.verb === 'update' || a.verb === 'patch') return ALLOW;
        break;
      case 'eviction':
        if (a.verb === 'create') return ALLOW;
        break;
    }
    return no();
  };

  return {
    authorize(a) {
      const node = nodeIdentity(a.user);
      if (node === undefined) return no();
      if (!node) return no(`unknown node for user "${a.user.name}"`);
      if (a.isResourceRequest) {
        const core = a.group === '';
        const storage = a.group === 'storage.k8s.io';
        switch (a.resource) {
          case 'secrets':
            if (core) return readNamespaced(node, 'secret', a);
            break;
          case 'configmaps':
            if (core) return readNamespaced(node, 'configmap', a);
            break;
          case 'persistentvolumeclaims':
            if (core)
              return a.subresource === 'status'
                ? statusUpdate(node, 'persistentvolumeclaim', a)
                : get(node, 'persistentvolumeclaim', a);
            break;
          case 'persistentvolumes':
            if (core) return get(node, 'persistentvolume', a);
            break;
          case 'volumeattachments':
            if (storage) return get(node, 'volumeattachment', a);
            break;
          case 'serviceaccounts':
            if (core) return createToken(node, a);
            break;
          case 'leases':
            if (a.group === 'coordination.k8s.io') return lease(node, a);
            break;
          case 'csinodes':
            if (storage) return csiNode(node, a);
            break;
          case 'nodes':
            if (core) return nodeObject(node, a);
            break;
          case 'pods':
            if (core) return pod(node, a);
            break;
        }
      }
      return rulesAllow(a, NODE_RULES) ? ALLOW : no();
    },
    // As kube's: a node's rights hang on the graph, so they are not listed; the review says
    // so (incomplete, with kube's error) and carries what the other authorizers list.
    rulesFor(user) {
      if (nodeIdentity(user) === undefined) return { resourceRules: [], nonResourceRules: [] };
      return {
        resourceRules: [],
        nonResourceRules: [],
        incomplete: true,
        evaluationError: 'node authorizer does not support user rule resolution',
      };
    },
  };
}

// networking.k8s.io/v1 NetworkPolicy: SetDefaults_NetworkPolicy (ports' protocol TCP,
// policyTypes from the rules), ValidateNetworkPolicy with kube's texts, and
// printNetworkPolicy (Name, Pod-Selector, Age).

import type { FieldError, KubeObject, ResourceDef } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import {
  forbiddenField,
  invalidValue,
  isValidPortName,
  notSupported,
  required,
  validateObjectMeta,
} from '../validation/common.js';
import { formatSelectorObject, validateLabelSelector } from '../labels.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import { cidrContains, parseCidrBits } from './cidr.js';
import {
  PORT_RANGE_MSG,
  asObj,
  column,
  objs,
  portNumOK,
  specOf,
  strs,
  validCIDR,
  type Obj,
} from './kindutil.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES = ['Ingress', 'Egress'];

const present = (v: unknown): boolean => v !== undefined && v !== null;

export function defaultNetworkPolicy(obj: KubeObject): void {
  const spec = asObj(obj.spec);
  if (!spec) {
    obj.spec = { podSelector: {}, policyTypes: ['Ingress'] };
    return;
  }
  if (!present(spec.podSelector)) spec.podSelector = {};
  for (const key of ['ingress', 'egress'])
    for (const rule of objs(spec[key]))
      for (const port of objs(rule.ports)) if (!present(port.protocol)) port.protocol = 'TCP';
  if (strs(spec.policyTypes).length === 0) {
    spec.policyTypes = objs(spec.egress).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

/** ValidateNetworkPolicyPort. */
function validatePort(port: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (present(port.protocol) && !PROTOCOLS.includes(port.protocol as string))
    errs.push(notSupported(`${path}.protocol`, port.protocol, PROTOCOLS));
  const endPort = port.endPort;
  if (present(port.port)) {
    if (typeof port.port === 'number') {
      if (!portNumOK(port.port)) errs.push(invalidValue(`${path}.port`, port.port, PORT_RANGE_MSG));
      if (present(endPort)) {
        if (typeof endPort === 'number' && endPort < port.port)
          errs.push(
            invalidValue(`${path}.endPort`, port.port, 'must be greater than or equal to `port`'),
          );
        if (!portNumOK(endPort))
          errs.push(invalidValue(`${path}.endPort`, endPort, PORT_RANGE_MSG));
      }
    } else {
      if (present(endPort))
        errs.push(
          invalidValue(
            `${path}.endPort`,
            endPort,
            'may not be specified when `port` is non-numeric',
          ),
        );
      const name = typeof port.port === 'string' ? port.port : '';
      for (const m of isValidPortName(name)) errs.push(invalidValue(`${path}.port`, name, m));
    }
  } else if (present(endPort)) {
    errs.push(
      invalidValue(`${path}.endPort`, endPort, 'may not be specified when `port` is not specified'),
    );
  }
  return errs;
}

/** ValidateIPBlock: the CIDR, and each exception a strict subset of it. */
function validateIPBlock(block: Obj, path: string): FieldError[] {
  const cidr = typeof block.cidr === 'string' ? block.cidr : '';
  if (!cidr) return [required(`${path}.cidr`)];
  const errs = validCIDR(`${path}.cidr`, cidr);
  const outer = parseCidrBits(cidr);
  if (!outer) return errs;
  strs(block.except).forEach((ex, i) => {
    const p = `${path}.except[${i}]`;
    const exErrs = validCIDR(p, ex);
    errs.push(...exErrs);
    const inner = parseCidrBits(ex);
    if (!inner) return;
    if (
      inner.family !== outer.family ||
      !cidrContains(outer, inner.network) ||
      outer.bits >= inner.bits
    )
      errs.push(invalidValue(p, ex, 'must be a strict subset of `cidr`'));
  });
  return errs;
}

/** ValidateNetworkPolicyPeer. */
function validatePeer(peer: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let peers = 0;
  if (present(peer.podSelector)) {
    peers++;
    errs.push(...validateLabelSelector(peer.podSelector, `${path}.podSelector`));
  }
  if (present(peer.namespaceSelector)) {
    peers++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, `${path}.namespaceSelector`));
  }
  const block = asObj(peer.ipBlock);
  if (block) {
    peers++;
    errs.push(...validateIPBlock(block, `${path}.ipBlock`));
  }
  if (peers === 0) errs.push(required(path, 'must specify a peer'));
  else if (peers > 1 && block)
    errs.push(forbiddenField(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

export function validateNetworkPolicySpec(spec: Obj): FieldError[] {
  const errs = validateLabelSelector(spec.podSelector, 'spec.podSelector');
  for (const [key, peersKey] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ] as const) {
    objs(spec[key]).forEach((rule, i) => {
      const path = `spec.${key}[${i}]`;
      objs(rule.ports).forEach((port, j) =>
        errs.push(...validatePort(port, `${path}.ports[${j}]`)),
      );
      objs(rule[peersKey]).forEach((peer, j) =>
        errs.push(...validatePeer(peer, `${path}.${peersKey}[${j}]`)),
      );
    });
  }
  const types = Array.isArray(spec.policyTypes) ? (spec.policyTypes as unknown[]) : [];
  if (types.length > POLICY_TYPES.length) {
    errs.push(invalidValue('spec.policyTypes', types, 'may not specify more than two policyTypes'));
    return errs;
  }
  types.forEach((t, i) => {
    if (!POLICY_TYPES.includes(t as string))
      errs.push(notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
  });
  return errs;
}

export function validateNetworkPolicy(obj: KubeObject): FieldError[] {
  return [...validateObjectMeta(obj, true), ...validateNetworkPolicySpec(specOf(obj))];
}

export const networkPolicyResource: ResourceDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'NetworkPolicy',
  listKind: 'NetworkPolicyList',
  plural: 'networkpolicies',
  singular: 'networkpolicy',
  namespaced: true,
  shortNames: ['netpol'],
  verbs: [...STANDARD_VERBS],
  strategy: {
    defaults: (obj) => defaultNetworkPolicy(obj),
    validate: (obj) => validateNetworkPolicy(obj),
    tracksGeneration: true,
    columns: [
      NAME_COLUMN,
      column(
        'Pod-Selector',
        'Selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods.  In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.',
      ),
      AGE_COLUMN,
    ],
    row: (obj, now) => [
      obj.metadata.name ?? '',
      formatSelectorObject(specOf(obj).podSelector),
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};

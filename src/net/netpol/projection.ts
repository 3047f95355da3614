// API objects → the slim projections of types.ts, at the informer boundary.

import type { KubeObject } from '../../api/types.js';
import { fromLabelSelectorObject, type LabelSelector } from '../../api/labels.js';
import type {
  NpContainerPort,
  NpNamespace,
  NpPeer,
  NpPod,
  NpPolicy,
  NpPortRule,
  NpRule,
  Protocol,
} from './types.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map((x) => obj(x) ?? {}) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const labelsOf = (o: KubeObject): Record<string, string> => ({ ...(o.metadata.labels ?? {}) });
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

const protocol = (v: unknown): Protocol => (v === 'UDP' || v === 'SCTP' ? v : 'TCP');

/** A selector object as requirements; a missing one selects everything. */
const selector = (v: unknown): LabelSelector => fromLabelSelectorObject(v) ?? [];

/** A pod on the pod network, or undefined (no IPv4 address yet, host network, finished). */
export function projectPod(pod: KubeObject, nodeName: string): NpPod | undefined {
  const spec = obj(pod.spec) ?? {};
  const status = obj(pod.status) ?? {};
  if (spec.hostNetwork === true) return undefined;
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return undefined;
  const ip = str(status.podIP);
  if (!IPV4.test(ip)) return undefined;
  const ports: NpContainerPort[] = [];
  for (const c of [...list(spec.initContainers), ...list(spec.containers)])
    for (const p of list(c.ports)) {
      const name = str(p.name);
      if (name && typeof p.containerPort === 'number')
        ports.push({ name, port: p.containerPort, protocol: protocol(p.protocol) });
    }
  return {
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name ?? '',
    labels: labelsOf(pod),
    ip,
    ports,
    local: spec.nodeName === nodeName,
  };
}

export const projectNamespace = (ns: KubeObject): NpNamespace => ({
  name: ns.metadata.name ?? '',
  labels: labelsOf(ns),
});

function projectRule(rule: Obj, peersKey: 'from' | 'to'): NpRule {
  const ports: NpPortRule[] = list(rule.ports).map((p) => ({
    protocol: protocol(p.protocol),
    ...(typeof p.port === 'number' || typeof p.port === 'string' ? { port: p.port } : {}),
    ...(typeof p.endPort === 'number' ? { endPort: p.endPort } : {}),
  }));
  const peers: NpPeer[] = list(rule[peersKey]).map((p) => {
    const block = obj(p.ipBlock);
    if (block)
      return {
        ipBlock: {
          cidr: str(block.cidr),
          except: Array.isArray(block.except) ? block.except.map(str) : [],
        },
      };
    return {
      ...(obj(p.podSelector) ? { podSelector: selector(p.podSelector) } : {}),
      ...(obj(p.namespaceSelector) ? { namespaceSelector: selector(p.namespaceSelector) } : {}),
    };
  });
  return { ports, peers };
}

/** policyTypes decide the isolation: a type without rules denies everything that way. */
export function projectPolicy(np: KubeObject): NpPolicy {
  const spec = obj(np.spec) ?? {};
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes.map(str) : [];
  const ingress = list(spec.ingress);
  const egress = list(spec.egress);
  // As SetDefaults_NetworkPolicy: no types means Ingress, and Egress when it has rules.
  const effective = types.length ? types : egress.length ? ['Ingress', 'Egress'] : ['Ingress'];
  return {
    namespace: np.metadata.namespace ?? '',
    name: np.metadata.name ?? '',
    podSelector: selector(spec.podSelector),
    ...(effective.includes('Ingress')
      ? { ingress: ingress.map((r) => projectRule(r, 'from')) }
      : {}),
    ...(effective.includes('Egress') ? { egress: egress.map((r) => projectRule(r, 'to')) } : {}),
  };
}

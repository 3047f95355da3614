// Policies, pods and namespaces → the table's sets and the rules of its two policy chains
// (pure). Rules name sets, never pod addresses, so a pod coming or going changes set
// elements only; a chain is rewritten only when a policy itself changes.
//
//   ingress-isolated / egress-isolated   this node's pods some policy isolates that way
//   p<h>-targets                         this node's pods policy h selects
//   p<h>-<in|eg><i>-peers                the pods a rule's selector peers select
//   p<h>-<in|eg><i>-named                address . protocol . port of a rule's named ports,
//                                        resolved on the destination pod
//
// A rule becomes one nft rule per (peer form × port form): `ip daddr @targets` (ingress) or
// `ip saddr @targets` (egress), then the peer (`@peers`, or an ipBlock's CIDR minus its
// exceptions), then the port (`meta l4proto tcp th dport 80[-90]`, or the named-port set),
// and the verdict: `accept` in the ingress chain, `return` in the egress chain (the packet
// still has to pass the destination's ingress rules). Each chain ends with `drop`.

import { createHash } from 'node:crypto';
import { matchesLabels, type LabelSelector } from '../../api/labels.js';
import type { Desired, DesiredSet, NpPeer, NpPod, NpPolicy, NpRule, NpState } from './types.js';

export const INGRESS_ISOLATED = 'ingress-isolated';
export const EGRESS_ISOLATED = 'egress-isolated';

const ADDR_PROTO_PORT = 'ipv4_addr . inet_proto . inet_service' as const;
const CIDR_V4 = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;

/** A short, stable name part for a policy (nft names stay well under their limit). */
export const policyId = (p: Pick<NpPolicy, 'namespace' | 'name'>): string =>
  createHash('sha256').update(`${p.namespace}/${p.name}`).digest('hex').slice(0, 12);

const selects = (sel: LabelSelector, labels: Record<string, string>): boolean =>
  matchesLabels(sel, labels);

/** The pods one selector peer of a policy in `namespace` selects. */
export function peerPods(peer: NpPeer, namespace: string, state: NpState): NpPod[] {
  return state.pods.filter((pod) => {
    if (peer.namespaceSelector) {
      const ns = state.namespaces.get(pod.namespace);
      if (!ns || !selects(peer.namespaceSelector, ns.labels)) return false;
    } else if (pod.namespace !== namespace) return false;
    return !peer.podSelector || selects(peer.podSelector, pod.labels);
  });
}

const proto = (p: string): string => p.toLowerCase();

/** An ipBlock as an nft match on `field` (`ip saddr` / `ip daddr`); undefined if not IPv4. */
function ipBlockMatch(
  block: { cidr: string; except: string[] },
  field: string,
): string | undefined {
  if (!CIDR_V4.test(block.cidr)) return undefined;
  const except = block.except.filter((e) => CIDR_V4.test(e));
  return except.length
    ? `${field} ${block.cidr} ${field} != { ${except.join(', ')} }`
    : `${field} ${block.cidr}`;
}

interface RuleOut {
  lines: string[];
  sets: Map<string, DesiredSet>;
}

function compileRule(
  policy: NpPolicy,
  rule: NpRule,
  dir: 'ingress' | 'egress',
  index: number,
  targets: NpPod[],
  state: NpState,
): RuleOut {
  const id = policyId(policy);
  const prefix = `p${id}-${dir === 'ingress' ? 'in' : 'eg'}${index}`;
  const sets = new Map<string, DesiredSet>();
  const self = dir === 'ingress' ? 'ip daddr' : 'ip saddr';
  const other = dir === 'ingress' ? 'ip saddr' : 'ip daddr';

  // Peers: selector peers share one set; each ipBlock is a match of its own.
  let peerForms: string[] = [''];
  let peerPodsAll: NpPod[] | undefined;
  if (rule.peers.length) {
    peerForms = [];
    const selectorPeers = rule.peers.filter((p) => !p.ipBlock);
    if (selectorPeers.length) {
      const name = `${prefix}-peers`;
      peerPodsAll = selectorPeers.flatMap((p) => peerPods(p, policy.namespace, state));
      sets.set(name, { type: 'ipv4_addr', elements: new Set(peerPodsAll.map((p) => p.ip)) });
      peerForms.push(`${other} @${name}`);
    }
    for (const p of rule.peers)
      if (p.ipBlock) {
        const m = ipBlockMatch(p.ipBlock, other);
        if (m) peerForms.push(m);
      }
  }

  // Ports: numbers and ranges inline; names resolved on the destination pod into one set.
  let portForms: string[] = [''];
  if (rule.ports.length) {
    portForms = [];
    const named = new Set<string>();
    let hasNamed = false;
    for (const p of rule.ports) {
      if (p.port === undefined) portForms.push(`meta l4proto ${proto(p.protocol)}`);
      else if (typeof p.port === 'number') {
        const range =
          p.endPort !== undefined && p.endPort > p.port ? `${p.port}-${p.endPort}` : `${p.port}`;
        portForms.push(`meta l4proto ${proto(p.protocol)} th dport ${range}`);
      } else {
        hasNamed = true;
        // Ingress: the port is the target pod's; egress: the destination's (any pod).
        const holders = dir === 'ingress' ? targets : state.pods;
        for (const pod of holders)
          for (const cp of pod.ports)
            if (cp.name === p.port && cp.protocol === p.protocol)
              named.add(`${pod.ip} . ${proto(cp.protocol)} . ${cp.port}`);
      }
    }
    if (hasNamed) {
      const name = `${prefix}-named`;
      sets.set(name, { type: ADDR_PROTO_PORT, elements: named });
      portForms.push(`ip daddr . meta l4proto . th dport @${name}`);
    }
  }

  const verdict = dir === 'ingress' ? 'accept' : 'return';
  const lines: string[] = [];
  for (const peer of peerForms)
    for (const port of portForms)
      lines.push([`${self} @p${id}-targets`, peer, port, verdict].filter(Boolean).join(' '));
  return { lines, sets };
}

/** The desired sets and chain rules for the whole state. */
export function compile(state: NpState): Desired {
  const sets = new Map<string, DesiredSet>();
  const ingressIsolated = new Set<string>();
  const egressIsolated = new Set<string>();
  const ingress: string[] = [];
  const egress: string[] = [];
  const policies = [...state.policies].sort((a, b) =>
    `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`),
  );
  for (const policy of policies) {
    const targets = state.pods.filter(
      (p) => p.local && p.namespace === policy.namespace && selects(policy.podSelector, p.labels),
    );
    const id = policyId(policy);
    sets.set(`p${id}-targets`, { type: 'ipv4_addr', elements: new Set(targets.map((p) => p.ip)) });
    for (const [dir, rules, isolated, out] of [
      ['ingress', policy.ingress, ingressIsolated, ingress],
      ['egress', policy.egress, egressIsolated, egress],
    ] as const) {
      if (!rules) continue;
      for (const t of targets) isolated.add(t.ip);
      rules.forEach((rule, i) => {
        const r = compileRule(policy, rule, dir, i, targets, state);
        for (const [k, v] of r.sets) sets.set(k, v);
        out.push(...r.lines);
      });
    }
  }
  sets.set(INGRESS_ISOLATED, { type: 'ipv4_addr', elements: ingressIsolated });
  sets.set(EGRESS_ISOLATED, { type: 'ipv4_addr', elements: egressIsolated });
  ingress.push('drop');
  egress.push('drop');
  return { sets, ingress, egress };
}

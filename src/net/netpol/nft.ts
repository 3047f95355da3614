// The table `inet skiff-netpol` as nft scripts (pure): the whole table for a full sync, and
// the difference between what was applied and what is desired for an incremental one
// (set elements added and deleted, a policy chain rewritten only when its rules changed).
//
//   chain forward (hook forward, priority filter) and chain input (hook input):
//     ct state established,related accept       replies of allowed connections
//     ip saddr @egress-isolated jump egress      the sender's egress rules (return = allowed)
//     ip daddr @ingress-isolated jump ingress    the receiver's (forward only)
//
// Service DNAT (the proxy's nat-prerouting, priority dstnat) has run before both hooks, so
// the rules see the endpoint pod's address. Traffic the node itself sends (kubelet probes)
// leaves through output and is never checked; traffic to the node (cluster DNS on the
// node's address) passes the sender's egress rules in input.

import { EGRESS_ISOLATED, INGRESS_ISOLATED } from './compile.js';
import type { Desired } from './types.js';

export const NETPOL_TABLE = 'skiff-netpol';
const T = `inet ${NETPOL_TABLE}`;

const elements = (els: Iterable<string>): string => [...els].join(', ');

function setDecl(
  name: string,
  d: Desired['sets'] extends Map<string, infer S> ? S : never,
): string {
  return `add set ${T} ${name} { type ${d.type}; }`;
}

function addElements(name: string, els: Iterable<string>): string[] {
  const list = [...els];
  return list.length ? [`add element ${T} ${name} { ${elements(list)} }`] : [];
}

function chainRules(chain: string, rules: string[]): string[] {
  return rules.map((r) => `add rule ${T} ${chain} ${r}`);
}

/** The base chains: the same in every sync, laid by full syncs only. */
function baseChains(): string[] {
  return [
    `add chain ${T} ingress`,
    `add chain ${T} egress`,
    `add chain ${T} forward { type filter hook forward priority filter; policy accept; }`,
    `add chain ${T} input { type filter hook input priority filter; policy accept; }`,
    `add rule ${T} forward ct state established,related accept`,
    `add rule ${T} forward ip saddr @${EGRESS_ISOLATED} jump egress`,
    `add rule ${T} forward ip daddr @${INGRESS_ISOLATED} jump ingress`,
    `add rule ${T} input ct state established,related accept`,
    `add rule ${T} input ip saddr @${EGRESS_ISOLATED} jump egress`,
  ];
}

/** The whole table in one transaction: what an earlier process left is replaced. */
export function fullScript(d: Desired): string {
  const lines = [`add table ${T}`, `delete table ${T}`, `add table ${T}`];
  for (const [name, s] of d.sets) lines.push(setDecl(name, s), ...addElements(name, s.elements));
  lines.push(
    ...baseChains(),
    ...chainRules('ingress', d.ingress),
    ...chainRules('egress', d.egress),
  );
  return lines.join('\n') + '\n';
}

const sameRules = (a: string[], b: string[]): boolean =>
  a.length === b.length && a.every((r, i) => r === b[i]);

/** What takes the table from `applied` to `desired`; empty when nothing differs. */
export function diffScript(applied: Desired, desired: Desired): string {
  const lines: string[] = [];
  const removed: string[] = [];
  for (const [name, s] of desired.sets) {
    const old = applied.sets.get(name);
    if (!old || old.type !== s.type) {
      if (old) removed.push(name);
      lines.push(setDecl(name, s), ...addElements(name, s.elements));
      continue;
    }
    const gone = [...old.elements].filter((e) => !s.elements.has(e));
    const added = [...s.elements].filter((e) => !old.elements.has(e));
    if (gone.length) lines.push(`delete element ${T} ${name} { ${elements(gone)} }`);
    lines.push(...addElements(name, added));
  }
  for (const name of applied.sets.keys()) if (!desired.sets.has(name)) removed.push(name);
  for (const chain of ['ingress', 'egress'] as const)
    if (!sameRules(applied[chain], desired[chain]))
      lines.push(`flush chain ${T} ${chain}`, ...chainRules(chain, desired[chain]));
  // Sets no rule names any more go last, after the chains that used them were rewritten.
  for (const name of removed) lines.push(`delete set ${T} ${name}`);
  return lines.length ? lines.join('\n') + '\n' : '';
}

export const deleteTableScript = (): string => `add table ${T}\ndelete table ${T}\n`;

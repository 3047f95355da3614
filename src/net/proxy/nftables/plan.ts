// The transaction that takes our table from what was applied to what is wanted. A full plan
// rebuilds every service's part (after a start or a failure); an incremental plan touches
// only the changed service ports: their elements are deleted or added one by one, their
// chains rewritten only when their rules differ, so unchanged endpoints keep their chains
// and affinity sets. Chains that went out of use are flushed now and deleted a sync later
// (kernels before 6.2 may still count a reference from a map element just deleted).

import {
  baseScript,
  elementId,
  FAMILY,
  SERVICE_ELEMENT_CONTAINERS,
  SERVICE_ELEMENT_SETS,
  TABLE,
  type NftElement,
  type RuleContext,
  type ServiceRuleSet,
} from './rules.js';
import { isAffinitySet, isServiceChain } from './names.js';

/** What our table holds (as far as this process applied it). */
export interface AppliedState {
  services: Map<string, ServiceRuleSet>;
  /** Element id → the element, with the service ports that want it (first owner's value). */
  elements: Map<string, { element: NftElement; owners: string[] }>;
  /** Chain name → its rules joined (service chains only). */
  chains: Map<string, string>;
  sets: Map<string, number>;
  /** Flushed chains waiting to be deleted, with when they went out of use (ms). */
  stale: Map<string, number>;
}

export const emptyState = (): AppliedState => ({
  services: new Map(),
  elements: new Map(),
  chains: new Map(),
  sets: new Map(),
  stale: new Map(),
});

/** What a listing of the table found (for a full sync after a restart). */
export interface KernelTable {
  chains: string[];
  /** Set name → timeout in seconds (0 when none). */
  sets: Map<string, number>;
}

export interface Plan {
  script: string;
  /** The state once the script has been applied. */
  next: AppliedState;
}

const T = `${FAMILY} ${TABLE}`;
const elementText = (e: NftElement): string => (e.value ? `${e.key} : ${e.value}` : e.key);
const setDecl = (name: string, timeout: number): string =>
  `add set ${T} ${name} { type ipv4_addr; flags dynamic,timeout; timeout ${timeout}s; }`;

/** Chains gone for at least this long are deleted (kube-proxy's one second). */
export const STALE_CHAIN_DELAY_MS = 1000;

/**
 * The transaction for `changed` service ports (`wanted` holds their new rules; a key
 * missing from it is removed). With `full`, `kernel` says what the table holds and every
 * service in `wanted` is written anew.
 */
export function planSync(
  applied: AppliedState,
  wanted: ReadonlyMap<string, ServiceRuleSet>,
  changed: Iterable<string>,
  ctx: RuleContext,
  now: number,
  full?: { kernel: KernelTable | undefined },
): Plan {
  // An incremental plan updates the applied state in place: copying it made every sync
  // cost as much as the whole table. The old object keeps its own `stale` map, the only
  // part a full sync reads after a failed transaction.
  const next: AppliedState = full ? emptyState() : { ...applied, stale: new Map(applied.stale) };
  const keys = full ? [...wanted.keys()] : [...new Set(changed)];
  const oldServices = new Map(full ? [] : keys.map((k) => [k, applied.services.get(k)]));
  if (full) {
    // Only chains the table still has can wait for deletion.
    const present = new Set(full.kernel?.chains ?? []);
    for (const [c, t] of applied.stale) if (present.has(c)) next.stale.set(c, t);
  }
  const addChains: string[] = [];
  const flushChains: string[] = [];
  const rules: string[] = [];
  const delElements: string[] = [];
  const addElements: string[] = [];
  const delSets: string[] = [];
  const addSets: string[] = [];
  /** Element id → the element applied before this plan (read before it changes). */
  const touched = new Map<string, NftElement | undefined>();
  const touch = (id: string): void => {
    if (!touched.has(id)) touched.set(id, full ? undefined : applied.elements.get(id)?.element);
  };

  // Ownership of elements moves from the old rules to the new ones.
  for (const key of keys) {
    const old = oldServices.get(key);
    const neu = wanted.get(key);
    for (const e of old?.elements ?? []) {
      const id = elementId(e);
      const entry = next.elements.get(id);
      if (!entry) continue;
      touch(id);
      entry.owners = entry.owners.filter((o) => o !== key);
    }
    for (const e of neu?.elements ?? []) {
      const id = elementId(e);
      touch(id);
      const entry = next.elements.get(id);
      if (entry) {
        if (!entry.owners.includes(key)) entry.owners.push(key);
        if (entry.owners.length === 1) entry.element = e;
      } else next.elements.set(id, { element: e, owners: [key] });
    }
    if (neu) next.services.set(key, neu);
    else next.services.delete(key);
  }
  for (const [id, had] of touched) {
    const after = next.elements.get(id);
    if (after && after.owners.length === 0) next.elements.delete(id);
    const want = next.elements.get(id)?.element;
    if (had && (!want || want.value !== had.value))
      delElements.push(`delete element ${T} ${had.container} { ${had.key} }`);
    if (want && (!had || want.value !== had.value))
      addElements.push(`add element ${T} ${want.container} { ${elementText(want)} }`);
  }

  // Chains and affinity sets of the changed services.
  const wantedChains = new Map<string, string[]>();
  const wantedSets = new Map<string, number>();
  for (const key of keys)
    for (const [name, r] of wanted.get(key)?.chains ?? []) wantedChains.set(name, r);
  for (const key of keys)
    for (const [name, t] of wanted.get(key)?.affinitySets ?? []) wantedSets.set(name, t);
  const goneChains = new Set<string>();
  const goneSets = new Set<string>();
  if (full) {
    for (const c of full.kernel?.chains ?? []) if (isServiceChain(c)) goneChains.add(c);
    for (const s of full.kernel?.sets.keys() ?? []) if (isAffinitySet(s)) goneSets.add(s);
  } else {
    for (const key of keys) {
      for (const c of oldServices.get(key)?.chains.keys() ?? []) goneChains.add(c);
      for (const s of oldServices.get(key)?.affinitySets.keys() ?? []) goneSets.add(s);
    }
  }
  // A set whose timeout changes is deleted and made again: its service's chains that use
  // it are rewritten in the same transaction.
  const rewriteAll = new Set<string>();
  if (!full)
    for (const key of keys)
      for (const [name, t] of wanted.get(key)?.affinitySets ?? [])
        if (applied.sets.has(name) && applied.sets.get(name) !== t)
          for (const c of wanted.get(key)?.chains.keys() ?? []) rewriteAll.add(c);
  for (const [name, r] of wantedChains) {
    goneChains.delete(name);
    next.stale.delete(name);
    const text = r.join('\n');
    if (!full && !rewriteAll.has(name) && applied.chains.get(name) === text) continue;
    addChains.push(`add chain ${T} ${name}`);
    flushChains.push(`flush chain ${T} ${name}`);
    for (const rule of r) rules.push(`add rule ${T} ${name} ${rule}`);
    next.chains.set(name, text);
  }
  for (const name of goneChains) {
    flushChains.push(`flush chain ${T} ${name}`);
    next.chains.delete(name);
    if (!next.stale.has(name)) next.stale.set(name, now);
  }
  const setsBefore = full ? (full.kernel?.sets ?? new Map<string, number>()) : applied.sets;
  for (const [name, timeout] of wantedSets) {
    goneSets.delete(name);
    const had = setsBefore.get(name);
    if (had !== undefined && had !== timeout) delSets.push(`delete set ${T} ${name}`);
    if (had !== timeout || full) addSets.push(setDecl(name, timeout));
    next.sets.set(name, timeout);
  }
  for (const name of goneSets) {
    if (setsBefore.has(name)) delSets.push(`delete set ${T} ${name}`);
    next.sets.delete(name);
  }
  const deleteStale: string[] = [];
  for (const [name, since] of next.stale)
    if (now - since >= STALE_CHAIN_DELAY_MS) {
      deleteStale.push(`delete chain ${T} ${name}`);
      next.stale.delete(name);
    }

  const lines = [
    ...(full ? baseScript(ctx) : []),
    ...(full
      ? SERVICE_ELEMENT_CONTAINERS.map(
          (c) => `flush ${SERVICE_ELEMENT_SETS.has(c) ? 'set' : 'map'} ${T} ${c}`,
        )
      : []),
    ...addChains,
    ...flushChains,
    ...delElements,
    ...delSets,
    ...addSets,
    ...rules,
    ...addElements,
    ...deleteStale,
  ];
  return { script: lines.length ? lines.join('\n') + '\n' : '', next };
}

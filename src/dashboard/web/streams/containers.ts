// A pod's containers as the log viewer and the terminal offer them, and the one chosen when
// none is named: the `kubectl.kubernetes.io/default-container` annotation, else the first.

import type { KObject } from '../api/reducer.js';

export interface PodContainer {
  name: string;
  kind: 'init' | 'app' | 'ephemeral';
  /** `running`, `waiting: CrashLoopBackOff`, `terminated: Completed`… */
  state: string;
  restarts: number;
}

export function podContainers(pod: KObject | undefined): PodContainer[] {
  if (!pod) return [];
  const statuses = new Map<string, any>();
  for (const list of ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses'])
    for (const s of (pod.status?.[list] ?? []) as any[]) statuses.set(s.name, s);
  const out: PodContainer[] = [];
  const add = (list: any[] | undefined, kind: PodContainer['kind']) => {
    for (const c of list ?? []) {
      const s = statuses.get(c.name);
      out.push({ name: c.name, kind, state: stateText(s?.state), restarts: s?.restartCount ?? 0 });
    }
  };
  add(pod.spec?.initContainers, 'init');
  add(pod.spec?.containers, 'app');
  add(pod.spec?.ephemeralContainers, 'ephemeral');
  return out;
}

function stateText(state: any): string {
  if (!state) return 'unknown';
  if (state.running) return 'running';
  if (state.waiting) return `waiting${state.waiting.reason ? `: ${state.waiting.reason}` : ''}`;
  if (state.terminated)
    return `terminated${state.terminated.reason ? `: ${state.terminated.reason}` : ''}`;
  return 'unknown';
}

export function defaultContainer(pod: KObject | undefined): string | undefined {
  const named = pod?.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  const apps = podContainers(pod).filter((c) => c.kind === 'app');
  if (named && apps.some((c) => c.name === named)) return named;
  return apps[0]?.name;
}

/**
 * A parameter of the page's query: `#/pods/ns/p/logs?container=c` keeps it in the hash, while
 * the router's own links move it to `location.search`; the hash wins.
 */
export function pageQuery(name: string, hash: string, search: string): string | undefined {
  const inHash = hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '';
  return (
    new URLSearchParams(inHash).get(name) ?? new URLSearchParams(search).get(name) ?? undefined
  );
}

/**
 * Appended to a route's path so that it also matches with a query in the hash
 * (`#/pods/ns/p/logs?container=c`): the router's patterns take literal segments as
 * regular-expression text.
 */
export const OPTIONAL_QUERY = '(?:\\?.*)?';

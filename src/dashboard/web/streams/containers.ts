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
 * The container a page names: `#/pods/ns/p/logs?container=c` keeps it in the hash (it wins);
 * the router's own links move the query to `location.search`, where it outlives the page, so
 * a name found only there is a hint, taken when the pod has such a container.
 */
export function namedContainer(hash: string, search: string): ContainerName {
  const inHash = hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '';
  const named = new URLSearchParams(inHash).get('container') ?? undefined;
  return named ? { named } : { hinted: new URLSearchParams(search).get('container') ?? undefined };
}

export interface ContainerName {
  named?: string | undefined;
  hinted?: string | undefined;
}

/** The container to show: the one chosen or named, a hint the pod has, else the default. */
export function containerToShow(
  pod: KObject | undefined,
  n: ContainerName & { chosen?: string | undefined },
): string | undefined {
  if (n.chosen ?? n.named) return n.chosen ?? n.named;
  if (n.hinted && podContainers(pod).some((c) => c.name === n.hinted)) return n.hinted;
  return defaultContainer(pod);
}

/**
 * Appended to a route's path so that it also matches with a query in the hash
 * (`#/pods/ns/p/logs?container=c`): the router's patterns take literal segments as
 * regular-expression text.
 */
export const OPTIONAL_QUERY = '(?:\\?.*)?';

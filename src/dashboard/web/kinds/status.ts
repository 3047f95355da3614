// What the lists say about a workload at a glance: ready counts as kubectl prints them, and
// one status word (with a tone for its colour).

import type { KObject } from '../api/reducer.js';

export type Tone = 'ok' | 'warn' | 'bad' | 'muted';
export interface StatusWord {
  text: string;
  tone: Tone;
}

export function podReady(p: KObject): string {
  const statuses: any[] = p.status?.containerStatuses ?? [];
  const total = p.spec?.containers?.length ?? statuses.length;
  return `${statuses.filter((c) => c.ready).length}/${total}`;
}

export function podRestarts(p: KObject): number {
  return (p.status?.containerStatuses ?? []).reduce(
    (n: number, c: any) => n + (c.restartCount ?? 0),
    0,
  );
}

/** The STATUS column as kubectl prints it (reason of a waiting/terminated container first). */
export function podStatus(p: KObject): string {
  if (p.metadata.deletionTimestamp) return 'Terminating';
  for (const c of (p.status?.initContainerStatuses ?? []) as any[]) {
    const why = c.state?.waiting?.reason ?? c.state?.terminated?.reason;
    if (why && why !== 'Completed') return `Init:${why}`;
  }
  for (const c of (p.status?.containerStatuses ?? []) as any[]) {
    const why = c.state?.waiting?.reason ?? c.state?.terminated?.reason;
    if (why && why !== 'Completed') return why;
  }
  return p.status?.reason ?? p.status?.phase ?? 'Pending';
}

const BAD_POD = /Err|BackOff|Failed|Invalid|OOMKilled|Error|Evicted|Unknown/;

export function podStatusWord(p: KObject): StatusWord {
  const text = podStatus(p);
  if (text === 'Running') {
    const [ready, total] = podReady(p).split('/');
    return { text, tone: ready === total ? 'ok' : 'warn' };
  }
  if (text === 'Succeeded' || text === 'Completed') return { text, tone: 'muted' };
  return { text, tone: BAD_POD.test(text) ? 'bad' : 'warn' };
}

const desired = (o: KObject): number => o.spec?.replicas ?? 1;

/** READY as `kubectl get` prints it for each workload kind; '' for kinds without one. */
export function workloadReady(kind: string, o: KObject): string {
  const s = o.status ?? {};
  switch (kind) {
    case 'Pod':
      return podReady(o);
    case 'Deployment':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'StatefulSet':
      return `${s.readyReplicas ?? 0}/${desired(o)}`;
    case 'DaemonSet':
      return `${s.numberReady ?? 0}/${s.desiredNumberScheduled ?? 0}`;
    case 'Job':
      return `${s.succeeded ?? 0}/${o.spec?.completions ?? 1}`;
    default:
      return '';
  }
}

const condition = (o: KObject, type: string): any =>
  (o.status?.conditions ?? []).find((c: any) => c.type === type);

/** One word for a workload's state. */
export function workloadStatus(kind: string, o: KObject): StatusWord {
  if (o.metadata.deletionTimestamp) return { text: 'Terminating', tone: 'muted' };
  const s = o.status ?? {};
  switch (kind) {
    case 'Pod':
      return podStatusWord(o);
    case 'Deployment': {
      const progressing = condition(o, 'Progressing');
      if (progressing?.status === 'False') return { text: 'Failed', tone: 'bad' };
      if (condition(o, 'ReplicaFailure')?.status === 'True') return { text: 'Failed', tone: 'bad' };
      if (desired(o) === 0) return { text: 'Scaled to 0', tone: 'muted' };
      const updated = s.updatedReplicas ?? 0;
      if (
        (s.readyReplicas ?? 0) >= desired(o) &&
        updated >= desired(o) &&
        (s.replicas ?? 0) <= desired(o)
      )
        return { text: 'Ready', tone: 'ok' };
      return { text: 'Progressing', tone: 'warn' };
    }
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'StatefulSet':
      if (desired(o) === 0) return { text: 'Scaled to 0', tone: 'muted' };
      return (s.readyReplicas ?? 0) >= desired(o)
        ? { text: 'Ready', tone: 'ok' }
        : { text: 'Progressing', tone: 'warn' };
    case 'DaemonSet':
      return (s.numberReady ?? 0) >= (s.desiredNumberScheduled ?? 0)
        ? { text: 'Ready', tone: 'ok' }
        : { text: 'Progressing', tone: 'warn' };
    case 'Job':
      if (condition(o, 'Complete')?.status === 'True') return { text: 'Complete', tone: 'muted' };
      if (condition(o, 'Failed')?.status === 'True') return { text: 'Failed', tone: 'bad' };
      if (o.spec?.suspend) return { text: 'Suspended', tone: 'muted' };
      return { text: 'Running', tone: 'warn' };
    case 'CronJob':
      if (o.spec?.suspend) return { text: 'Suspended', tone: 'muted' };
      return (s.active ?? []).length
        ? { text: `${s.active.length} active`, tone: 'warn' }
        : { text: 'Scheduled', tone: 'ok' };
    default:
      return { text: '', tone: 'muted' };
  }
}

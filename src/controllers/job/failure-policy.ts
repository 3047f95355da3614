// spec.podFailurePolicy as kube's job controller applies it (matchPodFailurePolicy): the
// first rule whose exit codes or pod conditions match a failed pod decides — FailJob fails
// the Job at once (reason PodFailurePolicy), Ignore does not count the failure against
// backoffLimit, Count counts it as usual.

import type { Pod } from '../replicaset/types.js';
import type { Job } from './types.js';

interface ContainerStatus {
  name?: string;
  state?: { terminated?: { exitCode?: number } };
}

interface Rule {
  action?: string;
  onExitCodes?: { containerName?: string; operator?: string; values?: number[] };
  onPodConditions?: { type?: string; status?: string }[];
}

export interface PolicyMatch {
  action: 'FailJob' | 'Ignore' | 'Count' | 'FailIndex';
  /** For FailJob: the condition message kube writes. */
  message?: string;
}

const statusesOf = (
  p: Pod,
  key: 'containerStatuses' | 'initContainerStatuses',
): ContainerStatus[] =>
  ((p.status as Record<string, unknown> | undefined)?.[key] as ContainerStatus[] | undefined) ?? [];

/** The first container (then init container) that exited non-zero as the rule describes. */
function matchExitCodes(
  p: Pod,
  req: NonNullable<Rule['onExitCodes']>,
): ContainerStatus | undefined {
  const values = req.values ?? [];
  for (const key of ['containerStatuses', 'initContainerStatuses'] as const)
    for (const c of statusesOf(p, key)) {
      if (req.containerName !== undefined && req.containerName !== c.name) continue;
      const code = c.state?.terminated?.exitCode;
      if (code === undefined || code === 0) continue;
      if (req.operator === 'In' ? values.includes(code) : !values.includes(code)) return c;
    }
  return undefined;
}

function matchConditions(
  p: Pod,
  patterns: NonNullable<Rule['onPodConditions']>,
): string | undefined {
  for (const c of p.status?.conditions ?? [])
    if (patterns.some((pt) => pt.type === c.type && (pt.status ?? 'True') === c.status))
      return c.type;
  return undefined;
}

/** What the Job's podFailurePolicy says about a failed pod (undefined: no rule matched). */
export function matchPodFailurePolicy(job: Job, p: Pod): PolicyMatch | undefined {
  const rules = (job.spec?.podFailurePolicy as { rules?: Rule[] } | undefined)?.rules ?? [];
  const where = `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
  for (const [index, rule] of rules.entries()) {
    const action = rule.action as PolicyMatch['action'];
    if (rule.onExitCodes) {
      const c = matchExitCodes(p, rule.onExitCodes);
      if (!c) continue;
      if (action === 'FailJob')
        return {
          action,
          message: `Container ${c.name ?? ''} for pod ${where} failed with exit code ${c.state?.terminated?.exitCode ?? 0} matching FailJob rule at index ${index}`,
        };
      return { action };
    }
    if (rule.onPodConditions?.length) {
      const type = matchConditions(p, rule.onPodConditions);
      if (type === undefined) continue;
      if (action === 'FailJob')
        return {
          action,
          message: `Pod ${where} has condition ${type} matching FailJob rule at index ${index}`,
        };
      return { action };
    }
  }
  return undefined;
}

// Server-side rollback, as extensions/v1beta1 asked for it through the
// `deprecated.deployment.rollback.to` annotation: copy the template of the ReplicaSet with
// that revision back into the Deployment. (kubectl rollout undo does this itself, client
// side, in the versions Skiff serves; this path only honours the annotation when present.)

import { resources } from '../../client/index.js';
import {
  lastRevision,
  revisionOf,
  rollbackTo,
  ROLLBACK_TO,
  skipCopyAnnotation,
} from './annotations.js';
import type { SyncEnv } from './env.js';
import { equalIgnoreHash } from './hash.js';
import { getAllReplicaSetsAndSyncRevision } from './newrs.js';
import { POD_TEMPLATE_HASH, type Deployment, type ReplicaSet } from './types.js';
import { deepCopy } from '../../api/json.js';

const NOT_FOUND = 'DeploymentRollbackRevisionNotFound';
const TEMPLATE_UNCHANGED = 'DeploymentRollbackTemplateUnchanged';
const DONE = 'DeploymentRollback';

export async function rollback(env: SyncEnv, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(env, d, rsList, true);
  const all = [...oldRSs, ...(newRS ? [newRS] : [])];
  let revision = rollbackTo(d) ?? 0;
  if (revision === 0) {
    revision = lastRevision(all);
    if (revision === 0) {
      env.recorder.event(d, 'Warning', NOT_FOUND, 'Unable to find last revision.');
      return clearRollbackTo(env, d);
    }
  }
  const target = all.find((rs) => revisionOf(rs) === revision);
  if (!target) {
    env.recorder.event(d, 'Warning', NOT_FOUND, 'Unable to find the revision to rollback to.');
    return clearRollbackTo(env, d);
  }
  if (equalIgnoreHash(d.spec?.template, target.spec?.template)) {
    env.recorder.event(
      d,
      'Warning',
      TEMPLATE_UNCHANGED,
      `The rollback revision contains the same template as current deployment "${d.metadata.name ?? ''}"`,
    );
    return clearRollbackTo(env, d);
  }
  const template = deepCopy(target.spec?.template ?? {});
  const labels = { ...(template.metadata?.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH];
  template.metadata = { ...(template.metadata ?? {}), labels };
  d.spec = { ...(d.spec ?? {}), template };
  // The Deployment takes the target's annotations, so they follow it back onto the RS.
  const kept = Object.entries(d.metadata.annotations ?? {}).filter(([k]) => skipCopyAnnotation(k));
  const copied = Object.entries(target.metadata.annotations ?? {}).filter(
    ([k]) => !skipCopyAnnotation(k),
  );
  d.metadata.annotations = Object.fromEntries([...kept, ...copied]);
  await clearRollbackTo(env, d);
  env.recorder.event(
    d,
    'Normal',
    DONE,
    `Rolled back deployment "${d.metadata.name ?? ''}" to revision ${revision}`,
  );
}

async function clearRollbackTo(env: SyncEnv, d: Deployment): Promise<void> {
  if (d.metadata.annotations) delete d.metadata.annotations[ROLLBACK_TO];
  await env.client.update(resources.deployments, d);
}

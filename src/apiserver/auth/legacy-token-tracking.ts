// Legacy token tracking: a secret-based service-account token that authenticates labels its
// secret with the day it was last used (`kubernetes.io/legacy-token-last-used: YYYY-MM-DD`),
// as kube-apiserver does, so that unused tokens can be found and cleaned up.

import type { ResourceDef } from '../../api/types.js';
import type { Registry } from '../registry/generic.js';
import { LEGACY_TOKEN_LAST_USED_LABEL } from './bound-objects.js';

/** Days already being written, so a burst of requests makes one write. */
const pending = new Set<string>();

export async function markLegacyTokenUsed(
  registry: Registry,
  secrets: ResourceDef,
  namespace: string,
  name: string,
  today: string,
): Promise<void> {
  const key = `${namespace}/${name}/${today}`;
  if (pending.has(key)) return;
  pending.add(key);
  try {
    const secret = await registry.tryGet(secrets, namespace, name);
    if (!secret || secret.metadata.labels?.[LEGACY_TOKEN_LAST_USED_LABEL] === today) return;
    secret.metadata.labels = { ...secret.metadata.labels, [LEGACY_TOKEN_LAST_USED_LABEL]: today };
    await registry.update(secrets, namespace, name, secret);
  } catch {
    // Tracking is best effort: a conflict or a deleted secret leaves the label for next time.
  } finally {
    pending.delete(key);
  }
}

/** The config map saying since when legacy token use is tracked (kube's legacytokentracking). */
export const TRACKING_CONFIGMAP = 'kube-apiserver-legacy-service-account-token-tracking';

/** Creates the tracking config map (`since: YYYY-MM-DD`) unless it holds a date already. */
export async function ensureLegacyTokenTracking(
  registry: Registry,
  configMaps: ResourceDef,
  now: Date,
): Promise<void> {
  const since = now.toISOString().slice(0, 10);
  const cm = await registry.tryGet(configMaps, 'kube-system', TRACKING_CONFIGMAP);
  const current = (cm?.['data'] as Record<string, string> | undefined)?.['since'];
  if (cm && current && /^\d{4}-\d{2}-\d{2}$/.test(current)) return;
  try {
    if (!cm)
      await registry.create(configMaps, 'kube-system', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: TRACKING_CONFIGMAP, namespace: 'kube-system' },
        data: { since },
      });
    else
      await registry.update(configMaps, 'kube-system', TRACKING_CONFIGMAP, {
        ...cm,
        data: { since },
      });
  } catch {
    // Another writer got there first, or kube-system is not there yet: the next start retries.
  }
}

// Which volume a claim binds to, as the PV controller's findMatchingVolume decides: a volume
// pre-bound to the claim if it satisfies it, otherwise the smallest Available volume of the
// claim's class with the claim's volume mode, every access mode it asks for, enough
// capacity and labels its selector matches.

import { fromLabelSelectorObject, matchesLabels } from '../../api/labels.js';
import { claimClass, persistentVolumeClass, quantityBytes } from '../../api/kinds/index.js';
import { matchesAnyTerm, type NodeSelectorTerm } from '../../api/node-selection.js';
import type { KubeObject } from '../../api/types.js';
import type { Claim, Volume } from './types.js';

const requestOf = (claim: Claim): number =>
  quantityBytes(claim.spec?.resources?.requests?.['storage']) ?? 0;
const capacityOf = (pv: Volume): number => quantityBytes(pv.spec?.capacity?.['storage']) ?? 0;

/** Whether the volume was bound (by claimRef) to this very claim. */
export function isVolumeBoundToClaim(pv: Volume, claim: Claim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

/** Why the volume cannot serve the claim (checkVolumeSatisfyClaim), or undefined. */
export function volumeMismatch(pv: Volume, claim: Claim): string | undefined {
  if (requestOf(claim) > capacityOf(pv)) return 'requested PV is too small';
  if (persistentVolumeClass(pv) !== claimClass(claim)) return 'storageClassName does not match';
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem'))
    return 'incompatible volumeMode';
  const modes = new Set(pv.spec?.accessModes ?? []);
  if (!(claim.spec?.accessModes ?? []).every((m) => modes.has(m))) return 'incompatible accessMode';
  return undefined;
}

export function findBestMatch(volumes: readonly Volume[], claim: Claim): Volume | undefined {
  const sel = claim.spec?.selector;
  const selector =
    sel === undefined || sel === null ? undefined : (fromLabelSelectorObject(sel) ?? []);
  let best: Volume | undefined;
  for (const pv of volumes) {
    if (pv.metadata.deletionTimestamp) continue;
    if (volumeMismatch(pv, claim) !== undefined && !isVolumeBoundToClaim(pv, claim)) continue;
    if (isVolumeBoundToClaim(pv, claim)) {
      if (volumeMismatch(pv, claim) === undefined) return pv;
      continue;
    }
    if (pv.status?.phase !== 'Available' || pv.spec?.claimRef) continue;
    if (selector && !matchesLabels(selector, pv.metadata.labels ?? {})) continue;
    if (!best || capacityOf(best) > capacityOf(pv)) best = pv;
  }
  return best;
}

/** CheckNodeAffinity: whether a volume may be used on the node (no affinity: anywhere). */
export function volumeFitsNode(pv: Volume, node: KubeObject): boolean {
  const required = (pv.spec?.nodeAffinity as { required?: { nodeSelectorTerms?: unknown[] } })
    ?.required;
  if (!required) return true;
  return matchesAnyTerm((required.nodeSelectorTerms ?? []) as NodeSelectorTerm[], node);
}

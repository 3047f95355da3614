// EndpointSliceTracker: the generations a controller last wrote for each service's slices,
// so a sync can tell that its informer cache has not caught up with its own writes.

import type { EndpointSlice } from './types.js';
import { LABEL_SERVICE_NAME } from './types.js';

const DELETION_EXPECTED = -1;

export class StaleCacheError extends Error {
  constructor() {
    super('EndpointSlice informer cache is out of date');
  }
}

const serviceKeyOf = (s: EndpointSlice): string =>
  `${s.metadata.namespace}/${s.metadata.labels?.[LABEL_SERVICE_NAME] ?? ''}`;

export class SliceTracker {
  private readonly byService = new Map<string, Map<string, number>>();
  private readonly serviceUIDs = new Map<string, string>();

  private gens(s: EndpointSlice): Map<string, number> | undefined {
    return this.byService.get(serviceKeyOf(s));
  }

  /** Whether the tracker has anything recorded for this slice. */
  has(s: EndpointSlice): boolean {
    return this.gens(s)?.has(s.metadata.uid ?? '') ?? false;
  }

  /** A slice event needs a sync unless it is one of our own writes we already know. */
  shouldSync(s: EndpointSlice): boolean {
    const g = this.gens(s)?.get(s.metadata.uid ?? '');
    return g === undefined || (s.metadata.generation ?? 0) > g;
  }

  /** Whether the cached slices lag our writes (older generations, or missing, or undeleted). */
  stale(serviceKey: string, serviceUID: string, slices: EndpointSlice[]): boolean {
    const known = this.serviceUIDs.get(serviceKey);
    if (known && serviceUID && known !== serviceUID) this.byService.delete(serviceKey);
    this.serviceUIDs.set(serviceKey, serviceUID);
    const gens = this.byService.get(serviceKey);
    if (!gens) return false;
    const provided = new Set<string>();
    for (const s of slices) {
      const uid = s.metadata.uid ?? '';
      provided.add(uid);
      const g = gens.get(uid);
      if (g !== undefined && (g === DELETION_EXPECTED || g > (s.metadata.generation ?? 0)))
        return true;
    }
    for (const [uid, g] of gens) if (g !== DELETION_EXPECTED && !provided.has(uid)) return true;
    return false;
  }

  update(s: EndpointSlice): void {
    this.ensure(s).set(s.metadata.uid ?? '', s.metadata.generation ?? 0);
  }

  expectDeletion(s: EndpointSlice): void {
    this.ensure(s).set(s.metadata.uid ?? '', DELETION_EXPECTED);
  }

  /** Forgets a deleted slice; false when the deletion was not one of ours. */
  handleDeletion(s: EndpointSlice): boolean {
    const gens = this.gens(s);
    if (!gens) return true;
    const uid = s.metadata.uid ?? '';
    const g = gens.get(uid);
    gens.delete(uid);
    return !(g !== undefined && g !== DELETION_EXPECTED);
  }

  deleteService(serviceKey: string): void {
    this.byService.delete(serviceKey);
    this.serviceUIDs.delete(serviceKey);
  }

  private ensure(s: EndpointSlice): Map<string, number> {
    const key = serviceKeyOf(s);
    let gens = this.byService.get(key);
    if (!gens) this.byService.set(key, (gens = new Map()));
    return gens;
  }
}

// Expectations: what an owner waits to see through the pod informer after its own writes,
// so a sync never acts on a cache that does not yet show them (which would double-create
// or double-delete). Creates are counted; deletes are tracked by pod key so a pod seen
// first as "deletionTimestamp set" and then as gone is counted once. Expectations expire
// after five minutes, in case a watch event was lost.

export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  setAt: number;
}

export interface Expectations {
  /** True when nothing is awaited (or what was awaited has expired): the owner may act. */
  satisfied(ownerKey: string): boolean;
  expectCreations(ownerKey: string, n: number): void;
  expectDeletions(ownerKey: string, podKeys: string[]): void;
  /** Both at once, for a sync that creates and deletes (the DaemonSet controller's). */
  expect(ownerKey: string, creations: number, podKeys: string[]): void;
  creationObserved(ownerKey: string): void;
  deletionObserved(ownerKey: string, podKey: string): void;
  delete(ownerKey: string): void;
}

export function createExpectations(clock: { now(): Date }): Expectations {
  const counts = new Map<string, Expectation>();
  const deleting = new Map<string, Set<string>>();
  const set = (key: string, add: number, del: number): void =>
    void counts.set(key, { add, del, setAt: clock.now().getTime() });
  return {
    satisfied(key) {
      const e = counts.get(key);
      if (!e) return true;
      if (e.add <= 0 && e.del <= 0) return true;
      return clock.now().getTime() - e.setAt > EXPECTATIONS_TIMEOUT_MS;
    },
    expectCreations: (key, n) => set(key, n, 0),
    expectDeletions(key, podKeys) {
      deleting.set(key, new Set(podKeys));
      set(key, 0, podKeys.length);
    },
    expect(key, creations, podKeys) {
      deleting.set(key, new Set(podKeys));
      set(key, creations, podKeys.length);
    },
    creationObserved(key) {
      const e = counts.get(key);
      if (e) e.add--;
    },
    deletionObserved(key, podKey) {
      const keys = deleting.get(key);
      if (!keys?.delete(podKey)) return;
      const e = counts.get(key);
      if (e) e.del--;
    },
    delete(key) {
      counts.delete(key);
      deleting.delete(key);
    },
  };
}

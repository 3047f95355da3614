// The API server's CustomResourceDefinition controllers, as kube-apiextensions-server's
// naming, establishing and finalizing controllers: each definition gets NamesAccepted (names
// checked against the other definitions of its group), Established once its versions are
// served, status.acceptedNames; a deleted definition (Terminating) has its objects deleted
// before the cleanup finalizer is removed and its resources leave the table.

import type { DynamicResourceTable } from '../../api/registry.js';
import type { KubeObject, ResourceDef } from '../../api/types.js';
import { crd as crdKinds } from '../../api/kinds/index.js';
import type { Registry } from '../registry/generic.js';
import type { CustomResourceApi } from '../../api/openapi/index.js';

const { CLEANUP_FINALIZER, customResourceDef, unknownFields, viewOf } = crdKinds;
type CrdNames = crdKinds.CrdNames;

const RETRY_MS = 500;

export interface CrdController {
  /** Resolves once the definitions stored at start are served. */
  readonly ready: Promise<void>;
  /** The served definition for a group/version/kind, if a custom resource. */
  customDef(group: string, version: string, kind: string): ResourceDef | undefined;
  /** The fields of `obj` the served version's schema does not declare. */
  unknownFields(def: ResourceDef, obj: KubeObject): string[];
  /** The served versions to publish in the OpenAPI documents, sorted by group and name. */
  published(): CustomResourceApi[];
  close(): void;
}

interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

type Obj = Record<string, unknown>;

const names = (o: unknown): CrdNames => crdKinds.namesOf(o);

/** The names a definition asks for that another definition of its group already holds. */
export function nameConflict(
  wanted: CrdNames,
  others: CrdNames[],
): { reason: string; message: string } | undefined {
  const taken = (pick: (n: CrdNames) => string[]) => new Set(others.flatMap(pick));
  const resourceNames = taken((n) => [n.plural, n.singular, ...n.shortNames].filter(Boolean));
  if (resourceNames.has(wanted.plural))
    return { reason: 'PluralConflict', message: `"${wanted.plural}" is already in use` };
  if (resourceNames.has(wanted.singular))
    return { reason: 'SingularConflict', message: `"${wanted.singular}" is already in use` };
  for (const s of wanted.shortNames)
    if (resourceNames.has(s))
      return { reason: 'ShortNamesConflict', message: `"${s}" is already in use` };
  const kinds = taken((n) => [n.kind, n.listKind].filter(Boolean));
  if (kinds.has(wanted.kind))
    return { reason: 'KindConflict', message: `"${wanted.kind}" is already in use` };
  if (kinds.has(wanted.listKind))
    return { reason: 'ListKindConflict', message: `"${wanted.listKind}" is already in use` };
  return undefined;
}

function setCondition(list: Condition[], c: Condition, now: string): Condition[] {
  const old = list.find((x) => x.type === c.type);
  const lastTransitionTime = old && old.status === c.status ? (old.lastTransitionTime ?? now) : now;
  const next = {
    type: c.type,
    status: c.status,
    lastTransitionTime,
    reason: c.reason,
    message: c.message,
  };
  return old ? list.map((x) => (x.type === c.type ? next : x)) : [...list, next];
}

const conditionOf = (crd: KubeObject, type: string): Condition | undefined =>
  ((crd.status as Obj | undefined)?.['conditions'] as Condition[] | undefined)?.find(
    (c) => c.type === type,
  );

export function createCrdController(o: {
  registry: Registry;
  table: DynamicResourceTable;
  now: () => Date;
  onError?: (e: unknown) => void;
  /** Called after the served custom resources changed (see `published`). */
  onServedChange?: () => void;
}): CrdController {
  const { registry, table } = o;
  const crdDef = table.byGroupResource('apiextensions.k8s.io', 'customresourcedefinitions');
  if (!crdDef) throw new Error('missing resource customresourcedefinitions');
  const stop = new AbortController();
  /** Served definitions by CRD name, with what they were built from and their lifetime. */
  const served = new Map<string, ResourceDef[]>();
  const builtFrom = new Map<string, { key: string; lifetime: AbortController }>();
  const schemas = new WeakMap<ResourceDef, crdKinds.Schema | undefined>();
  const preserveUnknown = new WeakMap<ResourceDef, boolean>();
  let chain: Promise<void> = Promise.resolve();
  let dirty = false;
  let retry: NodeJS.Timeout | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (markReady = r));

  const serve = (name: string, defs: ResourceDef[]): void => {
    if ((served.get(name) ?? []) === defs) return;
    if (defs.length) served.set(name, defs);
    else served.delete(name);
    table.set(name, defs);
    o.onServedChange?.();
  };

  /** The served definitions for `key` (what they are built from), rebuilt only when it changes. */
  const definitionsFor = (
    name: string,
    key: string,
    build: (signal: AbortSignal) => ResourceDef[],
  ): ResourceDef[] => {
    const known = builtFrom.get(name);
    if (known?.key === key) return served.get(name) ?? [];
    known?.lifetime.abort();
    const lifetime = new AbortController();
    builtFrom.set(name, { key, lifetime });
    return build(lifetime.signal);
  };

  const stopServing = (name: string): void => {
    builtFrom.get(name)?.lifetime.abort();
    builtFrom.delete(name);
    serve(name, []);
  };

  function kick(): Promise<void> {
    if (dirty) return chain;
    dirty = true;
    chain = chain
      .then(async () => {
        dirty = false;
        if (!stop.signal.aborted) await reconcileAll();
      })
      .catch((e: unknown) => {
        o.onError?.(e);
        scheduleRetry();
      });
    return chain;
  }

  function scheduleRetry(): void {
    if (retry || stop.signal.aborted) return;
    retry = setTimeout(() => {
      retry = undefined;
      void kick();
    }, RETRY_MS);
    retry.unref();
  }

  async function reconcileAll(): Promise<void> {
    const { items } = await registry.list(crdDef!, { namespace: '' });
    const live = new Set(items.map((c) => c.metadata.name ?? ''));
    for (const name of [...builtFrom.keys()]) if (!live.has(name)) stopServing(name);
    // Older definitions keep their names (as accepted names are held first come).
    const ordered = [...items].sort(
      (a, b) =>
        String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)) ||
        (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    );
    const accepted = new Map<string, { group: string; names: CrdNames }>();
    for (const crd of ordered) {
      try {
        await reconcile(crd, accepted);
      } catch (e) {
        o.onError?.(e);
        scheduleRetry();
      }
    }
  }

  async function reconcile(
    crd: KubeObject,
    accepted: Map<string, { group: string; names: CrdNames }>,
  ): Promise<void> {
    const name = crd.metadata.name ?? '';
    const view = viewOf(crd);
    const status = { ...((crd.status as Obj | undefined) ?? {}) };
    const now = o
      .now()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z');
    let conditions = [...((status['conditions'] as Condition[] | undefined) ?? [])];
    const others = [...accepted.values()].filter((a) => a.group === view.group).map((a) => a.names);
    const conflict = nameConflict(view.names, others);
    let acceptedNames = names(status['acceptedNames']);
    if (conflict) {
      conditions = setCondition(
        conditions,
        { type: 'NamesAccepted', status: 'False', ...conflict },
        now,
      );
    } else {
      acceptedNames = view.names;
      conditions = setCondition(
        conditions,
        {
          type: 'NamesAccepted',
          status: 'True',
          reason: 'NoConflicts',
          message: 'no conflicts found',
        },
        now,
      );
    }
    if (acceptedNames.plural) accepted.set(name, { group: view.group, names: acceptedNames });
    const terminating = !!crd.metadata.deletionTimestamp;
    const wasEstablished = conditionOf(crd, 'Established')?.status === 'True';
    const established = wasEstablished || !conflict;
    conditions = setCondition(
      conditions,
      established
        ? {
            type: 'Established',
            status: 'True',
            reason: 'InitialNamesAccepted',
            message: 'the initial names have been accepted',
          }
        : {
            type: 'Established',
            status: 'False',
            reason: 'NotAccepted',
            message: 'not all names are accepted',
          },
      now,
    );
    if (terminating)
      conditions = setCondition(
        conditions,
        {
          type: 'Terminating',
          status: 'True',
          reason: 'InstanceDeletionInProgress',
          message: 'CustomResource deletion is in progress',
        },
        now,
      );
    // Served before Established is written, so a client that waited for it finds the resource.
    const servable = established && !!acceptedNames.plural && !!acceptedNames.kind;
    const defs = servable
      ? definitionsFor(
          name,
          JSON.stringify([
            // The generation moves with every change of the spec.
            crd.metadata.uid,
            crd.metadata.generation,
            acceptedNames,
            terminating,
          ]),
          (signal) =>
            view.versions
              .filter((v) => v.served)
              .sort((a, b) => crdKinds.compareVersionPriority(a.name, b.name))
              .map((v) => {
                const d = customResourceDef(view, acceptedNames, v, terminating);
                d.servedUntil = signal;
                schemas.set(d, v.schema);
                preserveUnknown.set(
                  d,
                  (crd.spec as Obj | undefined)?.['preserveUnknownFields'] === true,
                );
                return d;
              }),
        )
      : [];
    if (servable) serve(name, defs);
    else stopServing(name);
    const nextStatus = {
      ...status,
      conditions,
      acceptedNames: compactNames(acceptedNames),
      storedVersions: (status['storedVersions'] as string[] | undefined) ?? [],
    };
    if (JSON.stringify(nextStatus) !== JSON.stringify(crd.status)) {
      const updated = await registry.update(
        crdDef!,
        '',
        name,
        { ...crd, status: nextStatus },
        { subresource: 'status', fieldManager: 'kube-apiserver' },
      );
      crd = updated;
    }
    if (terminating) await cleanUp(crd, defs);
  }

  /** Deletes the definition's objects; once none is left, drops the finalizer. */
  async function cleanUp(crd: KubeObject, defs: ResourceDef[]): Promise<void> {
    const name = crd.metadata.name ?? '';
    const storage = defs[0] ?? storageDef(crd);
    if (storage) {
      const { items } = await registry.list(storage, { namespace: '' });
      for (const item of items) {
        if (item.metadata.deletionTimestamp) continue;
        await registry
          .delete(storage, item.metadata.namespace ?? '', item.metadata.name ?? '', {})
          .catch(() => undefined);
      }
      const left = await registry.list(storage, { namespace: '' });
      if (left.items.length) {
        scheduleRetry();
        return;
      }
    }
    stopServing(name);
    const finalizers = (crd.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
    if (finalizers.length === (crd.metadata.finalizers ?? []).length) return;
    await registry.update(crdDef!, '', name, {
      ...crd,
      metadata: { ...crd.metadata, finalizers },
    });
  }

  /** A definition to reach the stored objects of a CRD that serves nothing any more. */
  function storageDef(crd: KubeObject): ResourceDef | undefined {
    const view = viewOf(crd);
    const v = view.versions.find((x) => x.storage) ?? view.versions[0];
    if (!v || !view.names.plural || !view.names.kind) return undefined;
    return customResourceDef(view, view.names, v);
  }

  async function follow(): Promise<void> {
    let first = true;
    while (!stop.signal.aborted) {
      try {
        const { resourceVersion } = await registry.list(crdDef!, { namespace: '' });
        await kick();
        if (first) {
          first = false;
          markReady();
        }
        for await (const e of registry.watch(crdDef!, {
          namespace: '',
          resourceVersion,
          signal: stop.signal,
        })) {
          if (stop.signal.aborted) return;
          if (e.type === 'ERROR') break;
          if (e.type !== 'BOOKMARK') void kick();
        }
      } catch (e) {
        o.onError?.(e);
      }
      if (stop.signal.aborted) return;
      await new Promise((r) => setTimeout(r, RETRY_MS).unref());
    }
  }
  void follow();

  return {
    ready,
    customDef(group, version, kind) {
      for (const defs of served.values())
        for (const d of defs)
          if (d.group === group && d.version === version && d.kind === kind) return d;
      return undefined;
    },
    unknownFields: (def, obj) => unknownFields(schemas.get(def), obj),
    published() {
      const out: CustomResourceApi[] = [];
      for (const [, defs] of [...served].sort(([a], [b]) => a.localeCompare(b)))
        for (const d of defs) {
          out.push({
            group: d.group,
            version: d.version,
            plural: d.plural,
            kind: d.kind,
            listKind: d.listKind,
            namespaced: d.namespaced,
            schema: schemas.get(d) as Record<string, unknown> | undefined,
            ...(preserveUnknown.get(d) ? { preserveUnknownFields: true } : {}),
            status: !!d.statusStrategy,
          });
        }
      return out;
    },
    close() {
      for (const b of builtFrom.values()) b.lifetime.abort();
      stop.abort();
      clearTimeout(retry);
    },
  };
}

function compactNames(n: CrdNames): Obj {
  return {
    plural: n.plural,
    ...(n.singular ? { singular: n.singular } : {}),
    ...(n.shortNames.length ? { shortNames: n.shortNames } : {}),
    kind: n.kind,
    ...(n.listKind ? { listKind: n.listKind } : {}),
    ...(n.categories.length ? { categories: n.categories } : {}),
  };
}

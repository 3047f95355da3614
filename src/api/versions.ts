// One kind served in several versions. A kind's definition is the version it is stored in;
// each other version it serves is a definition derived from it by a pair of conversion
// functions (`servedVersion`). Storage keeps one shape: the derived definition shares the
// stored one's keys (`storageOf`) and converts on the way in and out (`storageConversion`),
// so an object created in one version is read, listed and watched in every other. The
// stored version's strategy, status strategy and hooks run on the stored shape; a
// single-version kind pays nothing for any of this.

import type {
  GroupVersionKind,
  KubeObject,
  ResourceDef,
  ScaleStrategy,
  Strategy,
  SubresourceStrategy,
} from './types.js';

/** kube's `+k8s:prerelease-lifecycle-gen` markers of a deprecated version: [major, minor]. */
export interface ApiLifecycle {
  deprecated: readonly [number, number];
  removed?: readonly [number, number];
  replacement?: GroupVersionKind;
}

/** How a version other than the stored one is served. */
export interface VersionConversion {
  group: string;
  version: string;
  /** This version's object → the stored version's (apiVersion included). */
  toStorage(obj: KubeObject): KubeObject;
  /** The stored version's object → this version's. */
  fromStorage(obj: KubeObject): KubeObject;
  /** This version's own defaulters, run on its shape before anything else. */
  defaults?(obj: KubeObject): void;
  lifecycle?: ApiLifecycle;
}

/**
 * kube-apiserver's deprecation warning (deprecation.WarningMessage):
 * `extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress`.
 */
export function deprecationWarning(gvk: GroupVersionKind, l: ApiLifecycle): string {
  const gv = (k: GroupVersionKind): string => (k.group ? `${k.group}/${k.version}` : k.version);
  let text = `${gv(gvk)} ${gvk.kind} is deprecated in v${l.deprecated[0]}.${l.deprecated[1]}+`;
  if (l.removed) text += `, unavailable in v${l.removed[0]}.${l.removed[1]}+`;
  if (l.replacement) text += `; use ${gv(l.replacement)} ${l.replacement.kind}`;
  return text;
}

function deprecation(
  gvk: GroupVersionKind,
  l: ApiLifecycle,
): NonNullable<ResourceDef['deprecation']> {
  const warning = deprecationWarning(gvk, l);
  return l.removed ? { warning, removedRelease: `${l.removed[0]}.${l.removed[1]}` } : { warning };
}

/** Replaces every field of `target` with those of `source` (strategies mutate in place). */
export function replaceContents(target: KubeObject, source: KubeObject): void {
  for (const k of Object.keys(target)) delete target[k];
  Object.assign(target, source);
}

type Conversion = Pick<VersionConversion, 'toStorage' | 'fromStorage'>;

/** `mutate` (written for the stored shape) applied to an object of the served version. */
export function inStoredShape<A extends unknown[]>(
  c: Conversion,
  mutate: (stored: KubeObject, ...rest: A) => void,
): (obj: KubeObject, ...rest: A) => void {
  return (obj, ...rest) => {
    const stored = c.toStorage(obj);
    mutate(stored, ...rest);
    replaceContents(obj, c.fromStorage(stored));
  };
}

function convertedStrategy(base: Strategy, c: VersionConversion): Strategy {
  const to = c.toStorage;
  const s: Strategy = {};
  const { defaults, prepareForCreate, prepareForUpdate, validate, validateUpdate } = base;
  if (c.defaults || defaults) {
    const stored = defaults ? inStoredShape(c, defaults) : undefined;
    s.defaults = (obj, ctx) => {
      c.defaults?.(obj);
      stored?.(obj, ctx);
    };
  }
  if (prepareForCreate) s.prepareForCreate = inStoredShape(c, prepareForCreate);
  if (prepareForUpdate) {
    const prepare = inStoredShape(c, prepareForUpdate);
    s.prepareForUpdate = (obj, old, ctx) => prepare(obj, to(old), ctx);
  }
  if (validate) s.validate = (obj, ctx) => validate(to(obj), ctx);
  if (validateUpdate) s.validateUpdate = (obj, old, ctx) => validateUpdate(to(obj), to(old), ctx);
  const { selectableFields, row } = base;
  if (selectableFields) s.selectableFields = (obj) => selectableFields(to(obj));
  if (base.columns) s.columns = base.columns;
  if (row) s.row = (obj, now) => row(to(obj), now);
  if (base.tracksGeneration !== undefined) s.tracksGeneration = base.tracksGeneration;
  return s;
}

function convertedSubresource(
  base: SubresourceStrategy,
  c: VersionConversion,
): SubresourceStrategy {
  const prepare = inStoredShape(c, base.prepareForUpdate);
  return {
    prepareForUpdate: (obj, old) => prepare(obj, c.toStorage(old)),
    validateUpdate: (obj, old) => base.validateUpdate(c.toStorage(obj), c.toStorage(old)),
  };
}

/** The definition of `stored`'s kind served as `c.group`/`c.version`. */
export function servedVersion(stored: ResourceDef, c: VersionConversion): ResourceDef {
  if (stored.storageOf)
    throw new Error(`${stored.kind} ${stored.version} is itself served from another's storage`);
  const { statusStrategy, finalizeStrategy, scaleStrategy } = stored;
  const scale: ScaleStrategy | undefined = scaleStrategy && {
    selector: (obj) => scaleStrategy.selector(c.toStorage(obj)),
  };
  const gvk = { group: c.group, version: c.version, kind: stored.kind };
  return {
    ...stored,
    group: c.group,
    version: c.version,
    storageOf: { group: stored.group, plural: stored.plural },
    storageConversion: { toStorage: c.toStorage, fromStorage: c.fromStorage },
    strategy: convertedStrategy(stored.strategy, c),
    ...(statusStrategy ? { statusStrategy: convertedSubresource(statusStrategy, c) } : {}),
    ...(finalizeStrategy ? { finalizeStrategy: convertedSubresource(finalizeStrategy, c) } : {}),
    ...(scale ? { scaleStrategy: scale } : {}),
    ...(c.lifecycle ? { deprecation: deprecation(gvk, c.lifecycle) } : {}),
  };
}

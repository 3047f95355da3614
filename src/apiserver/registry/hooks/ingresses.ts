// The DefaultIngressClass admission step: an Ingress created without a class (neither
// spec.ingressClassName nor the kubernetes.io/ingress.class annotation) gets the default
// IngressClass, the one annotated `ingressclass.kubernetes.io/is-default-class: "true"`
// (the newest, then the first by name, when several are). As kube's plugin, it acts on
// creates through the networking.k8s.io group only: extensions/v1beta1 Ingresses keep no class.

import type { KubeObject, ResourceDef } from '../../../api/types.js';
import { resourcePrefix } from '../keys.js';
import type { HookContext, ResourceHooks } from '../types.js';

export const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

/** The default IngressClass among `classes`, or undefined. */
export function defaultIngressClass(classes: readonly KubeObject[]): KubeObject | undefined {
  const defaults = classes.filter(
    (c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true',
  );
  const created = (c: KubeObject): number => Date.parse(c.metadata.creationTimestamp ?? '') || 0;
  defaults.sort(
    (a, b) =>
      created(b) - created(a) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
  return defaults[0];
}

async function admitDefaultClass(
  ingress: KubeObject,
  ctx: HookContext,
  classes: ResourceDef,
): Promise<void> {
  const spec = (ingress['spec'] ??= {}) as Record<string, unknown>;
  if (spec['ingressClassName'] !== undefined && spec['ingressClassName'] !== null) return;
  if (ingress.metadata.annotations?.[CLASS_ANNOTATION] !== undefined) return;
  const stored = await ctx.registry.store.list(resourcePrefix(classes));
  const found = defaultIngressClass(stored.items.map((kv) => JSON.parse(kv.value) as KubeObject));
  if (found?.metadata.name) spec['ingressClassName'] = found.metadata.name;
}

export function ingressHooks(def: ResourceDef, classes: ResourceDef): ResourceHooks {
  if (def.group !== 'networking.k8s.io') return {};
  return { beforeCreate: (ingress, ctx) => admitDefaultClass(ingress, ctx, classes) };
}

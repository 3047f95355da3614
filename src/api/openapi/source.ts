// Where the schema data comes from: the declaration files of `kubernetes-models` (generated
// from the Kubernetes v1.33.0 OpenAPI specification) and of `@kubernetes-models/apimachinery`.
// Definitions are named as in the Kubernetes specification (`io.k8s.api.core.v1.Pod`).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseDts } from './dts.js';
import type { DtsModel, TypeExpr } from './dts.js';

/** The Kubernetes release whose specification the package was generated from. */
export const SCHEMA_VERSION = 'v1.33.0';

export interface PackageDirs {
  models: string;
  apimachinery: string;
}

export function packageDirs(): PackageDirs {
  const req = createRequire(import.meta.url);
  const modelsEntry = req.resolve('kubernetes-models');
  const machineryEntry = createRequire(modelsEntry).resolve('@kubernetes-models/apimachinery');
  return { models: dirname(modelsEntry), apimachinery: dirname(machineryEntry) };
}

/** `io.k8s.api.apps.v1.Deployment` → its declaration file. */
export function fileOf(def: string, dirs: PackageDirs): string {
  const parts = def.split('.');
  const name = parts.pop() ?? '';
  if (def.startsWith('io.k8s.apimachinery.pkg.')) {
    return join(dirs.apimachinery, ...parts.slice(4), `${name}.d.ts`);
  }
  if (def.startsWith(`${APIEXTENSIONS}.`)) {
    return join(dirs.models, 'apiextensions.k8s.io', parts[parts.length - 1] ?? '', `${name}.d.ts`);
  }
  if (def.startsWith('io.k8s.api.') && parts.length === 5) {
    const group = parts[3] ?? '';
    const version = parts[4] ?? '';
    if (group === 'core') return join(dirs.models, version, `${name}.d.ts`);
    return join(dirs.models, groupDir(group), version, `${name}.d.ts`);
  }
  throw new Error(`no declaration file for definition ${def}`);
}

/** The inverse of `fileOf`. */
export function defOf(file: string, dirs: PackageDirs): string {
  const under = (root: string): string[] | undefined => {
    const rel = relative(root, file);
    return rel.startsWith('..') ? undefined : rel.replace(/\.d\.ts$/, '').split(sep);
  };
  const machinery = under(dirs.apimachinery);
  if (machinery) return ['io.k8s.apimachinery.pkg', ...machinery].join('.');
  const models = under(dirs.models);
  if (models && models.length === 2) return `io.k8s.api.core.${models.join('.')}`;
  if (models && models.length === 3) {
    const [dir = '', version = '', name = ''] = models;
    if (dir === 'apiextensions.k8s.io') return `${APIEXTENSIONS}.${version}.${name}`;
    return `io.k8s.api.${dir.split('.')[0] ?? ''}.${version}.${name}`;
  }
  throw new Error(`not a definition file: ${file}`);
}

/** The package prefix of the apiextensions definitions (CustomResourceDefinition). */
export const APIEXTENSIONS = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions';

/** Groups whose name is more than `<package>.k8s.io`. */
const LONG_GROUPS: Record<string, string> = {
  rbac: 'rbac.authorization.k8s.io',
  flowcontrol: 'flowcontrol.apiserver.k8s.io',
};

function groupDir(group: string): string {
  const long = LONG_GROUPS[group];
  if (long) return long;
  return ['apps', 'autoscaling', 'batch', 'policy', 'extensions'].includes(group)
    ? group
    : `${group}.k8s.io`;
}

/** `io.k8s.api.core.v1.Pod` → `IIoK8sApiCoreV1Pod`, the alias the generator exports. */
function identOf(def: string): string {
  return (
    'I' +
    def
      .split(/[.-]/)
      .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
      .join('')
  );
}

export interface LoadedModel {
  def: string;
  model: DtsModel;
  /** Definition names of the refs in this model, by identifier. */
  refs: Map<string, string>;
}

/** Load `roots` and every definition they reach. */
export function loadModels(
  roots: readonly string[],
  dirs: PackageDirs = packageDirs(),
): Map<string, LoadedModel> {
  const out = new Map<string, LoadedModel>();
  const queue = [...roots];
  while (queue.length > 0) {
    const def = queue.shift() ?? '';
    if (out.has(def)) continue;
    const file = fileOf(def, dirs);
    const model = parseDts(readFileSync(file, 'utf8'));
    if (model.ident !== identOf(def))
      throw new Error(`${file} declares ${model.ident}, expected ${identOf(def)}`);
    const refs = new Map<string, string>();
    const defOfImport = (ident: string): string => {
      const spec = model.imports.get(ident);
      // A definition that refers to itself (JSONSchemaProps) uses its local name.
      if (spec === undefined && ident === `I${def.split('.').pop() ?? ''}`) return def;
      if (spec === undefined) throw new Error(`${def}: ${ident} is not imported`);
      const target = spec.startsWith('@kubernetes-models/apimachinery/')
        ? join(dirs.apimachinery, spec.slice('@kubernetes-models/apimachinery/'.length))
        : resolve(dirname(file), spec);
      return defOf(`${target.replace(/\.js$/, '')}.d.ts`, dirs);
    };
    const visit = (t: TypeExpr): void => {
      if (t.t === 'ref') {
        const refDef = defOfImport(t.ident);
        refs.set(t.ident, refDef);
        queue.push(refDef);
      } else if (t.t === 'embedded') {
        const refDef = defOfImport(t.specIdent).replace(/Spec$/, '');
        refs.set(t.specIdent.replace(/Spec$/, ''), refDef);
        queue.push(refDef);
      } else if (t.t === 'union') t.of.forEach(visit);
      else if (t.t === 'array' || t.t === 'map') visit(t.of);
    };
    for (const p of model.properties) visit(p.type);
    if (model.aliasOf) visit(model.aliasOf);
    out.set(def, { def, model, refs });
  }
  return out;
}

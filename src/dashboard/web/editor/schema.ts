// What the server's OpenAPI v3 says about a kind, for the YAML editor: which document holds
// the kind (`/openapi/v3` index → the group-version document), its schema (found by
// `x-kubernetes-group-version-kind`), the fields of any object in it, and the problems of a
// value against it (unknown fields and wrong types, worded as the API server words them).

export interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  enum?: unknown[];
  required?: string[];
  format?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

export interface OpenApiDocument {
  components?: { schemas?: Record<string, Schema> };
}

/** `v1` → `api/v1`, `apps/v1` → `apis/apps/v1`: the key in `/openapi/v3`'s paths. */
export function groupVersionKey(apiVersion: string): string {
  return apiVersion.includes('/') ? `apis/${apiVersion}` : `api/${apiVersion}`;
}

/** The document's URL for a group-version, from the `/openapi/v3` index. */
export function documentUrl(
  index: { paths?: Record<string, { serverRelativeURL?: string }> },
  apiVersion: string,
): string | undefined {
  return index.paths?.[groupVersionKey(apiVersion)]?.serverRelativeURL;
}

/** A path into a value: keys and list indexes. */
export type ValuePath = (string | number)[];

/** One kind's schema within its group-version document. */
export class KindSchema {
  private readonly schemas: Record<string, Schema>;
  readonly root: Schema;
  private constructor(schemas: Record<string, Schema>, root: Schema) {
    this.schemas = schemas;
    this.root = root;
  }

  /** The schema whose `x-kubernetes-group-version-kind` names the kind, if the document has it. */
  static find(doc: OpenApiDocument, apiVersion: string, kind: string): KindSchema | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
    const schemas = doc.components?.schemas ?? {};
    for (const s of Object.values(schemas)) {
      const gvks = s['x-kubernetes-group-version-kind'] ?? [];
      if (gvks.some((g) => g.group === group && g.version === version && g.kind === kind))
        return new KindSchema(schemas, s);
    }
    return undefined;
  }

  /** A schema with its `$ref` (bare, or as kube writes it, `allOf: [{$ref}]`) followed. */
  resolve(s: Schema | undefined): Schema | undefined {
    for (let hops = 0; s && hops < 32; hops++) {
      const ref = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0]!.$ref : undefined);
      if (!ref) return s;
      const target = this.schemas[ref.replace(/^#\/components\/schemas\//, '')];
      if (!target) return undefined;
      // the field's own description wins over the type's
      s = s.description ? { ...target, description: s.description } : target;
    }
    return s;
  }

  /** The schema at a path from the kind's root; undefined where nothing is known. */
  at(path: ValuePath): Schema | undefined {
    let s = this.resolve(this.root);
    for (const step of path) {
      if (!s) return undefined;
      s = this.resolve(this.child(s, step));
    }
    return s;
  }

  /** The fields an object at `path` may have, with their descriptions and types. */
  fields(path: ValuePath): { name: string; type: string; description: string }[] {
    const s = this.at(path);
    return Object.entries(s?.properties ?? {})
      .map(([name, prop]) => {
        const r = this.resolve(prop);
        return {
          name,
          type: typeName(r, (x) => this.resolve(x)),
          description: r?.description ?? '',
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private child(s: Schema, step: string | number): Schema | undefined {
    if (typeof step === 'number') return s.items;
    if (s.properties?.[step]) return s.properties[step];
    if (typeof s.additionalProperties === 'object') return s.additionalProperties;
    return undefined;
  }

  /** Unknown fields and wrong types in `value`, in document order. */
  problems(value: unknown): SchemaProblem[] {
    const out: SchemaProblem[] = [];
    this.check(this.resolve(this.root), value, [], out);
    return out;
  }

  private check(s: Schema | undefined, value: unknown, path: ValuePath, out: SchemaProblem[]) {
    if (!s || value === null || value === undefined) return;
    if (s['x-kubernetes-preserve-unknown-fields'] && !s.properties && !s.items) return;
    const want = allowedTypes(s);
    const got = typeOfValue(value);
    if (want.length && !want.some((t) => t === got || (t === 'number' && got === 'integer'))) {
      out.push({
        path,
        onKey: false,
        message: `${fieldName(path) || 'the object'}: expected ${want.join(' or ')}, got ${got}`,
      });
      return;
    }
    if (got === 'array' && s.items) {
      (value as unknown[]).forEach((v, i) =>
        this.check(this.resolve(s.items), v, [...path, i], out),
      );
      return;
    }
    if (got !== 'object') {
      if (s.enum && !s.enum.includes(value))
        out.push({
          path,
          onKey: false,
          severity: 'warning',
          message: `${fieldName(path)}: unsupported value ${JSON.stringify(value)}, supported values: ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`,
        });
      return;
    }
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const prop = s.properties?.[key];
      if (prop) this.check(this.resolve(prop), v, [...path, key], out);
      else if (typeof s.additionalProperties === 'object')
        this.check(this.resolve(s.additionalProperties), v, [...path, key], out);
      else if (
        s.properties &&
        !s.additionalProperties &&
        !s['x-kubernetes-preserve-unknown-fields']
      )
        out.push({
          path: [...path, key],
          onKey: true,
          message: `unknown field "${fieldName([...path, key])}"`,
        });
    }
  }
}

export interface SchemaProblem {
  path: ValuePath;
  /** The key is wrong (an unknown field), not its value. */
  onKey: boolean;
  message: string;
  severity?: 'error' | 'warning';
}

/** `spec.containers[0].image`, as the API server names fields in its messages. */
export function fieldName(path: ValuePath): string {
  let out = '';
  for (const step of path) out += typeof step === 'number' ? `[${step}]` : out ? `.${step}` : step;
  return out;
}

function allowedTypes(s: Schema): string[] {
  if (s['x-kubernetes-int-or-string']) return ['integer', 'string'];
  const alternatives = s.oneOf ?? s.anyOf;
  if (alternatives?.every((a) => a.type)) return alternatives.map((a) => a.type!);
  if (s.type) return [s.type];
  return s.properties || s.additionalProperties ? ['object'] : [];
}

function typeName(
  s: Schema | undefined,
  resolve: (s: Schema | undefined) => Schema | undefined,
): string {
  if (!s) return '';
  if (s.type === 'array') return `[]${typeName(resolve(s.items), resolve) || 'any'}`;
  if (s.type === 'object' && typeof s.additionalProperties === 'object')
    return `map[string]${s.additionalProperties.type ?? 'object'}`;
  const alternatives = s.oneOf ?? s.anyOf;
  if (alternatives) return alternatives.map((a) => a.type).join(' or ');
  return s.type ?? (s.properties ? 'object' : '');
}

function typeOfValue(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

// The RBAC objects in memory, shaped for the questions the authorizer asks: the rules of a
// role by name, and the bindings that name a subject. Bindings are indexed by the user name
// and by the group their subjects name (a service account is the user name its tokens carry,
// `system:serviceaccount:<ns>:<name>`), so a request looks up its user and groups and never
// walks bindings that do not concern it. Writes (rare) keep each list sorted by name; reads
// (every request) only look up.

import { toPolicyRule, type PolicyRule } from './rules.js';

export type RbacKind = 'roles' | 'clusterroles' | 'rolebindings' | 'clusterrolebindings';

export interface Subject {
  kind: string;
  name: string;
  namespace: string;
}

/** Whom a subject names: a user name or a group (or nobody: an unknown kind). */
export interface Principal {
  user?: string;
  group?: string;
}

export interface Binding {
  name: string;
  /** Empty for a ClusterRoleBinding. */
  namespace: string;
  roleRef: { kind: string; name: string };
  subjects: Subject[];
  /** Whom each subject names, in order. */
  principals: Principal[];
}

export interface PolicyIndex {
  /** Records the object (a JSON value) stored under kind/namespace/name; undefined removes it. */
  set(kind: RbacKind, namespace: string, name: string, obj: unknown): void;
  /** Forgets every object of a kind (before it is listed again). */
  clear(kind: RbacKind): void;
  roleRules(namespace: string, name: string): PolicyRule[] | undefined;
  clusterRoleRules(name: string): PolicyRule[] | undefined;
  /**
   * The bindings (ClusterRoleBindings when namespace is empty) that name the user or one of
   * its groups, ordered by name. The list is the index's own: not to be changed.
   */
  bindingsFor(namespace: string, userName: string, groups: readonly string[]): readonly Binding[];
  /** Changes with every set and clear: what was derived from an older generation is stale. */
  readonly generation: number;
}

const SA_PREFIX = 'system:serviceaccount:';
const NONE: readonly Binding[] = [];

/** Whom a subject of a binding in `namespace` ('' = cluster) names. */
export function principalOf(s: Subject, namespace: string): Principal {
  switch (s.kind) {
    case 'User':
      return { user: s.name };
    case 'Group':
      return { group: s.name };
    case 'ServiceAccount': {
      // A RoleBinding's service account defaults to the binding's namespace.
      const ns = s.namespace || namespace;
      return ns ? { user: `${SA_PREFIX}${ns}:${s.name}` } : {};
    }
    default:
      return {};
  }
}

/** Whether a principal is the user or one of its groups. */
export const names = (p: Principal, userName: string, groups: readonly string[]): boolean =>
  p.user !== undefined ? p.user === userName : p.group !== undefined && groups.includes(p.group);

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function toBinding(namespace: string, name: string, value: unknown): Binding {
  const o = obj(value);
  const ref = obj(o['roleRef']);
  const raw = Array.isArray(o['subjects']) ? (o['subjects'] as unknown[]) : [];
  const subjects = raw.map((s) => {
    const so = obj(s);
    return { kind: str(so['kind']), name: str(so['name']), namespace: str(so['namespace']) };
  });
  return {
    name,
    namespace,
    roleRef: { kind: str(ref['kind']), name: str(ref['name']) },
    subjects,
    principals: subjects.map((s) => principalOf(s, namespace)),
  };
}

const rulesOf = (value: unknown): PolicyRule[] => {
  const rules = obj(value)['rules'];
  return Array.isArray(rules) ? rules.map(toPolicyRule) : [];
};

const byName = (a: Binding, b: Binding): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** name → the bindings naming it, each list sorted by binding name. */
class Postings {
  readonly map = new Map<string, Binding[]>();

  add(key: string, b: Binding): void {
    const list = this.map.get(key);
    if (!list) this.map.set(key, [b]);
    else if (!list.includes(b)) {
      list.push(b);
      list.sort(byName);
    }
  }

  remove(key: string, b: Binding): void {
    const list = this.map.get(key);
    if (!list) return;
    const left = list.filter((x) => x !== b);
    if (left.length) this.map.set(key, left);
    else this.map.delete(key);
  }
}

/** Bindings of one scope (the cluster, or one namespace), by name, user and group. */
class BindingScope {
  readonly byName = new Map<string, Binding>();
  readonly users = new Postings();
  readonly groups = new Postings();

  put(b: Binding): void {
    this.remove(b.name);
    this.byName.set(b.name, b);
    for (const p of b.principals) {
      if (p.user !== undefined) this.users.add(p.user, b);
      else if (p.group !== undefined) this.groups.add(p.group, b);
    }
  }

  remove(name: string): void {
    const old = this.byName.get(name);
    if (!old) return;
    this.byName.delete(name);
    for (const p of old.principals) {
      if (p.user !== undefined) this.users.remove(p.user, old);
      else if (p.group !== undefined) this.groups.remove(p.group, old);
    }
  }

  find(userName: string, groups: readonly string[]): readonly Binding[] {
    if (this.byName.size === 0) return NONE;
    let out = this.users.map.get(userName);
    let lists = out ? 1 : 0;
    for (const g of groups) {
      const more = this.groups.map.get(g);
      if (!more) continue;
      out = lists ? [...(out ?? []), ...more] : more;
      lists++;
    }
    if (!out) return NONE;
    if (lists === 1) return out;
    // Several lists: merged, a binding naming the user and a group once, by name.
    return [...new Set(out)].sort(byName);
  }
}

export function createPolicyIndex(): PolicyIndex {
  // namespace → name → rules: no key is built per request.
  const roles = new Map<string, Map<string, PolicyRule[]>>();
  const clusterRoles = new Map<string, PolicyRule[]>();
  let clusterBindings = new BindingScope();
  const namespaceBindings = new Map<string, BindingScope>();

  const scopeOf = (namespace: string): BindingScope => {
    let s = namespaceBindings.get(namespace);
    if (!s) namespaceBindings.set(namespace, (s = new BindingScope()));
    return s;
  };

  let generation = 0;

  return {
    get generation() {
      return generation;
    },
    set(kind, namespace, name, value) {
      generation++;
      switch (kind) {
        case 'roles': {
          const inNs = roles.get(namespace);
          if (value !== undefined)
            (inNs ?? roles.set(namespace, new Map()).get(namespace))?.set(name, rulesOf(value));
          else if (inNs) {
            inNs.delete(name);
            if (inNs.size === 0) roles.delete(namespace);
          }
          return;
        }
        case 'clusterroles':
          if (value === undefined) clusterRoles.delete(name);
          else clusterRoles.set(name, rulesOf(value));
          return;
        case 'clusterrolebindings':
          if (value === undefined) clusterBindings.remove(name);
          else clusterBindings.put(toBinding('', name, value));
          return;
        case 'rolebindings': {
          const scope = scopeOf(namespace);
          if (value === undefined) {
            scope.remove(name);
            if (scope.byName.size === 0) namespaceBindings.delete(namespace);
          } else scope.put(toBinding(namespace, name, value));
          return;
        }
      }
    },
    clear(kind) {
      generation++;
      if (kind === 'roles') roles.clear();
      else if (kind === 'clusterroles') clusterRoles.clear();
      else if (kind === 'clusterrolebindings') clusterBindings = new BindingScope();
      else namespaceBindings.clear();
    },
    roleRules: (namespace, name) => roles.get(namespace)?.get(name),
    clusterRoleRules: (name) => clusterRoles.get(name),
    bindingsFor(namespace, userName, groups) {
      const scope = namespace ? namespaceBindings.get(namespace) : clusterBindings;
      return scope ? scope.find(userName, groups) : NONE;
    },
  };
}

// The RBAC objects in memory, shaped for the questions the authorizer asks: the rules of a
// role by name, and the bindings that name a subject. Bindings are indexed by subject key
// (`u:<user name>`, `g:<group>`; a service account is the user name its tokens carry,
// `system:serviceaccount:<ns>:<name>`), so a request looks up its user and groups and never
// walks bindings that do not concern it.

import { toPolicyRule, type PolicyRule } from './rules.js';

export type RbacKind = 'roles' | 'clusterroles' | 'rolebindings' | 'clusterrolebindings';

export interface Subject {
  kind: string;
  name: string;
  namespace: string;
}

export interface Binding {
  name: string;
  /** Empty for a ClusterRoleBinding. */
  namespace: string;
  roleRef: { kind: string; name: string };
  subjects: Subject[];
}

export interface PolicyIndex {
  /** Records the object (a JSON value) stored under kind/namespace/name; undefined removes it. */
  set(kind: RbacKind, namespace: string, name: string, obj: unknown): void;
  /** Forgets every object of a kind (before it is listed again). */
  clear(kind: RbacKind): void;
  roleRules(namespace: string, name: string): PolicyRule[] | undefined;
  clusterRoleRules(name: string): PolicyRule[] | undefined;
  /**
   * The bindings (ClusterRoleBindings when namespace is empty) with a subject among the
   * user's name and groups, ordered by name.
   */
  bindingsFor(namespace: string, userName: string, groups: readonly string[]): Binding[];
}

const SA_PREFIX = 'system:serviceaccount:';

/** The index key a subject is found under in a binding of `namespace` ('' = cluster). */
export function subjectKey(s: Subject, namespace: string): string | undefined {
  switch (s.kind) {
    case 'User':
      return `u:${s.name}`;
    case 'Group':
      return `g:${s.name}`;
    case 'ServiceAccount': {
      // A RoleBinding's service account defaults to the binding's namespace.
      const ns = s.namespace || namespace;
      return ns ? `u:${SA_PREFIX}${ns}:${s.name}` : undefined;
    }
    default:
      return undefined;
  }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function toBinding(namespace: string, name: string, value: unknown): Binding {
  const o = obj(value);
  const ref = obj(o['roleRef']);
  const subjects = Array.isArray(o['subjects']) ? (o['subjects'] as unknown[]) : [];
  return {
    name,
    namespace,
    roleRef: { kind: str(ref['kind']), name: str(ref['name']) },
    subjects: subjects.map((s) => {
      const so = obj(s);
      return { kind: str(so['kind']), name: str(so['name']), namespace: str(so['namespace']) };
    }),
  };
}

const rulesOf = (value: unknown): PolicyRule[] => {
  const rules = obj(value)['rules'];
  return Array.isArray(rules) ? rules.map(toPolicyRule) : [];
};

/** Bindings of one scope (the cluster, or one namespace), by name and by subject key. */
class BindingScope {
  readonly byName = new Map<string, Binding>();
  readonly bySubject = new Map<string, Set<Binding>>();

  put(b: Binding): void {
    this.remove(b.name);
    this.byName.set(b.name, b);
    for (const s of b.subjects) {
      const key = subjectKey(s, b.namespace);
      if (!key) continue;
      let set = this.bySubject.get(key);
      if (!set) this.bySubject.set(key, (set = new Set()));
      set.add(b);
    }
  }

  remove(name: string): void {
    const old = this.byName.get(name);
    if (!old) return;
    this.byName.delete(name);
    for (const s of old.subjects) {
      const key = subjectKey(s, old.namespace);
      const set = key ? this.bySubject.get(key) : undefined;
      if (!set || !key) continue;
      set.delete(old);
      if (set.size === 0) this.bySubject.delete(key);
    }
  }

  find(userName: string, groups: readonly string[]): Binding[] {
    const found = new Set<Binding>();
    const add = (key: string): void => {
      for (const b of this.bySubject.get(key) ?? []) found.add(b);
    };
    add(`u:${userName}`);
    for (const g of groups) add(`g:${g}`);
    const out = [...found];
    if (out.length > 1) out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  }
}

export function createPolicyIndex(): PolicyIndex {
  const roles = new Map<string, PolicyRule[]>();
  const clusterRoles = new Map<string, PolicyRule[]>();
  const clusterBindings = new BindingScope();
  const namespaceBindings = new Map<string, BindingScope>();

  const scopeOf = (namespace: string): BindingScope => {
    let s = namespaceBindings.get(namespace);
    if (!s) namespaceBindings.set(namespace, (s = new BindingScope()));
    return s;
  };

  return {
    set(kind, namespace, name, value) {
      switch (kind) {
        case 'roles':
          if (value === undefined) roles.delete(`${namespace}/${name}`);
          else roles.set(`${namespace}/${name}`, rulesOf(value));
          return;
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
      if (kind === 'roles') roles.clear();
      else if (kind === 'clusterroles') clusterRoles.clear();
      else if (kind === 'clusterrolebindings')
        for (const n of [...clusterBindings.byName.keys()]) clusterBindings.remove(n);
      else namespaceBindings.clear();
    },
    roleRules: (namespace, name) => roles.get(`${namespace}/${name}`),
    clusterRoleRules: (name) => clusterRoles.get(name),
    bindingsFor(namespace, userName, groups) {
      const scope = namespace ? namespaceBindings.get(namespace) : clusterBindings;
      return scope ? scope.find(userName, groups) : [];
    },
  };
}

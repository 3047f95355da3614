// Hostile writes of RBAC objects against a real server: malformed roles and bindings (422
// with kube-apiserver's field errors), a changed roleRef, and a user who may write roles and
// bindings trying to grant more than it holds — by create, merge patch, JSON patch, apply and
// dry run (403 with kube's message, or 404 for a binding to a missing role). Then a seeded
// fuzz of rules, checked against the server's own access reviews. Nothing refused is stored.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertStatus, startAbuseServer, type AbuseServer, type RawResponse } from './support.js';
import { prng as rng } from '../support/prng.js';

const NS = 'rbac-abuse';
const G = 'rbac.authorization.k8s.io';
const ROLES = `/apis/${G}/v1/namespaces/${NS}/roles`;
const BINDINGS = `/apis/${G}/v1/namespaces/${NS}/rolebindings`;
const CLUSTER_ROLES = `/apis/${G}/v1/clusterroles`;
const CLUSTER_BINDINGS = `/apis/${G}/v1/clusterrolebindings`;
const LISTS = [ROLES, BINDINGS, CLUSTER_ROLES, CLUSTER_BINDINGS];
const MALLORY = { token: 'mallory-token-0123456789', user: 'mallory', uid: 'u-mallory' };

/** What mallory holds in the namespace: the owner rules of every escalation check below. */
const MALLORY_RULES = [
  { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'configmaps'] },
  { verbs: ['*'], apiGroups: ['apps'], resources: ['deployments', '*/scale'] },
  { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['public'] },
  {
    verbs: ['create', 'get', 'update', 'patch', 'delete'],
    apiGroups: [G],
    resources: ['roles', 'rolebindings'],
  },
];

let server: AbuseServer;
type As = 'admin' | { token: string };
const mallory: As = { token: MALLORY.token };

const send = (
  method: string,
  path: string,
  body: unknown,
  as: As = 'admin',
  type = 'application/json',
): Promise<RawResponse> =>
  server.send({
    method,
    path,
    as,
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const post = (path: string, body: unknown, as: As = 'admin') => send('POST', path, body, as);

const unchanged = (attempt: () => Promise<void>): Promise<void> => server.unchanged(LISTS, attempt);

const role = (name: string, rules: unknown): object => ({
  apiVersion: `${G}/v1`,
  kind: 'Role',
  metadata: { name },
  rules,
});
const rb = (name: string, roleRef: unknown, subjects: unknown = [{ kind: 'User', name: 'x' }]) => ({
  apiVersion: `${G}/v1`,
  kind: 'RoleBinding',
  metadata: { name },
  roleRef,
  subjects,
});

function assertInvalid(res: RawResponse, message: string): void {
  assertStatus(res, 422, 'Invalid');
  assert.equal(res.json.message, message);
}

before(async () => {
  server = startAbuseServer({ tokens: [MALLORY] });
  assert.equal((await post('/api/v1/namespaces', { metadata: { name: NS } })).status, 201);
  assert.equal((await post(ROLES, role('mallory', MALLORY_RULES))).status, 201);
  const binding = rb('mallory', { apiGroup: G, kind: 'Role', name: 'mallory' }, [
    { kind: 'User', name: 'mallory' },
  ]);
  assert.equal((await post(BINDINGS, binding)).status, 201);
});
after(() => server?.stop());

describe('malformed roles and bindings', () => {
  it('refuses rules without verbs, groups or resources, and URLs in a Role', () =>
    unchanged(async () => {
      assertInvalid(
        await post(
          ROLES,
          role('bad', [{}, { verbs: ['get'], nonResourceURLs: ['/x'], apiGroups: [''] }]),
        ),
        'Role.rbac.authorization.k8s.io "bad" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[0].apiGroups: Required value: resource rules must supply at least one api group, rules[0].resources: Required value: resource rules must supply at least one resource, rules[1].nonResourceURLs: Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs, rules[1].nonResourceURLs: Invalid value: []string{"/x"}: rules cannot apply to both regular resources and non-resource URLs]',
      );
      assertInvalid(
        await post(CLUSTER_ROLES, {
          kind: 'ClusterRole',
          apiVersion: `${G}/v1`,
          metadata: { name: 'a/b' },
          aggregationRule: {},
        }),
        `ClusterRole.rbac.authorization.k8s.io "a/b" is invalid: [metadata.name: Invalid value: "a/b": may not contain '/', aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil]`,
      );
    }));

  it('refuses bad role references and subjects', () =>
    unchanged(async () => {
      assertInvalid(
        await post(CLUSTER_BINDINGS, {
          kind: 'ClusterRoleBinding',
          apiVersion: `${G}/v1`,
          metadata: { name: 'crb' },
          roleRef: { apiGroup: 'example.com', kind: 'Role', name: '' },
          subjects: [
            { kind: 'ServiceAccount', name: 'sa' },
            { kind: 'Robot', name: 'r' },
            { kind: 'User', name: 'u', apiGroup: 'v1' },
          ],
        }),
        'ClusterRoleBinding.rbac.authorization.k8s.io "crb" is invalid: [roleRef.apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io", roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole", roleRef.name: Required value, subjects[0].namespace: Required value, subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group", subjects[2].apiGroup: Unsupported value: "v1": supported values: "rbac.authorization.k8s.io"]',
      );
      assertInvalid(
        await post(
          BINDINGS,
          rb('rb', { kind: 'Role', name: 'x' }, [
            { kind: 'ServiceAccount', name: 'No_Way', apiGroup: G },
          ]),
        ),
        `RoleBinding.rbac.authorization.k8s.io "rb" is invalid: [subjects[0].name: Invalid value: "No_Way": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), subjects[0].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: ""]`,
      );
    }));

  it('keeps a roleRef fixed', async () => {
    assert.equal(
      (await post(BINDINGS, rb('fixed', { kind: 'Role', name: 'mallory' }))).status,
      201,
    );
    await unchanged(async () => {
      const res = await send(
        'PATCH',
        `${BINDINGS}/fixed`,
        { roleRef: { kind: 'ClusterRole' } },
        'admin',
        'application/merge-patch+json',
      );
      assertInvalid(
        res,
        'RoleBinding.rbac.authorization.k8s.io "fixed" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"mallory"}: cannot change roleRef',
      );
    });
  });
});

describe('escalation', () => {
  const NOT_HELD =
    'user "mallory" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n';

  it('refuses a role beyond what the requester holds, by every way of writing it', async () => {
    const secrets = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'] }];
    const message = `roles.rbac.authorization.k8s.io "grab" is forbidden: ${NOT_HELD}{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}`;
    await unchanged(async () => {
      for (const path of [ROLES, `${ROLES}?dryRun=All`]) {
        const res = await post(path, role('grab', secrets), mallory);
        assertStatus(res, 403, 'Forbidden');
        assert.equal(res.json.message, message);
        assert.deepEqual(res.json.details, { name: 'grab', group: G, kind: 'roles' });
      }
      const applied = await send(
        'PATCH',
        `${ROLES}/grab?fieldManager=m`,
        role('grab', secrets),
        mallory,
        'application/apply-patch+yaml',
      );
      assertStatus(applied, 403, 'Forbidden');
      assert.equal(applied.json.message, message);
    });
    // A role within mallory's rights is fine; widening it by a patch is not.
    assert.equal((await post(ROLES, role('grab', [MALLORY_RULES[0]]), mallory)).status, 201);
    await unchanged(async () => {
      const merge = await send(
        'PATCH',
        `${ROLES}/grab`,
        { rules: secrets },
        mallory,
        'application/merge-patch+json',
      );
      assertStatus(merge, 403, 'Forbidden');
      assert.equal(merge.json.message, message);
      const json = await send(
        'PATCH',
        `${ROLES}/grab`,
        [
          {
            op: 'add',
            path: '/rules/-',
            value: { verbs: ['escalate'], apiGroups: [G], resources: ['roles'] },
          },
        ],
        mallory,
        'application/json-patch+json',
      );
      assertStatus(json, 403, 'Forbidden');
      assert.match(
        json.json.message,
        /\{APIGroups:\["rbac\.authorization\.k8s\.io"\], Resources:\["roles"\], Verbs:\["escalate"\]\}$/,
      );
    });
    // Only finalizers changing: allowed even though the rules are beyond… mallory's own.
    const wide = await post(
      ROLES,
      role('wide', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]),
    );
    assert.equal(wide.status, 201);
    const gc = await send(
      'PATCH',
      `${ROLES}/wide`,
      { metadata: { finalizers: ['example.com/x'] } },
      mallory,
      'application/merge-patch+json',
    );
    assert.equal(gc.status, 200, gc.text);
    const label = await send(
      'PATCH',
      `${ROLES}/wide`,
      { metadata: { labels: { a: 'b' } } },
      mallory,
      'application/merge-patch+json',
    );
    assertStatus(label, 403, 'Forbidden');
  });

  it('refuses a binding to a role not held, and a binding to a missing role is NotFound', () =>
    unchanged(async () => {
      const res = await post(
        BINDINGS,
        rb('take', { apiGroup: G, kind: 'Role', name: 'wide' }),
        mallory,
      );
      assertStatus(res, 403, 'Forbidden');
      assert.equal(
        res.json.message,
        `rolebindings.rbac.authorization.k8s.io "take" is forbidden: ${NOT_HELD}{APIGroups:["*"], Resources:["*"], Verbs:["*"]}`,
      );
      const missing = await post(
        BINDINGS,
        rb('dangling', { apiGroup: G, kind: 'ClusterRole', name: 'nope' }),
        mallory,
      );
      assertStatus(missing, 404, 'NotFound');
      assert.equal(missing.json.message, 'clusterroles.rbac.authorization.k8s.io "nope" not found');
      assert.deepEqual(missing.json.details, { name: 'nope', group: G, kind: 'clusterroles' });
    }));
});

// ---- fuzz ----

interface Rule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

const VERBS = ['get', 'list', 'watch', 'create', 'delete', '*', 'escalate'];
const GROUPS = ['', 'apps', '*', G];
const RESOURCES = [
  'pods',
  'configmaps',
  'secrets',
  'deployments',
  '*',
  '*/scale',
  'deployments/scale',
  'pods/log',
  'roles',
];

function randomRule(next: () => number): Rule {
  const pick = (xs: string[], max: number): string[] => {
    const n = Math.floor(next() * (max + 1));
    return [...new Set(Array.from({ length: n }, () => xs[Math.floor(next() * xs.length)] ?? ''))];
  };
  const rule: Rule = {
    verbs: pick(VERBS, 3),
    apiGroups: pick(GROUPS, 2),
    resources: pick(RESOURCES, 2),
  };
  const r = next();
  if (r < 0.2) rule.resourceNames = ['public'];
  else if (r < 0.3) rule.resourceNames = ['other'];
  else if (r < 0.35) rule.nonResourceURLs = ['/healthz'];
  return rule;
}

/** A part of one of mallory's own rules (so that some random roles are within its rights). */
function heldRule(next: () => number): Rule {
  const base = MALLORY_RULES[Math.floor(next() * MALLORY_RULES.length)] ?? MALLORY_RULES[0]!;
  const some = (xs: string[]): string[] => {
    const kept = xs.filter(() => next() < 0.6);
    return kept.length ? kept : xs.slice(0, 1);
  };
  return {
    verbs:
      base.verbs[0] === '*'
        ? [VERBS[Math.floor(next() * VERBS.length)] ?? 'get']
        : some(base.verbs),
    apiGroups: [...base.apiGroups],
    resources: some(base.resources),
    ...(base.resourceNames ? { resourceNames: [...base.resourceNames] } : {}),
  };
}

/** pkg/apis/rbac/validation for a namespaced rule, written out independently. */
const validRule = (r: Rule): boolean =>
  !!r.verbs?.length && !r.nonResourceURLs?.length && !!r.apiGroups?.length && !!r.resources?.length;

/** A SelfSubjectAccessReview as mallory: may it do this? */
async function mayMallory(
  verb: string,
  group: string,
  resource: string,
  name?: string,
): Promise<boolean> {
  const [res, sub] = resource.split('/');
  const review = await post(
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      spec: {
        resourceAttributes: {
          namespace: NS,
          verb,
          group,
          resource: res,
          ...(sub ? { subresource: sub } : {}),
          ...(name ? { name } : {}),
        },
      },
    },
    mallory,
  );
  assert.equal(review.status, 201, review.text);
  return review.json.status.allowed === true;
}

/** `{APIGroups:["apps"], Resources:["*"], ResourceNames:["x"], Verbs:["get" "list"]}` → its parts. */
function parseMissing(line: string): {
  group: string;
  resource: string;
  name?: string;
  verb: string;
} {
  const list = (label: string): string[] => {
    const m = new RegExp(`${label}:\\[([^\\]]*)\\]`).exec(line);
    return m?.[1] ? (JSON.parse(`[${m[1].replace(/" "/g, '","')}]`) as string[]) : [];
  };
  const names = list('ResourceNames');
  return {
    group: list('APIGroups')[0] ?? '',
    resource: list('Resources')[0] ?? '',
    ...(names[0] ? { name: names[0] } : {}),
    verb: list('Verbs')[0] ?? '',
  };
}

describe('rule fuzz (seeded)', () => {
  it('answers every random role as validation and the access reviews say it should', async () => {
    const seed = Number(process.env.SKIFF_FUZZ_SEED ?? 14);
    const next = rng(seed);
    let stored = 0;
    const seen = { created: 0, forbidden: 0, invalid: 0 };
    const before = Object.keys(await server.snapshot([ROLES])).length;
    for (let i = 0; i < 150; i++) {
      const rules = Array.from({ length: 1 + Math.floor(next() * 3) }, () =>
        next() < 0.5 ? heldRule(next) : randomRule(next),
      );
      const valid = rules.every(validRule);
      const name = `fz-${i}`;
      const what = `seed ${seed} #${i} ${JSON.stringify(rules)}`;
      if (i % 3 === 0) {
        // The admin is never refused for escalation: valid → 201, invalid → 422.
        const res = await post(ROLES, role(name, rules));
        assert.equal(res.status, valid ? 201 : 422, `${what}: ${res.text.slice(0, 300)}`);
        if (valid) stored++;
        else
          assert.match(
            res.json.message,
            new RegExp(`^Role\\.rbac\\.authorization\\.k8s\\.io "${name}" is invalid: `),
          );
        continue;
      }
      const res = await post(ROLES, role(name, rules), mallory);
      if (res.status === 201) {
        assert.ok(valid, `${what}: stored although invalid`);
        stored++;
        seen.created++;
        // Every right of a stored role is one mallory holds.
        const rule = rules[Math.floor(next() * rules.length)] ?? {};
        const verb = rule.verbs?.[0];
        const group = rule.apiGroups?.[0];
        const resource = rule.resources?.[0];
        if (verb !== undefined && group !== undefined && resource !== undefined)
          assert.ok(
            await mayMallory(verb, group, resource, rule.resourceNames?.[0]),
            `${what}: granted ${verb} ${group} ${resource}`,
          );
      } else if (res.status === 403) {
        assertStatus(res, 403, 'Forbidden');
        seen.forbidden++;
        const lines = (res.json.message as string).split('\n').slice(1);
        assert.ok(lines.length > 0, `${what}: ${res.json.message}`);
        // The first right listed as missing is one mallory indeed lacks.
        const m = parseMissing(lines[0] ?? '');
        assert.equal(
          await mayMallory(m.verb, m.group, m.resource, m.name),
          false,
          `${what}: ${lines[0]}`,
        );
      } else {
        assert.equal(res.status, 422, `${what}: ${res.text.slice(0, 300)}`);
        assert.ok(!valid, `${what}: refused although valid`);
        seen.invalid++;
      }
    }
    // The seed reaches every outcome for mallory.
    assert.ok(seen.created > 5 && seen.forbidden > 5 && seen.invalid > 5, JSON.stringify(seen));
    // Nothing refused was stored.
    assert.equal(Object.keys(await server.snapshot([ROLES])).length, before + stored);
  });
});

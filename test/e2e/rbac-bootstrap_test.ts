// kube-apiserver's bootstrap RBAC policy as kubectl 1.27, 1.30 and 1.33 see it: what
// `kubectl auth can-i --list` prints for a service account and a plain user (the tables
// below are kube-apiserver 1.33's answer, written from its bootstrap roles: basic-user,
// discovery and public-info-viewer for everyone authenticated, service-account-issuer-
// discovery for service accounts; kubectl breaks the rules into atoms, so a URL granted by
// two roles shows twice); a new ClusterRole aggregated into view (and so edit and admin);
// the policy restored after a deletion, and an `autoupdate: "false"` role left alone.

import { AUTHENTICATED_ROWS, CAN_I_HEADER } from './can-i-lists.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  VERSIONS,
  hasKubectl,
  ok,
  startCluster,
  until,
  type RunResult,
  type TestCluster,
} from './harness.js';

const installed = VERSIONS.filter((v) => hasKubectl(v));
const LATEST = installed.at(-1) ?? 33;

const SELF_REVIEWS = `selfsubjectreviews.authentication.k8s.io        []                                     []               [create]
selfsubjectaccessreviews.authorization.k8s.io   []                                     []               [create]
selfsubjectrulesreviews.authorization.k8s.io    []                                     []               [create]
`;

/** `kubectl auth can-i --list` for a service account with no bindings of its own. */
const SERVICE_ACCOUNT_LIST = `Resources                                       Non-Resource URLs                      Resource Names   Verbs
${SELF_REVIEWS}                                                [/.well-known/openid-configuration/]   []               [get]
                                                [/.well-known/openid-configuration]    []               [get]
                                                [/api/*]                               []               [get]
                                                [/api]                                 []               [get]
                                                [/apis/*]                              []               [get]
                                                [/apis]                                []               [get]
                                                [/healthz]                             []               [get]
                                                [/healthz]                             []               [get]
                                                [/livez]                               []               [get]
                                                [/livez]                               []               [get]
                                                [/openapi/*]                           []               [get]
                                                [/openapi]                             []               [get]
                                                [/openid/v1/jwks/]                     []               [get]
                                                [/openid/v1/jwks]                      []               [get]
                                                [/readyz]                              []               [get]
                                                [/readyz]                              []               [get]
                                                [/version/]                            []               [get]
                                                [/version/]                            []               [get]
                                                [/version]                             []               [get]
                                                [/version]                             []               [get]
`;

/** The same for an authenticated user who is not a service account. */
const USER_LIST = CAN_I_HEADER + AUTHENTICATED_ROWS;

const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';

interface Rule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
}

describe('bootstrap RBAC policy', () => {
  let c: TestCluster;
  const k = (args: string[], v = LATEST): Promise<RunResult> =>
    c.kubectl(v, args, { timeoutMs: 30_000 });
  const json = async (args: string[]): Promise<Record<string, any>> =>
    JSON.parse(ok(await k([...args, '-o', 'json']))) as Record<string, any>;
  const rulesOf = async (role: string): Promise<Rule[]> =>
    ((await json(['get', 'clusterrole', role])).rules ?? []) as Rule[];
  const grants = (rules: Rule[], verb: string, group: string, resource: string): boolean =>
    rules.some(
      (r) =>
        r.verbs.includes(verb) &&
        (r.apiGroups ?? []).includes(group) &&
        (r.resources ?? []).includes(resource),
    );

  before(() => {
    c = startCluster();
  });
  after(() => c?.stop());

  for (const v of VERSIONS) {
    test(
      `kubectl 1.${v} auth can-i --list as a service account and as a user`,
      { skip: !hasKubectl(v) && `kubectl 1.${v} is not installed` },
      async () => {
        const ns = `rbac-list-${v}`;
        ok(await k(['create', 'namespace', ns], v));
        await until('default service account', async () =>
          (await k(['get', 'serviceaccount', 'default', '-n', ns], v)).code === 0
            ? true
            : undefined,
        );
        const token = ok(await k(['create', 'token', 'default', '-n', ns], v)).trim();
        const sa = await c.kubectlBare(
          v,
          [
            '--server',
            c.server,
            '--certificate-authority',
            c.caPath,
            '--token',
            token,
            'auth',
            'can-i',
            '--list',
            '-n',
            ns,
          ],
          { env: { KUBECONFIG: '/dev/null' }, timeoutMs: 30_000 },
        );
        assert.equal(ok(sa), SERVICE_ACCOUNT_LIST);
        assert.equal(sa.stderr, '');
        const user = await k(['auth', 'can-i', '--list', '-n', ns, `--as=alice-${v}`], v);
        assert.equal(ok(user), USER_LIST);
        assert.equal(user.stderr, '');
        // The service account may not read pods until someone grants it.
        const pods = await k(
          ['auth', 'can-i', 'list', 'pods', '-n', ns, `--as=system:serviceaccount:${ns}:default`],
          v,
        );
        assert.equal(pods.stdout, 'no\n');
      },
    );
  }

  test('the controllers run as service accounts of kube-system, each bound to its role', async () => {
    // As kube-controller-manager with --use-service-account-credentials: it creates the
    // account of each controller it starts.
    const accounts = (await json(['get', 'serviceaccounts', '-n', 'kube-system'])).items.map(
      (sa: { metadata: { name: string } }) => sa.metadata.name,
    ) as string[];
    for (const name of [
      'certificate-controller',
      'clusterrole-aggregation-controller',
      'cronjob-controller',
      'daemon-set-controller',
      'deployment-controller',
      'endpoint-controller',
      'endpointslice-controller',
      'generic-garbage-collector',
      'horizontal-pod-autoscaler',
      'job-controller',
      'namespace-controller',
      'node-controller',
      'persistent-volume-binder',
      'pv-protection-controller',
      'pvc-protection-controller',
      'replicaset-controller',
      'replication-controller',
      'resourcequota-controller',
      'service-account-controller',
      'statefulset-controller',
      'ttl-after-finished-controller',
    ])
      assert.ok(accounts.includes(name), `${name} in ${accounts.join(' ')}`);
    // Every controller account is the subject of its system:controller:NAME binding (not
    // DNS's nor the dashboard's local admin, which `skiff dashboard` signs in as).
    const others = ['default', 'coredns', 'skiff-dashboard-admin'];
    for (const name of accounts.filter((a) => !others.includes(a))) {
      const binding = await json(['get', 'clusterrolebinding', `system:controller:${name}`]);
      assert.deepEqual(binding.subjects, [
        { kind: 'ServiceAccount', name, namespace: 'kube-system' },
      ]);
    }
  });

  test('a ClusterRole labelled aggregate-to-view lands in view, edit and admin', async () => {
    const ns = 'rbac-aggregate';
    ok(await k(['create', 'namespace', ns]));
    ok(
      await k(['create', 'rolebinding', 'bob-views', '--clusterrole=view', '--user=bob', '-n', ns]),
    );
    for (const v of installed) {
      const r = await k(
        ['auth', 'can-i', 'list', 'leases.coordination.k8s.io', '-n', ns, '--as=bob'],
        v,
      );
      assert.equal(r.stdout, 'no\n', `kubectl 1.${v} before aggregation`);
    }
    assert.ok(grants(await rulesOf('view'), 'list', '', 'pods'), 'view is filled at start');
    assert.ok(!grants(await rulesOf('view'), 'list', 'coordination.k8s.io', 'leases'));
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: {
        name: 'lease-reader',
        labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' },
      },
      rules: [
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    };
    ok(await k(['apply', '-f', c.file('lease-reader.json', JSON.stringify(role))]));
    for (const name of ['view', 'edit', 'admin'])
      await until(`${name} aggregates lease-reader`, async () =>
        grants(await rulesOf(name), 'list', 'coordination.k8s.io', 'leases') ? true : undefined,
      );
    for (const v of installed) {
      const r = await k(
        ['auth', 'can-i', 'list', 'leases.coordination.k8s.io', '-n', ns, '--as=bob'],
        v,
      );
      assert.equal(r.stdout, 'yes\n', `kubectl 1.${v} after aggregation`);
    }
    // Removing the label takes the rule out again.
    ok(
      await k([
        'label',
        'clusterrole',
        'lease-reader',
        'rbac.authorization.k8s.io/aggregate-to-view-',
      ]),
    );
    await until('view without lease-reader', async () =>
      grants(await rulesOf('view'), 'list', 'coordination.k8s.io', 'leases') ? undefined : true,
    );
  });

  test('the policy comes back when deleted; autoupdate=false is left alone', async () => {
    // A protected role, stripped of its rules, must stay as it is.
    ok(
      await k(['annotate', 'clusterrole', 'system:heapster', `${AUTOUPDATE}=false`, '--overwrite']),
    );
    ok(
      await k([
        'patch',
        'clusterrole',
        'system:heapster',
        '--type=json',
        '-p',
        '[{"op":"replace","path":"/rules","value":[]}]',
      ]),
    );
    // Deleted ones come back within the reconcile period (10 s).
    ok(await k(['delete', 'clusterrole', 'system:basic-user']));
    ok(await k(['delete', 'clusterrolebinding', 'system:discovery']));
    ok(
      await k(['delete', 'role', 'extension-apiserver-authentication-reader', '-n', 'kube-system']),
    );
    const started = Date.now();
    await until(
      'deleted bootstrap objects restored',
      async () =>
        (await k(['get', 'clusterrole', 'system:basic-user'])).code === 0 &&
        (await k(['get', 'clusterrolebinding', 'system:discovery'])).code === 0 &&
        (await k(['get', 'role', 'extension-apiserver-authentication-reader', '-n', 'kube-system']))
          .code === 0
          ? true
          : undefined,
      30_000,
    );
    assert.ok(Date.now() - started < 25_000, 'restored within a period or two');
    const basic = await json(['get', 'clusterrole', 'system:basic-user']);
    assert.equal(basic.metadata.annotations[AUTOUPDATE], 'true');
    assert.equal(basic.metadata.labels['kubernetes.io/bootstrapping'], 'rbac-defaults');
    // A reconcile pass has run since the protected role was changed: it was left alone.
    const heapster = await json(['get', 'clusterrole', 'system:heapster']);
    assert.deepEqual(heapster.rules ?? [], []);
    assert.equal(heapster.metadata.annotations[AUTOUPDATE], 'false');
    // An unprotected role missing a rule gets it back.
    ok(
      await k([
        'patch',
        'clusterrole',
        'system:kube-dns',
        '--type=json',
        '-p',
        '[{"op":"replace","path":"/rules","value":[]}]',
      ]),
    );
    await until(
      'system:kube-dns rules restored',
      async () =>
        grants(await rulesOf('system:kube-dns'), 'watch', '', 'services') ? true : undefined,
      30_000,
    );
  });
});

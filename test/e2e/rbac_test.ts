// RBAC end to end with the real kubectl 1.27, 1.30 and 1.33: the four kinds created,
// listed and described; `auth can-i` (and `--list`) as a user, a service account and a
// bearer-token user; a namespace admin kept to its namespace; a service account's token
// refused then allowed by a RoleBinding; escalation refused unless `escalate` or `bind`;
// `auth reconcile`. Then, on a node, a pod's service account reading pods through
// https://kubernetes.default.svc only after a RoleBinding.

import { AUTHENTICATED_ROWS, CAN_I_HEADER } from './can-i-lists.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  AGE,
  VERSIONS,
  curl,
  fails,
  hasKubectl,
  nodeSkipReason,
  ok,
  parseTable,
  startCluster,
  startNodeCluster,
  type TestCluster,
  until,
} from './harness.js';

const versions = VERSIONS.filter(hasKubectl);
const LATEST = versions[versions.length - 1] ?? 33;
const T = { timeoutMs: 30_000 };
const DAVE = { token: 'dave-secret-token', user: 'dave', uid: 'u-dave', groups: ['qa'] };

/** kube-apiserver's header of `kubectl auth can-i --list`. */
const LIST_HEADER = /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/;

/** The rows of `can-i --list` as [resource, urls, names, verbs], without the header. */
const listRows = (out: string): string[][] =>
  out
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => {
      const cells = l.trim().split(/\s{2,}/);
      // A non-resource row starts with its (empty) Resources cell.
      return l.startsWith(' ') ? ['', ...cells] : cells;
    });

describe('RBAC through kubectl', { skip: versions.length ? false : 'no kubectl installed' }, () => {
  let c: TestCluster;
  const k = (v: number, args: string[], input?: string) =>
    c.kubectl(v, args, { ...T, ...(input ? { input } : {}) });
  before(async () => {
    c = startCluster({ tokens: [DAVE] });
    for (const ns of ['team-a', 'team-b', 'bots']) ok(await k(LATEST, ['create', 'namespace', ns]));
  });
  after(() => c?.stop());

  for (const v of versions)
    test(`kubectl 1.${v}: create, get -o wide and describe the four kinds`, async () => {
      ok(
        await k(v, [
          'create',
          'role',
          `reader-${v}`,
          '-n',
          'team-a',
          '--verb=get,list',
          '--resource=pods,deployments.apps',
        ]),
      );
      ok(
        await k(v, [
          'create',
          'clusterrole',
          `logs-${v}`,
          '--verb=get',
          '--non-resource-url=/logs/*',
        ]),
      );
      ok(
        await k(v, [
          'create',
          'rolebinding',
          `rb-${v}`,
          '-n',
          'team-a',
          `--role=reader-${v}`,
          '--user=alice',
          '--group=devs',
          '--serviceaccount=bots:builder',
        ]),
      );
      ok(
        await k(v, [
          'create',
          'clusterrolebinding',
          `crb-${v}`,
          `--clusterrole=logs-${v}`,
          '--user=alice',
          '--user=bob',
        ]),
      );

      const crb = parseTable(
        ok(await k(v, ['get', 'clusterrolebinding', `crb-${v}`, '-o', 'wide'])),
      );
      assert.deepEqual(Object.keys(crb[0] ?? {}), [
        'NAME',
        'ROLE',
        'AGE',
        'USERS',
        'GROUPS',
        'SERVICEACCOUNTS',
      ]);
      assert.equal(crb[0]?.ROLE, `ClusterRole/logs-${v}`);
      assert.equal(crb[0]?.USERS, 'alice, bob');
      assert.match(crb[0]?.AGE ?? '', new RegExp(`^${AGE}$`));
      const rb = parseTable(
        ok(await k(v, ['get', 'rolebinding', `rb-${v}`, '-n', 'team-a', '-o', 'wide'])),
      )[0];
      assert.deepEqual(
        [rb?.ROLE, rb?.USERS, rb?.GROUPS, rb?.SERVICEACCOUNTS],
        [`Role/reader-${v}`, 'alice', 'devs', 'bots/builder'],
      );
      const roles = parseTable(ok(await k(v, ['get', 'roles', '-n', 'team-a'])));
      assert.deepEqual(Object.keys(roles[0] ?? {}), ['NAME', 'CREATED AT']);

      const role = ok(await k(v, ['describe', 'role', `reader-${v}`, '-n', 'team-a']));
      assert.match(
        role,
        /PolicyRule:\n\s+Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs\n/,
      );
      assert.match(role, /\n\s+pods\s+\[\]\s+\[\]\s+\[get list\]\n/);
      assert.match(role, /\n\s+deployments\.apps\s+\[\]\s+\[\]\s+\[get list\]/);
      const binding = ok(await k(v, ['describe', 'rolebinding', `rb-${v}`, '-n', 'team-a']));
      assert.match(binding, new RegExp(`Role:\\n\\s+Kind:\\s+Role\\n\\s+Name:\\s+reader-${v}\\n`));
      assert.match(binding, /\n\s+ServiceAccount\s+builder\s+bots\n/);
      const cr = ok(await k(v, ['describe', 'clusterrole', `logs-${v}`]));
      assert.match(cr, /\n\s+\[\/logs\/\*\]\s+\[\]\s+\[get\]/);
    });

  test('auth can-i as a user, a group, a service account and a bearer-token user', async () => {
    const daveConfig = c.file(
      'dave.kubeconfig',
      `apiVersion: v1
kind: Config
clusters:
- name: skiff
  cluster: {server: "${c.server}", certificate-authority: "${c.caPath}"}
users:
- name: dave
  user: {token: ${DAVE.token}}
contexts:
- name: dave
  context: {cluster: skiff, user: dave}
current-context: dave
`,
    );
    ok(
      await k(LATEST, [
        'create',
        'role',
        'cm-reader',
        '-n',
        'team-a',
        '--verb=get,list',
        '--resource=configmaps',
      ]),
    );
    ok(
      await k(LATEST, [
        'create',
        'rolebinding',
        'cm-readers',
        '-n',
        'team-a',
        '--role=cm-reader',
        '--user=alice',
        '--group=qa',
        '--serviceaccount=bots:builder',
      ]),
    );
    for (const v of versions) {
      const canI = async (args: string[]) => (await k(v, ['auth', 'can-i', ...args])).stdout.trim();
      assert.equal(await canI(['list', 'configmaps', '-n', 'team-a', '--as', 'alice']), 'yes');
      assert.equal(await canI(['list', 'configmaps', '-n', 'team-b', '--as', 'alice']), 'no');
      assert.equal(await canI(['delete', 'configmaps', '-n', 'team-a', '--as', 'alice']), 'no');
      assert.equal(
        await canI(['get', 'configmaps', '-n', 'team-a', '--as', 'eve', '--as-group', 'qa']),
        'yes',
      );
      assert.equal(
        await canI([
          'get',
          'configmaps',
          '-n',
          'team-a',
          '--as',
          'system:serviceaccount:bots:builder',
        ]),
        'yes',
      );
      assert.equal(
        await canI([
          'get',
          'configmaps',
          '-n',
          'team-a',
          '--as',
          'system:serviceaccount:bots:other',
        ]),
        'no',
      );
      // dave authenticates with a bearer token and is in the group qa.
      const asDave = (ns: string) =>
        c.kubectlBare(
          v,
          ['--kubeconfig', daveConfig, 'auth', 'can-i', 'get', 'configmaps', '-n', ns],
          T,
        );
      const dave = await asDave('team-a');
      assert.equal(dave.stdout.trim(), 'yes', dave.stderr);
      assert.equal((await asDave('team-b')).stdout.trim(), 'no');
      // The admin is in system:masters.
      assert.equal(await canI(['delete', 'nodes']), 'yes');
    }
    // SubjectAccessReview and LocalSubjectAccessReview say which binding allowed.
    const review = async (kind: string, ns: string | undefined, user: string) => {
      const doc = {
        apiVersion: 'authorization.k8s.io/v1',
        kind,
        ...(ns ? { metadata: { namespace: ns } } : {}),
        spec: {
          user,
          resourceAttributes: { namespace: 'team-a', verb: 'list', resource: 'configmaps' },
        },
      };
      const out = ok(
        await k(
          LATEST,
          ['create', '--validate=false', '-f', '-', '-o', 'jsonpath={.status}'],
          JSON.stringify(doc),
        ),
      );
      return JSON.parse(out) as { allowed: boolean; reason?: string };
    };
    assert.deepEqual(await review('SubjectAccessReview', undefined, 'alice'), {
      allowed: true,
      reason:
        'RBAC: allowed by RoleBinding "cm-readers/team-a" of Role "cm-reader" to User "alice"',
    });
    assert.deepEqual(await review('LocalSubjectAccessReview', 'team-a', 'mallory'), {
      allowed: false,
    });
  });

  test('auth can-i --list shows the rules a role grants, as kube prints them', async () => {
    for (const v of versions) {
      const out = ok(await k(v, ['auth', 'can-i', '--list', '-n', 'team-a', '--as', 'alice']));
      assert.match(out.split('\n')[0] ?? '', LIST_HEADER);
      const rows = listRows(out);
      const granted = rows.filter((r) =>
        ['configmaps', 'pods', 'deployments.apps'].includes(r[0] ?? ''),
      );
      assert.deepEqual(
        granted.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? '')),
        [
          ['configmaps', '[]', '[]', '[get list]'],
          ['deployments.apps', '[]', '[]', '[get list]'],
          ['pods', '[]', '[]', '[get list]'],
        ],
      );
      assert.ok(
        rows.some((r) => r[1] === '[/logs/*]' && r[3] === '[get]'),
        out,
      );
      // In another namespace only the cluster-wide grants remain.
      const b = listRows(
        ok(await k(v, ['auth', 'can-i', '--list', '-n', 'team-b', '--as', 'alice'])),
      );
      assert.equal(
        b.some((r) => r[0] === 'configmaps' || r[0] === 'pods'),
        false,
      );
    }
  });

  test('auth can-i --list as an admin prints what kube-apiserver 1.33 prints', async () => {
    // system:masters is allowed by a superuser check that lists no rules; the rows come from
    // RBAC alone: cluster-admin (bound to system:masters) and the roles of system:authenticated.
    const want = `${CAN_I_HEADER}*.*                                             []                  []               [*]
                                                [*]                 []               [*]
${AUTHENTICATED_ROWS}`;
    const r = await k(33, ['auth', 'can-i', '--list']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, want);
    for (const v of versions) {
      const rows = listRows(ok(await k(v, ['auth', 'can-i', '--list', '-n', 'team-a'])));
      assert.equal(rows.filter((row) => row[3] === '[*]').length, 2, `kubectl 1.${v}`);
    }
  });

  test('a namespace admin may do anything in its namespace and nothing in another', async () => {
    ok(
      await k(LATEST, ['create', 'role', 'ns-admin', '-n', 'team-a', '--verb=*', '--resource=*.*']),
    );
    ok(
      await k(LATEST, [
        'create',
        'rolebinding',
        'carol-admin',
        '-n',
        'team-a',
        '--role=ns-admin',
        '--user=carol',
      ]),
    );
    for (const v of versions) {
      ok(await k(v, ['create', 'configmap', `c${v}`, '-n', 'team-a', '--as', 'carol']));
      ok(await k(v, ['get', 'configmaps', '-n', 'team-a', '--as', 'carol']));
      const err = fails(
        await k(v, ['create', 'configmap', `c${v}`, '-n', 'team-b', '--as', 'carol']),
      );
      assert.match(
        err,
        /configmaps is forbidden: User "carol" cannot create resource "configmaps" in API group "" in the namespace "team-b"/,
      );
      const err2 = fails(await k(v, ['get', 'namespaces', '--as', 'carol']));
      assert.match(
        err2,
        /User "carol" cannot list resource "namespaces" in API group "" at the cluster scope/,
      );
    }
    assert.equal(
      (await k(LATEST, ['get', 'configmaps', '-n', 'team-b', '-o', 'name'])).stdout.trim(),
      'configmap/kube-root-ca.crt',
    );
  });

  test("a service account's token is refused, then allowed by a RoleBinding", async () => {
    ok(await k(LATEST, ['create', 'serviceaccount', 'lister', '-n', 'bots']));
    const token = ok(await k(LATEST, ['create', 'token', 'lister', '-n', 'bots'])).trim();
    const url = `${c.server}/api/v1/namespaces/bots/pods`;
    const get = () =>
      curl(['--max-time', '10', '--cacert', c.caPath, '-H', `Authorization: Bearer ${token}`, url]);
    const before = await get();
    assert.equal(before.status, 403);
    assert.deepEqual(JSON.parse(before.body), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'pods is forbidden: User "system:serviceaccount:bots:lister" cannot list resource "pods" in API group "" in the namespace "bots"',
      reason: 'Forbidden',
      details: { kind: 'pods' },
      code: 403,
    });
    ok(
      await k(LATEST, [
        'create',
        'role',
        'pod-lister',
        '-n',
        'bots',
        '--verb=list',
        '--resource=pods',
      ]),
    );
    ok(
      await k(LATEST, [
        'create',
        'rolebinding',
        'lister',
        '-n',
        'bots',
        '--role=pod-lister',
        '--serviceaccount=bots:lister',
      ]),
    );
    const afterBinding = await get();
    assert.equal(afterBinding.status, 200, afterBinding.body);
    assert.equal((JSON.parse(afterBinding.body) as { kind: string }).kind, 'PodList');
    // A binding to a role that goes away: refused again, and the reason says why.
    ok(await k(LATEST, ['delete', 'role', 'pod-lister', '-n', 'bots']));
    const gone = await get();
    assert.equal(gone.status, 403);
    assert.match(
      (JSON.parse(gone.body) as { message: string }).message,
      /in the namespace "bots": RBAC: role\.rbac\.authorization\.k8s\.io "pod-lister" not found$/,
    );
  });

  test('escalation is refused unless the requester may escalate or bind', async () => {
    // frank may manage roles and bindings in team-b, but holds nothing else.
    ok(
      await k(LATEST, [
        'create',
        'role',
        'rbac-editor',
        '-n',
        'team-b',
        '--verb=create,get,list,update,patch,delete',
        '--resource=roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io',
      ]),
    );
    ok(
      await k(LATEST, [
        'create',
        'rolebinding',
        'frank-rbac',
        '-n',
        'team-b',
        '--role=rbac-editor',
        '--user=frank',
      ]),
    );
    ok(
      await k(LATEST, [
        'create',
        'clusterrole',
        'secret-reader',
        '--verb=get',
        '--resource=secrets',
      ]),
    );
    for (const v of versions) {
      const err = fails(
        await k(v, [
          'create',
          'role',
          `steal-${v}`,
          '-n',
          'team-b',
          '--verb=get,list',
          '--resource=secrets',
          '--as',
          'frank',
        ]),
      );
      assert.match(
        err,
        new RegExp(
          `roles\\.rbac\\.authorization\\.k8s\\.io "steal-${v}" is forbidden: user "frank" \\(groups=\\["system:authenticated"\\]\\) is attempting to grant RBAC permissions not currently held:\\n\\{APIGroups:\\[""\\], Resources:\\["secrets"\\], Verbs:\\["get" "list"\\]\\}`,
        ),
      );
      const bindErr = fails(
        await k(v, [
          'create',
          'rolebinding',
          `take-${v}`,
          '-n',
          'team-b',
          '--clusterrole=secret-reader',
          '--user=frank',
          '--as',
          'frank',
        ]),
      );
      assert.match(
        bindErr,
        /rolebindings\.rbac\.authorization\.k8s\.io ".*" is forbidden: user "frank" .* not currently held:\n\{APIGroups:\[""\], Resources:\["secrets"\], Verbs:\["get"\]\}/,
      );
      const missing = fails(
        await k(v, [
          'create',
          'rolebinding',
          `dangling-${v}`,
          '-n',
          'team-b',
          '--clusterrole=no-such-role',
          '--user=frank',
          '--as',
          'frank',
        ]),
      );
      assert.match(missing, /clusterroles\.rbac\.authorization\.k8s\.io "no-such-role" not found/);
    }
    // Nothing was half created.
    const names = ok(await k(LATEST, ['get', 'roles,rolebindings', '-n', 'team-b', '-o', 'name']));
    assert.doesNotMatch(names, /steal|take|dangling/);
    // A superuser may bind a role that does not exist yet.
    ok(
      await k(LATEST, [
        'create',
        'rolebinding',
        'future',
        '-n',
        'team-b',
        '--clusterrole=no-such-role',
        '--user=frank',
      ]),
    );

    // `bind` on that very ClusterRole lets frank bind it without holding it…
    ok(
      await k(LATEST, [
        'create',
        'role',
        'binder',
        '-n',
        'team-b',
        '--verb=bind',
        '--resource=clusterroles.rbac.authorization.k8s.io',
        '--resource-name=secret-reader',
      ]),
    );
    ok(
      await k(LATEST, [
        'create',
        'rolebinding',
        'frank-binder',
        '-n',
        'team-b',
        '--role=binder',
        '--user=frank',
      ]),
    );
    ok(
      await k(LATEST, [
        'create',
        'rolebinding',
        'granted',
        '-n',
        'team-b',
        '--clusterrole=secret-reader',
        '--user=gina',
        '--as',
        'frank',
      ]),
    );
    assert.equal(
      (
        await k(LATEST, ['auth', 'can-i', 'get', 'secrets', '-n', 'team-b', '--as', 'gina'])
      ).stdout.trim(),
      'yes',
    );
    // …but no other one (resourceNames are honoured).
    ok(
      await k(LATEST, [
        'create',
        'clusterrole',
        'cm-writer',
        '--verb=create',
        '--resource=configmaps',
      ]),
    );
    fails(
      await k(LATEST, [
        'create',
        'rolebinding',
        'other',
        '-n',
        'team-b',
        '--clusterrole=cm-writer',
        '--user=gina',
        '--as',
        'frank',
      ]),
    );

    // `escalate` on roles lets frank write rules he does not hold.
    fails(
      await k(LATEST, [
        'create',
        'role',
        'wide',
        '-n',
        'team-b',
        '--verb=*',
        '--resource=*',
        '--as',
        'frank',
      ]),
    );
    ok(
      await k(LATEST, [
        'create',
        'role',
        'escalator',
        '-n',
        'team-b',
        '--verb=escalate',
        '--resource=roles.rbac.authorization.k8s.io',
      ]),
    );
    ok(
      await k(LATEST, [
        'create',
        'rolebinding',
        'frank-escalator',
        '-n',
        'team-b',
        '--role=escalator',
        '--user=frank',
      ]),
    );
    ok(
      await k(LATEST, [
        'create',
        'role',
        'wide',
        '-n',
        'team-b',
        '--verb=*',
        '--resource=*',
        '--as',
        'frank',
      ]),
    );
  });

  test('a roleRef cannot change', async () => {
    ok(
      await k(LATEST, [
        'create',
        'rolebinding',
        'fixed',
        '-n',
        'team-a',
        '--role=cm-reader',
        '--user=alice',
      ]),
    );
    const err = fails(
      await k(LATEST, [
        'patch',
        'rolebinding',
        'fixed',
        '-n',
        'team-a',
        '--type=merge',
        '-p',
        '{"roleRef":{"name":"other"}}',
      ]),
    );
    assert.match(
      err,
      /The RoleBinding "fixed" is invalid: roleRef: Invalid value: rbac\.RoleRef\{APIGroup:"rbac\.authorization\.k8s\.io", Kind:"Role", Name:"other"\}: cannot change roleRef/,
    );
  });

  test('auth reconcile creates, then extends, roles and bindings', async () => {
    const doc = (verbs: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: rec, namespace: team-a}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [${verbs}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rec, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: rec}
subjects:
- {kind: User, name: harry, apiGroup: rbac.authorization.k8s.io}
`;
    const first = versions[0] ?? LATEST;
    ok(await k(first, ['auth', 'reconcile', '-f', c.file('rec1.yaml', doc('get'))]));
    assert.equal(
      (
        await k(first, ['auth', 'can-i', 'get', 'secrets', '-n', 'team-a', '--as', 'harry'])
      ).stdout.trim(),
      'yes',
    );
    assert.equal(
      (
        await k(first, ['auth', 'can-i', 'list', 'secrets', '-n', 'team-a', '--as', 'harry'])
      ).stdout.trim(),
      'no',
    );
    for (const v of versions) {
      const r = ok(
        await k(v, ['auth', 'reconcile', '-f', c.file(`rec-${v}.yaml`, doc('get, list'))]),
      );
      assert.match(r, /role\.rbac\.authorization\.k8s\.io\/rec reconciled/);
    }
    assert.equal(
      (
        await k(LATEST, ['auth', 'can-i', 'list', 'secrets', '-n', 'team-a', '--as', 'harry'])
      ).stdout.trim(),
      'yes',
    );
  });
});

const podSkip = !hasKubectl(33) ? 'kubectl 1.33 is not installed' : (nodeSkipReason() ?? false);

describe(
  "a pod's service account reading pods through kubernetes.default.svc",
  { skip: podSkip },
  () => {
    let c: TestCluster;
    const kubectl = (args: string[]) => c.kubectl(33, args, T);
    before(async () => {
      const images = await ensureTestImages({ images: [IMAGES.dnsutils] });
      c = startNodeCluster({ images: [images.archives[IMAGES.dnsutils]!] });
      ok(await kubectl(['create', 'namespace', 'watcher']));
      await until('the default service account', async () =>
        (await kubectl(['get', 'sa', 'default', '-n', 'watcher'])).code === 0 ? true : undefined,
      );
    });
    after(() => c?.stop());

    const SA = '/var/run/secrets/kubernetes.io/serviceaccount';
    /** Runs a pod that lists its namespace's pods with its token; returns what curl printed. */
    async function listFromPod(name: string): Promise<string> {
      const script =
        `curl -sS --max-time 10 --cacert ${SA}/ca.crt -H "Authorization: Bearer $(cat ${SA}/token)" ` +
        `https://kubernetes.default.svc/api/v1/namespaces/watcher/pods`;
      ok(
        await kubectl([
          'run',
          name,
          '-n',
          'watcher',
          `--image=${IMAGES.dnsutils}`,
          '--restart=Never',
          '--',
          'sh',
          '-c',
          script,
        ]),
      );
      const phase = await until(`${name} to finish`, async () => {
        const p = ok(
          await kubectl(['get', 'pod', name, '-n', 'watcher', '-o', 'jsonpath={.status.phase}']),
        );
        return p === 'Succeeded' || p === 'Failed' ? p : undefined;
      });
      const logs = ok(await kubectl(['logs', name, '-n', 'watcher']));
      assert.equal(phase, 'Succeeded', logs);
      return logs;
    }

    test('403 with kube-apiserver message before the RoleBinding, the pod list after', async () => {
      const refused = JSON.parse(await listFromPod('before')) as { code: number; message: string };
      assert.equal(refused.code, 403);
      assert.equal(
        refused.message,
        'pods is forbidden: User "system:serviceaccount:watcher:default" cannot list resource "pods" in API group "" in the namespace "watcher"',
      );
      ok(
        await kubectl([
          'create',
          'role',
          'pod-reader',
          '-n',
          'watcher',
          '--verb=get,list',
          '--resource=pods',
        ]),
      );
      ok(
        await kubectl([
          'create',
          'rolebinding',
          'default-reads',
          '-n',
          'watcher',
          '--role=pod-reader',
          '--serviceaccount=watcher:default',
        ]),
      );
      const list = JSON.parse(await listFromPod('after')) as {
        kind: string;
        items: { metadata: { name: string } }[];
      };
      assert.equal(list.kind, 'PodList');
      assert.ok(list.items.some((p) => p.metadata.name === 'after'));
    });
  },
);

// End-to-end: ResourceQuotas as kubectl drives them against `skiff up` (API-only: pods stay
// Pending, which is all quota needs): `kubectl create quota`, `get quota` following creates
// and deletes, `describe quota`, and the quota admission's refusals with kube's texts (a pod
// past `pods`, a pod without requests when `requests.cpu` is tracked, a deployment past
// `count/deployments.apps`, a NodePort service past `services.nodeports`).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AGE,
  VERSIONS,
  fails,
  hasKubectl,
  ok,
  parseTable,
  startCluster,
  until,
  type TestCluster,
} from './harness.js';

const MINORS = VERSIONS.filter(hasKubectl);
const TOOL = MINORS[MINORS.length - 1] ?? 33;
const skip = MINORS.length === 0 ? 'no kubectl is installed' : false;

describe('resource quotas through kubectl', { skip }, () => {
  let c: TestCluster;
  const kubectl = (args: string[], input?: string, minor = TOOL) =>
    c.kubectl(minor, args, { timeoutMs: 60_000, ...(input === undefined ? {} : { input }) });
  /** The `kubectl get quota` row of a quota once its REQUEST column matches. */
  const row = (ns: string, name: string, request: RegExp, minor = TOOL) =>
    until(`quota ${ns}/${name} REQUEST ${request}`, async () => {
      const out = ok(await kubectl(['get', 'quota', name, '-n', ns], undefined, minor));
      const r = parseTable(out)[0];
      return r && request.test(r['REQUEST'] ?? '') ? r : undefined;
    });

  before(async () => {
    c = startCluster();
    for (const ns of ['qa', 'qb', 'qc']) ok(await kubectl(['create', 'namespace', ns]));
  });
  after(() => c?.stop());

  test('kubectl create quota; get quota follows creates and deletes; the third pod is refused', async () => {
    assert.equal(
      ok(
        await kubectl([
          'create',
          'quota',
          'q',
          '-n',
          'qa',
          '--hard=pods=2,configmaps=3,count/deployments.apps=1',
        ]),
      ),
      'resourcequota/q created\n',
    );
    const first = await row(
      'qa',
      'q',
      /^configmaps: \d\/3, count\/deployments\.apps: 0\/1, pods: 0\/2$/,
    );
    assert.match(first['AGE'] ?? '', new RegExp(`^${AGE}$`));
    assert.equal(first['LIMIT'], '');
    for (const p of ['p1', 'p2'])
      assert.equal(
        ok(await kubectl(['run', p, '-n', 'qa', '--image=busybox'])),
        `pod/${p} created\n`,
      );
    // Admission charged both pods before they were stored.
    const out = ok(await kubectl(['get', 'quota', '-n', 'qa']));
    assert.match(parseTable(out)[0]?.['REQUEST'] ?? '', /pods: 2\/2$/);
    assert.equal(
      fails(await kubectl(['run', 'p3', '-n', 'qa', '--image=busybox'])),
      'Error from server (Forbidden): pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2\n',
    );
    // No replicas: its pods would take the slot p1 leaves.
    ok(
      await kubectl(['create', 'deployment', 'd1', '-n', 'qa', '--image=busybox', '--replicas=0']),
    );
    assert.equal(
      fails(await kubectl(['create', 'deployment', 'd2', '-n', 'qa', '--image=busybox'])),
      'error: failed to create deployment: deployments.apps "d2" is forbidden: exceeded quota: q, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1\n',
    );
    ok(await kubectl(['delete', 'pod', 'p1', '-n', 'qa', '--wait=true']));
    await row('qa', 'q', /count\/deployments\.apps: 1\/1, pods: 1\/2$/);
    ok(await kubectl(['create', 'configmap', 'c1', '-n', 'qa']));
    await row('qa', 'q', /^configmaps: [1-3]\/3, /);
  });

  test('kubectl describe quota, and get quota from every kubectl', async () => {
    await row('qa', 'q', /pods: 1\/2$/);
    for (const minor of MINORS) {
      const r = await row('qa', 'q', /count\/deployments\.apps: 1\/1, pods: 1\/2$/, minor);
      assert.match(r['NAME'] ?? '', /^q$/);
      const text = ok(await kubectl(['describe', 'quota', 'q', '-n', 'qa'], undefined, minor));
      const lines = text.trimEnd().split('\n');
      assert.match(lines[0] ?? '', /^Name:\s+q$/);
      assert.match(lines[1] ?? '', /^Namespace:\s+qa$/);
      assert.match(lines[2] ?? '', /^Resource\s+Used\s+Hard$/);
      assert.match(lines[3] ?? '', /^--------\s+----\s+----$/);
      assert.match(lines[4] ?? '', /^configmaps\s+\d\s+3$/);
      assert.match(lines[5] ?? '', /^count\/deployments\.apps\s+1\s+1$/);
      assert.match(lines[6] ?? '', /^pods\s+1\s+2$/);
      assert.equal(lines.length, 7, text);
    }
  });

  test('a pod without requests is refused while requests.cpu is tracked', async () => {
    ok(await kubectl(['create', 'quota', 'compute', '-n', 'qb', '--hard=requests.cpu=1,pods=5']));
    await row('qb', 'compute', /^pods: 0\/5, requests\.cpu: 0\/1$/);
    assert.equal(
      fails(await kubectl(['run', 'bare', '-n', 'qb', '--image=busybox'])),
      'Error from server (Forbidden): pods "bare" is forbidden: failed quota: compute: must specify requests.cpu for: bare\n',
    );
    const pod = (name: string, cpu: string): string =>
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata:',
        `  name: ${name}`,
        'spec:',
        '  containers:',
        '  - name: main',
        '    image: busybox',
        '    resources:',
        '      requests:',
        `        cpu: ${cpu}`,
      ].join('\n');
    ok(await kubectl(['apply', '-n', 'qb', '-f', '-'], pod('sized', '600m')));
    await row('qb', 'compute', /^pods: 1\/5, requests\.cpu: 600m\/1$/);
    assert.equal(
      fails(await kubectl(['apply', '-n', 'qb', '-f', '-'], pod('more', '500m'))),
      'Error from server (Forbidden): error when creating "STDIN": pods "more" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1\n',
    );
  });

  test('NodePort services count their ports against services.nodeports', async () => {
    ok(
      await kubectl([
        'create',
        'quota',
        'np',
        '-n',
        'qc',
        '--hard=services.nodeports=1,services=5',
      ]),
    );
    await row('qc', 'np', /^services: 0\/5, services\.nodeports: 0\/1$/);
    ok(await kubectl(['create', 'service', 'nodeport', 'a', '-n', 'qc', '--tcp=80:80']));
    ok(await kubectl(['create', 'service', 'clusterip', 'b', '-n', 'qc', '--tcp=81:81']));
    assert.equal(
      fails(await kubectl(['create', 'service', 'nodeport', 'c', '-n', 'qc', '--tcp=82:82'])),
      'error: failed to create NodePort service: services "c" is forbidden: exceeded quota: np, requested: services.nodeports=1, used: services.nodeports=1, limited: services.nodeports=1\n',
    );
    await row('qc', 'np', /^services: 2\/5, services\.nodeports: 1\/1$/);
    ok(await kubectl(['delete', 'service', 'a', '-n', 'qc']));
    await row('qc', 'np', /^services: 1\/5, services\.nodeports: 0\/1$/);
  });

  test('kubectl apply and explain know the kind; scopes are validated as kube does', async () => {
    const yaml = (scope: string): string =>
      [
        'apiVersion: v1',
        'kind: ResourceQuota',
        'metadata:',
        '  name: scoped',
        'spec:',
        '  hard:',
        '    pods: "3"',
        '  scopeSelector:',
        '    matchExpressions:',
        `    - scopeName: ${scope}`,
        '      operator: In',
        '      values: ["high"]',
      ].join('\n');
    assert.equal(
      ok(await kubectl(['apply', '-n', 'qc', '-f', '-'], yaml('PriorityClass'))),
      'resourcequota/scoped created\n',
    );
    await row('qc', 'scoped', /^pods: 0\/3$/);
    assert.match(
      fails(await kubectl(['apply', '-n', 'qc', '-f', '-'], yaml('Nope').replace('scoped', 'bad'))),
      /spec\.scopeSelector\.matchExpressions\.scopeName: Invalid value: "Nope": unsupported scope/,
    );
    const explained = ok(await kubectl(['explain', 'quota.spec.scopeSelector']));
    assert.match(explained, /^KIND:\s+ResourceQuota$/m);
    assert.match(explained, /matchExpressions\s+<\[\]ScopedResourceSelectorRequirement>/);
  });
});

// The seed 004 "configure access to multiple clusters" walk-through with kubectl 1.27, 1.30
// and 1.33: set-cluster, set-credentials, set-context, use-context, view --minify, merging the
// files listed in KUBECONFIG; then a scratch kubeconfig built the same way that points at
// `skiff up` and is used for real requests.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { VERSIONS, fails, hasKubectl, ok, startCluster, type TestCluster } from './harness.js';

let c: TestCluster;
before(() => {
  c = startCluster();
});
after(() => c?.stop());

const CONFIG_DEMO = `apiVersion: v1
kind: Config
preferences: {}

clusters:
- cluster:
  name: development
- cluster:
  name: scratch

users:
- name: developer
- name: experimenter

contexts:
- context:
  name: dev-frontend
- context:
  name: dev-storage
- context:
  name: exp-scratch
`;

const CONFIG_DEMO_2 = `apiVersion: v1
kind: Config
preferences: {}

contexts:
- context:
    cluster: development
    namespace: ramp
    user: developer
  name: dev-ramp-up
`;

const DEV_FRONTEND_MINIFIED = `apiVersion: v1
clusters:
- cluster:
    certificate-authority: fake-ca-file
    server: https://1.2.3.4
  name: development
contexts:
- context:
    cluster: development
    namespace: frontend
    user: developer
  name: dev-frontend
current-context: dev-frontend
kind: Config
preferences: {}
users:
- name: developer
  user:
    client-certificate: fake-cert-file
    client-key: fake-key-file
`;

describe('kubectl config: several clusters (seed 004)', { concurrency: true }, () => {
  for (const v of VERSIONS) {
    test(`kubectl 1.${v}`, { skip: !hasKubectl(v) }, async () => {
      const dir = `kubeconfig-${v}`;
      const demo = c.file(`${dir}/config-demo`, CONFIG_DEMO);
      const demo2 = c.file(`${dir}/config-demo-2`, CONFIG_DEMO_2);
      const cwd = join(demo, '..');
      const empty = c.file(`${dir}/empty`, '');
      const cfg = (...args: string[]) =>
        c.kubectlBare(v, ['config', '--kubeconfig=config-demo', ...args], {
          cwd,
          env: { KUBECONFIG: empty },
        });

      assert.equal(
        ok(
          await cfg(
            'set-cluster',
            'development',
            '--server=https://1.2.3.4',
            '--certificate-authority=fake-ca-file',
          ),
        ),
        'Cluster "development" set.\n',
      );
      assert.equal(
        ok(
          await cfg(
            'set-cluster',
            'scratch',
            '--server=https://5.6.7.8',
            '--insecure-skip-tls-verify',
          ),
        ),
        'Cluster "scratch" set.\n',
      );
      assert.equal(
        ok(
          await cfg(
            'set-credentials',
            'developer',
            '--client-certificate=fake-cert-file',
            '--client-key=fake-key-file',
          ),
        ),
        'User "developer" set.\n',
      );
      assert.equal(
        ok(
          await cfg(
            'set-credentials',
            'experimenter',
            '--username=exp',
            '--password=some-password',
          ),
        ),
        'User "experimenter" set.\n',
      );
      for (const [ctx, cluster, ns, user] of [
        ['dev-frontend', 'development', 'frontend', 'developer'],
        ['dev-storage', 'development', 'storage', 'developer'],
        ['exp-scratch', 'scratch', 'default', 'experimenter'],
      ] as const)
        assert.equal(
          ok(
            await cfg(
              'set-context',
              ctx,
              `--cluster=${cluster}`,
              `--namespace=${ns}`,
              `--user=${user}`,
            ),
          ),
          `Context "${ctx}" modified.\n`,
        );

      // Two clusters, two users, three contexts; the password is redacted.
      const view = parseYaml(ok(await cfg('view'))) as {
        clusters: { name: string; cluster: Record<string, unknown> }[];
        contexts: { name: string; context: Record<string, string> }[];
        users: { name: string; user: Record<string, string> }[];
        'current-context': string;
      };
      assert.deepEqual(view.clusters, [
        {
          cluster: { 'certificate-authority': 'fake-ca-file', server: 'https://1.2.3.4' },
          name: 'development',
        },
        {
          cluster: { 'insecure-skip-tls-verify': true, server: 'https://5.6.7.8' },
          name: 'scratch',
        },
      ]);
      assert.deepEqual(
        view.contexts.map((x) => [
          x.name,
          x.context['cluster'],
          x.context['namespace'],
          x.context['user'],
        ]),
        [
          ['dev-frontend', 'development', 'frontend', 'developer'],
          ['dev-storage', 'development', 'storage', 'developer'],
          ['exp-scratch', 'scratch', 'default', 'experimenter'],
        ],
      );
      assert.deepEqual(view.users, [
        {
          name: 'developer',
          user: { 'client-certificate': 'fake-cert-file', 'client-key': 'fake-key-file' },
        },
        { name: 'experimenter', user: { password: 'REDACTED', username: 'exp' } },
      ]);
      assert.equal(view['current-context'], '');

      assert.equal(
        ok(await cfg('use-context', 'dev-frontend')),
        'Switched to context "dev-frontend".\n',
      );
      assert.equal(ok(await cfg('view', '--minify')), DEV_FRONTEND_MINIFIED);
      ok(await cfg('use-context', 'exp-scratch'));
      const scratch = parseYaml(ok(await cfg('view', '--minify'))) as typeof view;
      assert.deepEqual(
        scratch.clusters.map((x) => x.name),
        ['scratch'],
      );
      assert.deepEqual(
        scratch.users.map((x) => x.name),
        ['experimenter'],
      );
      ok(await cfg('use-context', 'dev-storage'));
      assert.equal(ok(await cfg('current-context')), 'dev-storage\n');

      // KUBECONFIG=config-demo:config-demo-2 merges the contexts of both files.
      const merged = parseYaml(
        ok(
          await c.kubectlBare(v, ['config', 'view'], {
            cwd,
            env: { KUBECONFIG: `${demo}:${demo2}` },
          }),
        ),
      ) as typeof view;
      assert.deepEqual(
        merged.contexts.map((x) => [x.name, x.context['namespace']]),
        [
          ['dev-frontend', 'frontend'],
          ['dev-ramp-up', 'ramp'],
          ['dev-storage', 'storage'],
          ['exp-scratch', 'default'],
        ],
      );
      assert.equal(merged['current-context'], 'dev-storage');
      const names = ok(
        await c.kubectlBare(v, ['config', 'get-contexts', '-o', 'name'], {
          cwd,
          env: { KUBECONFIG: `${demo}:${demo2}` },
        }),
      );
      assert.equal(names, 'dev-frontend\ndev-ramp-up\ndev-storage\nexp-scratch\n');

      // Now a cluster of our own: the same commands, pointing at skiff.
      const pki = join(c.dataDir, 'pki');
      ok(
        await cfg(
          'set-cluster',
          'skiff',
          `--server=${c.server}`,
          `--certificate-authority=${join(pki, 'ca.crt')}`,
          '--embed-certs=true',
        ),
      );
      ok(
        await cfg(
          'set-credentials',
          'skiff-admin',
          `--client-certificate=${join(pki, 'admin.crt')}`,
          `--client-key=${join(pki, 'admin.key')}`,
          '--embed-certs=true',
        ),
      );
      assert.equal(
        ok(
          await cfg(
            'set-context',
            'skiff-work',
            '--cluster=skiff',
            '--user=skiff-admin',
            `--namespace=work-${v}`,
          ),
        ),
        'Context "skiff-work" created.\n',
      );
      ok(await cfg('use-context', 'skiff-work'));
      const minified = ok(await cfg('view', '--minify'));
      assert.equal(
        minified,
        [
          'apiVersion: v1',
          'clusters:',
          '- cluster:',
          '    certificate-authority-data: DATA+OMITTED',
          `    server: ${c.server}`,
          '  name: skiff',
          'contexts:',
          '- context:',
          '    cluster: skiff',
          `    namespace: work-${v}`,
          '    user: skiff-admin',
          '  name: skiff-work',
          'current-context: skiff-work',
          'kind: Config',
          'preferences: {}',
          'users:',
          '- name: skiff-admin',
          '  user:',
          '    client-certificate-data: DATA+OMITTED',
          '    client-key-data: DATA+OMITTED',
          '',
        ].join('\n'),
      );
      const kc = (...args: string[]) =>
        c.kubectlBare(v, ['--kubeconfig=config-demo', ...args], {
          cwd,
          env: { KUBECONFIG: empty },
        });
      // The context's namespace applies to requests.
      const none = await kc('get', 'pods');
      assert.equal(none.code, 0);
      assert.equal(none.stderr, `No resources found in work-${v} namespace.\n`);
      ok(await kc('create', 'namespace', `work-${v}`));
      assert.equal(ok(await kc('create', 'configmap', 'here')), 'configmap/here created\n');
      assert.equal(
        ok(await c.kubectl(v, ['get', 'configmap', 'here', '-n', `work-${v}`, '-o', 'name'])),
        'configmap/here\n',
      );
      // Another context of the same file fails against an unreachable cluster, fast.
      const dev = await kc('--context=dev-frontend', 'get', 'pods', '--request-timeout=1s');
      assert.match(fails(dev), /fake-ca-file|unable to read|no such file/);

      // Merged with the cluster's own kubeconfig: both sets of contexts are usable.
      const both = { KUBECONFIG: `${demo}:${c.kubeconfig}` };
      const ctxs = ok(
        await c.kubectlBare(v, ['config', 'get-contexts', '-o', 'name'], { cwd, env: both }),
      );
      assert.deepEqual(ctxs.trim().split('\n').sort(), [
        'dev-frontend',
        'dev-storage',
        'exp-scratch',
        'skiff',
        'skiff-work',
      ]);
      const ns = ok(
        await c.kubectlBare(
          v,
          ['--context=skiff', 'get', 'namespace', 'kube-system', '-o', 'name'],
          {
            cwd,
            env: both,
          },
        ),
      );
      assert.equal(ns, 'namespace/kube-system\n');

      // Removing entries.
      assert.equal(
        ok(await cfg('unset', 'users.experimenter')),
        'Property "users.experimenter" unset.\n',
      );
      assert.equal(
        ok(await cfg('delete-context', 'exp-scratch')),
        'deleted context exp-scratch from config-demo\n',
      );
    });
  }
});

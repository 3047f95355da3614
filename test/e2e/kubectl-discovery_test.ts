// The real kubectl 1.27, 1.30 and 1.33 against `skiff up`: version, discovery (api-resources,
// api-versions, get --raw), explain, config view --minify, auth whoami and auth can-i.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import {
  VERSIONS,
  fails,
  hasKubectl,
  ok,
  parseTable,
  startCluster,
  type TestCluster,
} from './harness.js';

const JANE_TOKEN = 'jane-0123456789abcdef';
let c: TestCluster;

before(() => {
  c = startCluster({
    tokens: [{ token: JANE_TOKEN, user: 'jane', uid: '1001', groups: ['dev'] }],
  });
});
after(() => c?.stop());

/** The SHA-256 of the admin client certificate kubectl presents (kube's credential id). */
function adminCredentialId(): string {
  const kc = parseYaml(readFileSync(c.kubeconfig, 'utf8')) as {
    users: { user: { 'client-certificate-data': string } }[];
  };
  const pem = Buffer.from(kc.users[0]?.user['client-certificate-data'] ?? '', 'base64');
  const der = new X509Certificate(pem).raw;
  return 'X509SHA256=' + createHash('sha256').update(der).digest('hex');
}

/** kubectl as the token user jane (no client certificate), with no kubeconfig at all. */
function asJane(v: number, args: string[]) {
  const empty = c.file('empty-kubeconfig', '');
  return c.kubectlBare(
    v,
    ['--server', c.server, '--certificate-authority', c.caPath, '--token', JANE_TOKEN, ...args],
    { env: { KUBECONFIG: empty } },
  );
}

const SKEW_WARNING =
  'WARNING: version difference between client (1.%d) and server (1.33) exceeds the supported minor version skew of +/-1';

describe('kubectl discovery and identity', { concurrency: true }, () => {
  for (const v of VERSIONS) {
    describe(`kubectl 1.${v}`, { skip: !hasKubectl(v), concurrency: true }, () => {
      test('version reports a v1.33 server', async () => {
        const r = await c.kubectl(v, ['version']);
        const out = ok(r);
        if (v === 27) {
          // 1.27 prints the long version.Info form and a deprecation warning.
          assert.match(r.stderr, /^WARNING: This version information is deprecated/m);
          assert.match(
            out,
            /^Server Version: version\.Info\{Major:"1", Minor:"33", GitVersion:"v1\.33\.\d+[^"]*", GitCommit:"[0-9a-f]{40}", GitTreeState:"clean", BuildDate:"[^"]+", GoVersion:"[^"]+", Compiler:"[^"]+", Platform:"linux\/amd64"\}$/m,
          );
        } else {
          assert.match(out, new RegExp(`^Client Version: v1\\.${v}\\.\\d+$`, 'm'));
          assert.match(out, /^Kustomize Version: v5\./m);
          assert.match(out, /^Server Version: v1\.33\.\d+(\+\S+)?$/m);
        }
        // More than one minor of skew is warned about (on stderr); 1.33 has none.
        if (v === 33) assert.doesNotMatch(r.stderr, /version difference/);
        else assert.ok(r.stderr.includes(SKEW_WARNING.replace('%d', String(v))), r.stderr);

        const j = JSON.parse(ok(await c.kubectl(v, ['version', '-o', 'json']))) as {
          clientVersion: { minor: string };
          serverVersion: Record<string, string>;
        };
        assert.equal(j.clientVersion.minor, String(v));
        assert.equal(j.serverVersion['major'], '1');
        assert.equal(j.serverVersion['minor'], '33');
        assert.match(j.serverVersion['gitVersion'] ?? '', /^v1\.33\.\d+/);
        assert.equal(j.serverVersion['platform'], 'linux/amd64');
        // Only a 1.33 client knows the emulation and minimum compatibility fields.
        if (v === 33) {
          assert.equal(j.serverVersion['emulationMajor'], '1');
          assert.equal(j.serverVersion['emulationMinor'], '33');
        }
      });

      test('api-resources lists the kinds with their short names', async () => {
        const out = ok(await c.kubectl(v, ['api-resources']));
        const lines = out.split('\n');
        assert.match(lines[0] ?? '', /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/);
        const rows = parseTable(out);
        const byKey = new Map(rows.map((r) => [`${r['NAME']}/${r['APIVERSION']}`, r]));
        const expect: [string, string, string, string, string][] = [
          ['configmaps', 'cm', 'v1', 'true', 'ConfigMap'],
          ['endpoints', 'ep', 'v1', 'true', 'Endpoints'],
          ['events', 'ev', 'v1', 'true', 'Event'],
          ['namespaces', 'ns', 'v1', 'false', 'Namespace'],
          ['nodes', 'no', 'v1', 'false', 'Node'],
          ['pods', 'po', 'v1', 'true', 'Pod'],
          ['replicationcontrollers', 'rc', 'v1', 'true', 'ReplicationController'],
          ['secrets', '', 'v1', 'true', 'Secret'],
          ['serviceaccounts', 'sa', 'v1', 'true', 'ServiceAccount'],
          ['services', 'svc', 'v1', 'true', 'Service'],
          ['daemonsets', 'ds', 'apps/v1', 'true', 'DaemonSet'],
          ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment'],
          ['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet'],
          ['statefulsets', 'sts', 'apps/v1', 'true', 'StatefulSet'],
          ['cronjobs', 'cj', 'batch/v1', 'true', 'CronJob'],
          ['jobs', '', 'batch/v1', 'true', 'Job'],
          ['selfsubjectreviews', '', 'authentication.k8s.io/v1', 'false', 'SelfSubjectReview'],
          [
            'selfsubjectaccessreviews',
            '',
            'authorization.k8s.io/v1',
            'false',
            'SelfSubjectAccessReview',
          ],
          ['horizontalpodautoscalers', 'hpa', 'autoscaling/v2', 'true', 'HorizontalPodAutoscaler'],
          ['leases', '', 'coordination.k8s.io/v1', 'true', 'Lease'],
          ['endpointslices', '', 'discovery.k8s.io/v1', 'true', 'EndpointSlice'],
          ['events', 'ev', 'events.k8s.io/v1', 'true', 'Event'],
          ['ingresses', 'ing', 'networking.k8s.io/v1', 'true', 'Ingress'],
          ['ingressclasses', '', 'networking.k8s.io/v1', 'false', 'IngressClass'],
          ['persistentvolumeclaims', 'pvc', 'v1', 'true', 'PersistentVolumeClaim'],
          ['persistentvolumes', 'pv', 'v1', 'false', 'PersistentVolume'],
          ['storageclasses', 'sc', 'storage.k8s.io/v1', 'false', 'StorageClass'],
        ];
        for (const [name, short, apiVersion, namespaced, kind] of expect) {
          const row = byKey.get(`${name}/${apiVersion}`);
          assert.ok(row, `api-resources lacks ${name} (${apiVersion}):\n${out}`);
          assert.deepEqual(
            [row['SHORTNAMES'], row['NAMESPACED'], row['KIND']],
            [short, namespaced, kind],
            name,
          );
        }
        // Core resources come first, then the groups in discovery order.
        assert.equal(rows[0]?.['APIVERSION'], 'v1');

        const apps = ok(await c.kubectl(v, ['api-resources', '--api-group=apps']));
        assert.equal(
          apps,
          [
            'NAME                  SHORTNAMES   APIVERSION   NAMESPACED   KIND',
            'controllerrevisions                apps/v1      true         ControllerRevision',
            'daemonsets            ds           apps/v1      true         DaemonSet',
            'deployments           deploy       apps/v1      true         Deployment',
            'replicasets           rs           apps/v1      true         ReplicaSet',
            'statefulsets          sts          apps/v1      true         StatefulSet',
            '',
          ].join('\n'),
        );
        const cluster = ok(
          await c.kubectl(v, ['api-resources', '--namespaced=false', '-o', 'name']),
        );
        const names = cluster.trim().split('\n');
        assert.ok(names.includes('namespaces'), cluster);
        assert.ok(names.includes('nodes'), cluster);
        assert.ok(names.includes('selfsubjectaccessreviews.authorization.k8s.io'), cluster);
        assert.ok(!names.includes('pods'), cluster);
      });

      test('api-versions lists every served group version, sorted', async () => {
        const out = ok(await c.kubectl(v, ['api-versions']));
        const lines = out.trim().split('\n');
        for (const gv of [
          'apps/v1',
          'authentication.k8s.io/v1',
          'authorization.k8s.io/v1',
          'autoscaling/v1',
          'autoscaling/v2',
          'batch/v1',
          'coordination.k8s.io/v1',
          'discovery.k8s.io/v1',
          'events.k8s.io/v1',
          'networking.k8s.io/v1',
          'storage.k8s.io/v1',
          'v1',
        ])
          assert.ok(lines.includes(gv), `${gv} missing from:\n${out}`);
        assert.deepEqual(lines, [...lines].sort());
        // A 1.33 server no longer serves the beta SelfSubjectReview.
        assert.ok(!lines.includes('authentication.k8s.io/v1beta1'), out);
      });

      test('explain pods and pods.spec.containers', async () => {
        const pods = ok(await c.kubectl(v, ['explain', 'pods']));
        assert.match(
          pods,
          /^KIND: {7}Pod\nVERSION: {4}v1\n\nDESCRIPTION:\n {4}Pod is a collection of containers that can run on a host\. This resource is\n {4}created by clients and scheduled onto hosts\.\n/,
        );
        for (const f of [
          'apiVersion\t<string>',
          'kind\t<string>',
          'metadata\t<ObjectMeta>',
          'spec\t<PodSpec>',
          'status\t<PodStatus>',
        ])
          assert.ok(pods.includes(`\n  ${f}\n`), `explain pods lacks ${f}:\n${pods}`);

        const containers = ok(await c.kubectl(v, ['explain', 'pods.spec.containers']));
        assert.match(
          containers,
          /^KIND: {7}Pod\nVERSION: {4}v1\n\nFIELD: containers <\[\]Container>\n/,
        );
        assert.match(
          containers,
          /DESCRIPTION:\n {4}List of containers belonging to the pod\. Containers cannot currently be\n {4}added or removed\./,
        );
        for (const f of [
          'args\t<[]string>',
          'image\t<string>',
          'name\t<string> -required-',
          'ports\t<[]ContainerPort>',
          'resources\t<ResourceRequirements>',
        ])
          assert.ok(containers.includes(`\n  ${f}\n`), `lacks ${f}:\n${containers}`);

        const replicas = ok(await c.kubectl(v, ['explain', 'deployments.spec.replicas']));
        assert.match(
          replicas,
          /^GROUP: {6}apps\nKIND: {7}Deployment\nVERSION: {4}v1\n\nFIELD: replicas <integer>\n/,
        );

        const bad = await c.kubectl(v, ['explain', 'pods.spec.nope']);
        assert.match(fails(bad), /^error: field "nope" does not exist$/m);
      });

      test('get --raw /api, /apis and /version', async () => {
        const api = JSON.parse(ok(await c.kubectl(v, ['get', '--raw', '/api']))) as {
          kind: string;
          versions: string[];
          serverAddressByClientCIDRs: { clientCIDR: string; serverAddress: string }[];
        };
        assert.equal(api.kind, 'APIVersions');
        assert.deepEqual(api.versions, ['v1']);
        assert.equal(api.serverAddressByClientCIDRs[0]?.clientCIDR, '0.0.0.0/0');
        // The address is the advertised one, on the port actually served.
        assert.match(
          api.serverAddressByClientCIDRs[0]?.serverAddress ?? '',
          new RegExp(`:${c.port}$`),
        );

        const apis = JSON.parse(ok(await c.kubectl(v, ['get', '--raw', '/apis']))) as {
          kind: string;
          apiVersion: string;
          groups: {
            name: string;
            versions: { groupVersion: string; version: string }[];
            preferredVersion: { groupVersion: string };
          }[];
        };
        assert.equal(apis.kind, 'APIGroupList');
        assert.equal(apis.apiVersion, 'v1');
        const apps = apis.groups.find((g) => g.name === 'apps');
        assert.deepEqual(apps?.versions, [{ groupVersion: 'apps/v1', version: 'v1' }]);
        assert.equal(apps?.preferredVersion.groupVersion, 'apps/v1');

        const version = JSON.parse(ok(await c.kubectl(v, ['get', '--raw', '/version']))) as Record<
          string,
          string
        >;
        assert.equal(version['major'], '1');
        assert.equal(version['minor'], '33');
        // A 1.33 kube-apiserver reports its emulation and minimum compatibility versions.
        assert.equal(version['emulationMajor'], '1');
        assert.equal(version['emulationMinor'], '33');
        assert.equal(version['minCompatibilityMajor'], '1');
        assert.equal(version['minCompatibilityMinor'], '32');

        const coreV1 = JSON.parse(ok(await c.kubectl(v, ['get', '--raw', '/api/v1']))) as {
          kind: string;
          groupVersion: string;
          resources: { name: string; namespaced: boolean; kind: string; verbs: string[] }[];
        };
        assert.equal(coreV1.kind, 'APIResourceList');
        assert.equal(coreV1.groupVersion, 'v1');
        const pods = coreV1.resources.find((r) => r.name === 'pods');
        assert.equal(pods?.kind, 'Pod');
        assert.deepEqual([...(pods?.verbs ?? [])].sort(), [
          'create',
          'delete',
          'deletecollection',
          'get',
          'list',
          'patch',
          'update',
          'watch',
        ]);
        assert.ok(coreV1.resources.some((r) => r.name === 'pods/status'));

        assert.equal(ok(await c.kubectl(v, ['get', '--raw', '/healthz'])), 'ok');
        const missing = await c.kubectl(v, ['get', '--raw', '/nope']);
        assert.equal(
          fails(missing).trim(),
          'Error from server (NotFound): the server could not find the requested resource',
        );
      });

      test('config view --minify hides credentials', async () => {
        const out = ok(await c.kubectl(v, ['config', 'view', '--minify']));
        assert.equal(
          out,
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
            '    user: skiff-admin',
            '  name: skiff',
            'current-context: skiff',
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
        const raw = ok(await c.kubectl(v, ['config', 'view', '--minify', '--raw']));
        assert.match(raw, /certificate-authority-data: LS0t/);
        assert.equal(ok(await c.kubectl(v, ['config', 'current-context'])), 'skiff\n');
      });

      if (v === 27) {
        test('auth whoami: 1.27 asks for v1alpha1/v1beta1, which a 1.33 server does not serve', async () => {
          const r = await c.kubectl(v, ['auth', 'whoami']);
          assert.equal(r.code, 1);
          assert.equal(
            r.stderr,
            'error: the selfsubjectreviews API is not enabled in the cluster\n' +
              'enable APISelfSubjectReview feature gate and authentication.k8s.io/v1alpha1 or authentication.k8s.io/v1beta1 API\n',
          );
        });
      } else {
        test('auth whoami', async () => {
          const out = ok(await c.kubectl(v, ['auth', 'whoami']));
          const id = adminCredentialId();
          const key = 'Extra: authentication.kubernetes.io/credential-id';
          const w = key.length + 3;
          assert.equal(
            out,
            [
              'ATTRIBUTE'.padEnd(w) + 'VALUE',
              'Username'.padEnd(w) + 'skiff-admin',
              'Groups'.padEnd(w) + '[system:masters system:authenticated]',
              key.padEnd(w) + `[${id}]`,
              '',
            ].join('\n'),
          );
          const review = JSON.parse(ok(await c.kubectl(v, ['auth', 'whoami', '-o', 'json']))) as {
            kind: string;
            apiVersion: string;
            status: { userInfo: { username: string; groups: string[] } };
          };
          assert.equal(review.kind, 'SelfSubjectReview');
          assert.equal(review.apiVersion, 'authentication.k8s.io/v1');
          assert.equal(review.status.userInfo.username, 'skiff-admin');

          const jane = ok(await asJane(v, ['auth', 'whoami']));
          assert.equal(
            jane,
            'ATTRIBUTE   VALUE\nUsername    jane\nUID         1001\nGroups      [dev system:authenticated]\n',
          );
        });
      }

      test('auth can-i', async () => {
        const yes = await c.kubectl(v, ['auth', 'can-i', 'create', 'pods']);
        assert.equal(yes.code, 0);
        assert.equal(yes.stdout, 'yes\n');
        assert.equal(
          ok(
            await c.kubectl(v, [
              'auth',
              'can-i',
              'delete',
              'deployments.apps',
              '-n',
              'kube-system',
            ]),
          ),
          'yes\n',
        );
        assert.equal(ok(await c.kubectl(v, ['auth', 'can-i', 'get', '/healthz'])), 'yes\n');

        const list = ok(await c.kubectl(v, ['auth', 'can-i', '--list']));
        const rows = parseTable(list);
        assert.match(
          list.split('\n')[0] ?? '',
          /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/,
        );
        assert.deepEqual(rows[0], {
          Resources: '*.*',
          'Non-Resource URLs': '[]',
          'Resource Names': '[]',
          Verbs: '[*]',
        });

        const unknown = await c.kubectl(v, ['auth', 'can-i', 'create', 'widgets']);
        assert.match(
          unknown.stderr,
          /^Warning: the server doesn't have a resource type 'widgets'$/m,
        );

        // A user with no bindings: no, with exit code 1.
        const no = await asJane(v, ['auth', 'can-i', 'create', 'pods']);
        assert.equal(no.code, 1);
        assert.equal(no.stdout, 'no\n');
        assert.equal(
          ok(
            await asJane(v, [
              'auth',
              'can-i',
              'create',
              'selfsubjectaccessreviews.authorization.k8s.io',
            ]),
          ),
          'yes\n',
        );

        // Impersonation: the admin asks on behalf of jane.
        const as = await c.kubectl(v, ['auth', 'can-i', 'create', 'pods', '--as=jane']);
        assert.equal(as.stdout, 'no\n');
        assert.equal(as.code, 1);
      });

      test('a user without permissions is forbidden, in kube-apiserver words', async () => {
        const r = await asJane(v, ['get', 'pods']);
        assert.equal(
          fails(r).trim(),
          'Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"',
        );
        const d = await asJane(v, ['get', 'deployments', '-n', 'kube-system', 'x']);
        assert.equal(
          fails(d).trim(),
          'Error from server (Forbidden): deployments.apps "x" is forbidden: User "jane" cannot get resource "deployments" in API group "apps" in the namespace "kube-system"',
        );
        const imp = await c.kubectl(v, ['get', 'pods', '--as=jane', '--as-group=dev']);
        assert.equal(
          fails(imp).trim(),
          'Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"',
        );
        const wrong = await c.kubectlBare(
          v,
          [
            '--server',
            c.server,
            '--certificate-authority',
            c.caPath,
            '--token',
            'nope',
            'get',
            'pods',
          ],
          { env: { KUBECONFIG: c.file('empty-kubeconfig', '') } },
        );
        assert.match(fails(wrong).trim(), /^error: You must be logged in to the server \(.+\)$/);
      });
    });
  }
});

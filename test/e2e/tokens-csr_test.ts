// Service-account token secrets and certificate signing requests with each kubectl:
// - a token secret made by hand is filled by the token controller and its token is accepted
//   (200) until its service account is deleted (401); a secret for a missing account goes;
// - with `skiff up --legacy-service-account-token-secrets`, seed 002/004's commands work as
//   written (`kubectl get secrets | grep ^default`, `jsonpath='{.secrets[0].name}'`, curl);
// - `kubectl create token --duration=10m` and the token's `exp`;
// - the docs' "issue a certificate for a user": openssl → CSR → `kubectl certificate approve`
//   → `.status.certificate` → a kubeconfig with it → requests answered as jane; deny → no
//   certificate; a usage the signer refuses → Failed.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  VERSIONS,
  curl,
  fails,
  hasKubectl,
  kubectlPath,
  ok,
  parseTable,
  run,
  startCluster,
  type TestCluster,
  until,
} from './harness.js';

let plain: TestCluster;
let legacy: TestCluster;
const work = mkdtempSync(join(tmpdir(), 'skiff-tokens-csr-'));

const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;

/** kubectl 1.27 has no `auth whoami` for v1; later ones do. */
const hasWhoami = (v: number): boolean => v >= 28;

const apiStatus = async (c: TestCluster, token: string): Promise<number> =>
  (await curl(['--cacert', c.caPath, '-H', `Authorization: Bearer ${token}`, `${c.server}/api`]))
    .status;

describe('service-account token secrets and CSRs', { concurrency: true }, () => {
  before(() => {
    plain = startCluster();
    legacy = startCluster({ upArgs: ['--legacy-service-account-token-secrets'] });
  });
  after(() => {
    plain?.stop();
    legacy?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  for (const v of VERSIONS) {
    const skip = !hasKubectl(v) && `kubectl 1.${v} is not installed`;

    test(
      `kubectl 1.${v}: a hand-made token secret is filled, works, and goes with its account`,
      { skip },
      async () => {
        const ns = `tokens-${v}`;
        const k = (...args: string[]) => plain.kubectl(v, args, { timeoutMs: 30_000 });
        ok(await k('create', 'namespace', ns));
        ok(await k('create', 'serviceaccount', 'build-robot', '-n', ns));
        // Without the legacy flag no account gets a secret of its own (1.24+ behaviour).
        assert.equal(
          ok(await k('get', 'sa', 'build-robot', '-n', ns, '-o', 'jsonpath={.secrets}')),
          '',
        );
        const secretYaml = plain.file(
          `secret-${v}.yaml`,
          [
            'apiVersion: v1',
            'kind: Secret',
            'metadata:',
            '  name: build-robot-secret',
            `  namespace: ${ns}`,
            '  annotations:',
            '    kubernetes.io/service-account.name: build-robot',
            'type: kubernetes.io/service-account-token',
            '',
          ].join('\n'),
        );
        ok(await k('apply', '-f', secretYaml));
        const token = await until('the token controller fills the secret', async () => {
          const b64 = ok(
            await k(
              'get',
              'secret',
              'build-robot-secret',
              '-n',
              ns,
              '-o',
              'jsonpath={.data.token}',
            ),
          );
          return b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined;
        });
        const saUid = ok(
          await k('get', 'sa', 'build-robot', '-n', ns, '-o', 'jsonpath={.metadata.uid}'),
        );
        assert.deepEqual(claimsOf(token), {
          iss: 'kubernetes/serviceaccount',
          'kubernetes.io/serviceaccount/namespace': ns,
          'kubernetes.io/serviceaccount/secret.name': 'build-robot-secret',
          'kubernetes.io/serviceaccount/service-account.name': 'build-robot',
          'kubernetes.io/serviceaccount/service-account.uid': saUid,
          sub: `system:serviceaccount:${ns}:build-robot`,
        });
        const described = ok(await k('describe', 'secret', 'build-robot-secret', '-n', ns));
        assert.match(described, new RegExp(`kubernetes.io/service-account.uid: ${saUid}`));
        assert.match(described, /ca\.crt:\s+\d+ bytes/);
        assert.match(described, new RegExp(`namespace:\\s+${ns.length} bytes`));
        const ca = ok(
          await k(
            'get',
            'secret',
            'build-robot-secret',
            '-n',
            ns,
            '-o',
            'jsonpath={.data.ca\\.crt}',
          ),
        );
        assert.equal(
          Buffer.from(ca, 'base64').toString('utf8'),
          readFileSync(plain.caPath, 'utf8'),
        );

        assert.equal(await apiStatus(plain, token), 200);
        // A hand-made secret's token is not warned about (only auto-generated ones are).
        const bare = await plain.kubectlBare(
          v,
          [
            '--server',
            plain.server,
            '--certificate-authority',
            plain.caPath,
            '--token',
            token,
            'get',
            '--raw',
            '/api',
          ],
          { env: { KUBECONFIG: '/dev/null' }, timeoutMs: 30_000 },
        );
        ok(bare);
        assert.doesNotMatch(bare.stderr, /Warning/);
        if (hasWhoami(v)) {
          const who = ok(
            await plain.kubectlBare(
              v,
              [
                '--server',
                plain.server,
                '--certificate-authority',
                plain.caPath,
                '--token',
                token,
                'auth',
                'whoami',
              ],
              { env: { KUBECONFIG: '/dev/null' }, timeoutMs: 30_000 },
            ),
          );
          assert.match(who, new RegExp(`system:serviceaccount:${ns}:build-robot`));
        }
        // Using it marks the secret with the day it was used.
        await until(
          'the legacy-token-last-used label',
          async () =>
            ok(await k('get', 'secret', 'build-robot-secret', '-n', ns, '--show-labels')).includes(
              'kubernetes.io/legacy-token-last-used=',
            ) || undefined,
        );

        // A token secret for an account that does not exist is deleted.
        ok(
          await k(
            'apply',
            '-f',
            plain.file(
              `ghost-${v}.yaml`,
              readFileSync(secretYaml, 'utf8')
                .replace('name: build-robot-secret', 'name: ghost-secret')
                .replace('service-account.name: build-robot', 'service-account.name: ghost'),
            ),
          ),
        );
        await until(
          'the orphan secret is deleted',
          async () => (await k('get', 'secret', 'ghost-secret', '-n', ns)).code !== 0 || undefined,
        );

        // Deleting the account deletes its token secret, and the token stops working.
        ok(await k('delete', 'sa', 'build-robot', '-n', ns));
        await until(
          'the secret goes with its account',
          async () =>
            (await k('get', 'secret', 'build-robot-secret', '-n', ns)).code !== 0 || undefined,
        );
        assert.equal(await apiStatus(plain, token), 401);
      },
    );

    test(
      `kubectl 1.${v}: seed 002/004's token commands as written (--legacy-service-account-token-secrets)`,
      { skip },
      async () => {
        // `kubectl` on PATH is this version, with the legacy cluster's kubeconfig.
        const bin = mkdtempSync(join(work, `bin-${v}-`));
        symlinkSync(kubectlPath(v), join(bin, 'kubectl'));
        const sh = async (script: string): Promise<string> =>
          ok(
            await run('bash', ['-euo', 'pipefail', '-c', script], {
              env: {
                PATH: `${bin}:${process.env.PATH ?? ''}`,
                KUBECONFIG: legacy.kubeconfig,
                HOME: bin,
              },
              timeoutMs: 60_000,
            }),
            'the seed commands',
          );
        await until(
          'the default account has its token secret',
          async () =>
            (await sh(`kubectl get serviceaccount default -o jsonpath='{.secrets[0].name}'`)) ||
            undefined,
        );
        assert.match(
          await sh('kubectl get secrets'),
          /^default-token-[b-z2-9]{5}\s+kubernetes\.io\/service-account-token\s+3\s+/m,
        );
        const viaDescribe = await sh(`
APISERVER=$(kubectl config view --minify | grep server | cut -f 2- -d ":" | tr -d " ")
SECRET_NAME=$(kubectl get secrets | grep ^default | cut -f1 -d ' ')
TOKEN=$(kubectl describe secret $SECRET_NAME | grep -E '^token' | cut -f2 -d':' | tr -d " ")

curl -s $APISERVER/api --header "Authorization: Bearer $TOKEN" --insecure`);
        const viaJsonpath = await sh(`
APISERVER=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
SECRET_NAME=$(kubectl get serviceaccount default -o jsonpath='{.secrets[0].name}')
TOKEN=$(kubectl get secret $SECRET_NAME -o jsonpath='{.data.token}' | base64 --decode)

curl -s $APISERVER/api --header "Authorization: Bearer $TOKEN" --insecure`);
        for (const out of [viaDescribe, viaJsonpath]) {
          const body = JSON.parse(out) as { kind: string; versions: string[] };
          assert.equal(body.kind, 'APIVersions');
          assert.deepEqual(body.versions, ['v1']);
        }
        // kubectl with an auto-generated secret's token prints kube-apiserver's warning.
        const autoToken = await sh(
          `kubectl get secret $(kubectl get serviceaccount default -o jsonpath='{.secrets[0].name}') -o jsonpath='{.data.token}' | base64 --decode`,
        );
        const withToken = await legacy.kubectlBare(
          v,
          [
            '--server',
            legacy.server,
            '--certificate-authority',
            legacy.caPath,
            '--token',
            autoToken,
            'get',
            '--raw',
            '/api',
          ],
          { env: { KUBECONFIG: '/dev/null' }, timeoutMs: 30_000 },
        );
        ok(withToken);
        assert.match(
          withToken.stderr,
          /Warning: Use tokens from the TokenRequest API or manually created secret-based tokens instead of auto-generated secret-based tokens\./,
        );
        // A new account gets its own secret, listed in .secrets.
        const ns = `legacy-${v}`;
        ok(await legacy.kubectl(v, ['create', 'namespace', ns]));
        ok(await legacy.kubectl(v, ['create', 'serviceaccount', 'robot', '-n', ns]));
        const name = await until(
          'robot gets a token secret',
          async () =>
            ok(
              await legacy.kubectl(v, [
                'get',
                'sa',
                'robot',
                '-n',
                ns,
                '-o',
                'jsonpath={.secrets[0].name}',
              ]),
            ) || undefined,
        );
        assert.match(name, /^robot-token-[b-z2-9]{5}$/);
        const rows = parseTable(ok(await legacy.kubectl(v, ['get', 'sa', '-n', ns])));
        assert.deepEqual(rows.map((r) => [r['NAME'], r['SECRETS']]).sort(), [
          ['default', '1'],
          ['robot', '1'],
        ]);
      },
    );

    test(`kubectl 1.${v}: create token --duration=10m`, { skip }, async () => {
      const ns = `create-token-${v}`;
      ok(await plain.kubectl(v, ['create', 'namespace', ns]));
      ok(await plain.kubectl(v, ['create', 'serviceaccount', 'robot', '-n', ns]));
      const token = ok(
        await plain.kubectl(v, ['create', 'token', 'robot', '-n', ns, '--duration=10m']),
      ).trim();
      const claims = claimsOf(token) as { exp: number; iat: number };
      assert.equal(claims.exp - claims.iat, 600);
      assert.ok(Math.abs(claims.exp - (Date.now() / 1000 + 600)) < 120);
      assert.equal(await apiStatus(plain, token), 200);
    });

    test(`kubectl 1.${v}: a certificate for user jane through a CSR`, { skip }, async () => {
      const dir = mkdtempSync(join(work, `csr-${v}-`));
      const openssl = async (...args: string[]) =>
        ok(await run('openssl', args, { cwd: dir, timeoutMs: 30_000 }), 'openssl');
      const k = (...args: string[]) => plain.kubectl(v, args, { timeoutMs: 30_000 });
      const csrYaml = async (name: string, cn: string, usages: string[]): Promise<string> => {
        await openssl('genrsa', '-out', `${name}.key`, '2048');
        await openssl(
          'req',
          '-new',
          '-key',
          `${name}.key`,
          '-out',
          `${name}.csr`,
          '-subj',
          `/CN=${cn}/O=dev`,
        );
        const request = readFileSync(join(dir, `${name}.csr`)).toString('base64');
        return plain.file(
          `${name}.yaml`,
          [
            'apiVersion: certificates.k8s.io/v1',
            'kind: CertificateSigningRequest',
            'metadata:',
            `  name: ${name}`,
            'spec:',
            `  request: ${request}`,
            '  signerName: kubernetes.io/kube-apiserver-client',
            '  expirationSeconds: 86400',
            '  usages:',
            ...usages.map((u) => `  - ${u}`),
            '',
          ].join('\n'),
        );
      };
      const jane = `jane-${v}`;
      ok(await k('apply', '-f', await csrYaml(jane, 'jane', ['client auth'])));
      const [pending] = parseTable(ok(await k('get', 'csr', jane)));
      assert.deepEqual(Object.keys(pending ?? {}), [
        'NAME',
        'AGE',
        'SIGNERNAME',
        'REQUESTOR',
        'REQUESTEDDURATION',
        'CONDITION',
      ]);
      assert.equal(pending?.['SIGNERNAME'], 'kubernetes.io/kube-apiserver-client');
      assert.equal(pending?.['REQUESTOR'], 'skiff-admin');
      assert.equal(pending?.['REQUESTEDDURATION'], '24h');
      assert.equal(pending?.['CONDITION'], 'Pending');
      assert.match(ok(await k('certificate', 'approve', jane)), new RegExp(`${jane} approved`));
      const certB64 = await until(
        'the signer issues the certificate',
        async () =>
          ok(await k('get', 'csr', jane, '-o', 'jsonpath={.status.certificate}')) || undefined,
      );
      assert.equal(
        parseTable(ok(await k('get', 'csr', jane)))[0]?.['CONDITION'],
        'Approved,Issued',
      );
      const crt = plain.file(`${jane}.crt`, Buffer.from(certB64, 'base64').toString('utf8'));
      assert.match(await openssl('verify', '-CAfile', plain.caPath, crt), /OK/);
      const dates = await openssl(
        'x509',
        '-in',
        crt,
        '-noout',
        '-subject',
        '-startdate',
        '-enddate',
      );
      assert.match(dates, /CN\s*=\s*jane, O\s*=\s*dev/);

      // A kubeconfig with jane's certificate: the API answers as jane.
      const cfg = plain.file(`${jane}.kubeconfig`, readFileSync(plain.kubeconfig, 'utf8'));
      const kj = (...args: string[]) =>
        plain.kubectlBare(v, ['--kubeconfig', cfg, ...args], { timeoutMs: 30_000 });
      ok(
        await kj(
          'config',
          'set-credentials',
          'jane',
          `--client-key=${join(dir, `${jane}.key`)}`,
          `--client-certificate=${crt}`,
          '--embed-certs=true',
        ),
      );
      ok(
        await kj(
          'config',
          'set-context',
          'jane',
          `--cluster=${ok(await kj('config', 'view', '-o', 'jsonpath={.clusters[0].name}'))}`,
          '--user=jane',
        ),
      );
      ok(await kj('config', 'use-context', 'jane'));
      if (hasWhoami(v)) {
        const who = ok(await kj('auth', 'whoami'));
        assert.match(who, /Username\s+jane/);
        assert.match(who, /Groups\s+\[dev system:authenticated\]/);
      }
      assert.match(fails(await kj('get', 'pods')), /User "jane" cannot list resource "pods"/);
      // As the docs go on: a Role and RoleBinding for jane, in a namespace of this kubectl's.
      const ns = `csr-dev-${v}`;
      ok(await k('create', 'namespace', ns));
      ok(
        await k(
          '-n',
          ns,
          'create',
          'role',
          'developer',
          '--verb=get,list,create',
          '--resource=pods',
        ),
      );
      ok(
        await k(
          '-n',
          ns,
          'create',
          'rolebinding',
          'developer-jane',
          '--role=developer',
          '--user=jane',
        ),
      );
      const canI = async (...args: string[]) => (await kj('auth', 'can-i', ...args)).stdout.trim();
      await until(
        'jane may list pods in her namespace',
        async () => (await canI('list', 'pods', '-n', ns)) === 'yes' || undefined,
      );
      assert.equal(await canI('list', 'pods'), 'no');
      assert.equal(await canI('delete', 'pods', '-n', ns), 'no');
      assert.equal(await canI('list', 'secrets', '-n', ns), 'no');
      ok(await kj('-n', ns, 'get', 'pods'));

      // Denied: never issued. A request approved after it shows the signer has run since.
      const bob = `bob-${v}`;
      const carol = `carol-${v}`;
      ok(await k('apply', '-f', await csrYaml(bob, 'bob', ['client auth'])));
      ok(await k('apply', '-f', await csrYaml(carol, 'carol', ['client auth'])));
      assert.match(ok(await k('certificate', 'deny', bob)), new RegExp(`${bob} denied`));
      ok(await k('certificate', 'approve', carol));
      await until(
        'carol is issued',
        async () =>
          ok(await k('get', 'csr', carol, '-o', 'jsonpath={.status.certificate}')) || undefined,
      );
      assert.equal(ok(await k('get', 'csr', bob, '-o', 'jsonpath={.status.certificate}')), '');
      assert.equal(parseTable(ok(await k('get', 'csr', bob)))[0]?.['CONDITION'], 'Denied');

      // A usage the client signer does not sign: accepted, approved, then Failed by the signer.
      const srv = `server-${v}`;
      ok(await k('apply', '-f', await csrYaml(srv, 'srv', ['server auth'])));
      ok(await k('certificate', 'approve', srv));
      await until(
        'the signer fails it',
        async () =>
          parseTable(ok(await k('get', 'csr', srv)))[0]?.['CONDITION'] === 'Approved,Failed' ||
          undefined,
      );
      assert.equal(
        ok(
          await k(
            'get',
            'csr',
            srv,
            '-o',
            'jsonpath={.status.conditions[?(@.type=="Failed")].message}',
          ),
        ),
        'invalid usage for client certificate: server auth',
      );
    });
  }
});

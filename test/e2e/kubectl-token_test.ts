// `kubectl create token` against `skiff up`, for each kubectl: the token's claims as
// kube-apiserver issues them, audiences, durations and bindings; the token works for the
// API (`kubectl auth whoami`) until what it is bound to is deleted; refusals read as kubectl
// prints kube-apiserver's.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  VERSIONS,
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

const ISSUER = 'https://kubernetes.default.svc.cluster.local';

let c: TestCluster;

/** kubectl 1.27 asks for SelfSubjectReview in v1beta1 only; later ones use v1. */
const WHOAMI_KUBECTL = VERSIONS.filter((v) => v >= 28 && hasKubectl(v)).at(-1) ?? 33;

const claimsOf = (token: string): Record<string, any> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));

describe('kubectl create token', { concurrency: true }, () => {
  before(() => {
    c = startCluster();
  });
  after(() => c?.stop());
  for (const v of VERSIONS) {
    test(
      `kubectl 1.${v}`,
      { skip: !hasKubectl(v) && `kubectl 1.${v} is not installed` },
      async () => {
        const ns = `token-${v}`;
        const k = (...args: string[]) => c.kubectl(v, args, { timeoutMs: 30_000 });
        /** `kubectl auth whoami` with only the token (no kubeconfig). */
        const whoami = (token: string) =>
          c.kubectlBare(
            WHOAMI_KUBECTL,
            [
              '--server',
              c.server,
              '--certificate-authority',
              c.caPath,
              '--token',
              token,
              'auth',
              'whoami',
              '-o',
              'json',
            ],
            { env: { KUBECONFIG: '/dev/null' }, timeoutMs: 30_000 },
          );
        ok(await k('create', 'namespace', ns));
        ok(await k('create', 'serviceaccount', 'robot', '-n', ns));
        ok(await k('create', 'secret', 'generic', 'creds', '-n', ns, '--from-literal=a=b'));
        ok(
          await k(
            'run',
            'web',
            '-n',
            ns,
            '--image=busybox',
            '--restart=Never',
            '--overrides={"spec":{"serviceAccountName":"robot"}}',
          ),
        );
        const saUid = ok(await k('get', 'sa', 'robot', '-n', ns, '-o', 'jsonpath={.metadata.uid}'));
        const podUid = ok(await k('get', 'pod', 'web', '-n', ns, '-o', 'jsonpath={.metadata.uid}'));
        const user = `system:serviceaccount:${ns}:robot`;

        // Defaults: the API server's audience, one hour.
        const plain = ok(await k('create', 'token', 'robot', '-n', ns)).trim();
        const c1 = claimsOf(plain);
        assert.equal(c1.iss, ISSUER);
        assert.deepEqual(c1.aud, [ISSUER]);
        assert.equal(c1.sub, user);
        assert.equal(c1.exp - c1.iat, 3600);
        assert.deepEqual(c1['kubernetes.io'], {
          namespace: ns,
          serviceaccount: { name: 'robot', uid: saUid },
        });
        const who = JSON.parse(ok(await whoami(plain), 'kubectl auth whoami'));
        assert.equal(who.status.userInfo.username, user);

        // Another audience, two hours, bound to the pod.
        const bound = ok(
          await k(
            'create',
            'token',
            'robot',
            '-n',
            ns,
            '--audience',
            'https://vault.example',
            '--duration',
            '2h',
            '--bound-object-kind',
            'Pod',
            '--bound-object-name',
            'web',
          ),
        ).trim();
        const c2 = claimsOf(bound);
        assert.deepEqual(c2.aud, ['https://vault.example']);
        assert.equal(c2.exp - c2.iat, 7200);
        assert.deepEqual(c2['kubernetes.io'].pod, { name: 'web', uid: podUid });
        assert.match(c2.jti, /^[0-9a-f-]{36}$/);
        // Not for this API server.
        assert.match(fails(await whoami(bound)), /Unauthorized/);

        // Bound to the pod for the API server: works until the pod is deleted.
        const podToken = ok(
          await k(
            'create',
            'token',
            'robot',
            '-n',
            ns,
            '--bound-object-kind',
            'Pod',
            '--bound-object-name',
            'web',
            '--bound-object-uid',
            podUid,
          ),
        ).trim();
        ok(await whoami(podToken));
        // Bound to the secret: works until the secret is deleted.
        const secretToken = ok(
          await k(
            'create',
            'token',
            'robot',
            '-n',
            ns,
            '--bound-object-kind',
            'Secret',
            '--bound-object-name',
            'creds',
          ),
        ).trim();
        assert.equal(claimsOf(secretToken)['kubernetes.io'].secret.name, 'creds');
        ok(await whoami(secretToken));
        ok(await k('delete', 'pod', 'web', '-n', ns, '--wait=true'));
        ok(await k('delete', 'secret', 'creds', '-n', ns));
        assert.match(fails(await whoami(podToken)), /Unauthorized/);
        assert.match(fails(await whoami(secretToken)), /Unauthorized/);
        ok(await whoami(plain));
        // The service account's deletion ends the rest.
        ok(await k('delete', 'serviceaccount', 'robot', '-n', ns));
        assert.match(fails(await whoami(plain)), /Unauthorized/);

        // Refusals, as kubectl prints kube-apiserver's.
        assert.match(
          fails(await k('create', 'token', 'ghost', '-n', ns)),
          /error: failed to create token: serviceaccounts "ghost" not found/,
        );
        ok(await k('create', 'serviceaccount', 'robot', '-n', ns));
        assert.match(
          fails(await k('create', 'token', 'robot', '-n', ns, '--duration', '5m')),
          /spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/,
        );
        assert.match(
          fails(
            await k(
              'create',
              'token',
              'robot',
              '-n',
              ns,
              '--bound-object-kind',
              'Pod',
              '--bound-object-name',
              'gone',
            ),
          ),
          /error: failed to create token: pods "gone" not found/,
        );
        ok(await k('delete', 'namespace', ns, '--wait=false'));
      },
    );
  }
});

// The node agent mounts each pod a token bound to it: it works while the pod exists and
// stops working once the pod is deleted, as a kubelet-requested token does.
const NODE_KUBECTL = 33;
const nodeSkip = !hasKubectl(NODE_KUBECTL)
  ? 'kubectl 1.33 is not installed'
  : (nodeSkipReason() ?? false);

describe('a pod’s projected service-account token', { skip: nodeSkip }, () => {
  let n: TestCluster;
  before(async () => {
    const images = await ensureTestImages({ images: [IMAGES.busybox] });
    n = startNodeCluster({ images: [images.archives[IMAGES.busybox]!] });
  });
  after(() => n?.stop());

  test('is bound to its pod and ends with it', async () => {
    const kubectl = (args: string[]) => n.kubectl(NODE_KUBECTL, args, { timeoutMs: 30_000 });
    ok(await kubectl(['run', 'holder', `--image=${IMAGES.busybox}`, '--', 'sleep', '3600']));
    await until('holder Running', async () =>
      parseTable(ok(await kubectl(['get', 'pod', 'holder'])))[0]?.['STATUS'] === 'Running'
        ? true
        : undefined,
    );
    const token = ok(
      await kubectl([
        'exec',
        'holder',
        '--',
        'cat',
        '/var/run/secrets/kubernetes.io/serviceaccount/token',
      ]),
    );
    const podUid = ok(await kubectl(['get', 'pod', 'holder', '-o', 'jsonpath={.metadata.uid}']));
    const claims = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as Record<string, any>;
    assert.deepEqual(claims['kubernetes.io'].pod, { name: 'holder', uid: podUid });
    assert.equal(claims['kubernetes.io'].node.name, n.nodeName);
    const whoami = () =>
      n.kubectlBare(
        NODE_KUBECTL,
        [
          `--server=${n.server}`,
          `--certificate-authority=${n.caPath}`,
          `--token=${token}`,
          'auth',
          'whoami',
          '-o',
          'jsonpath={.status.userInfo.extra.authentication\\.kubernetes\\.io/pod-name}',
        ],
        { env: { KUBECONFIG: '/dev/null' }, timeoutMs: 30_000 },
      );
    assert.equal(ok(await whoami()), '["holder"]');
    ok(await kubectl(['delete', 'pod', 'holder', '--grace-period=1', '--wait=true']));
    assert.match(fails(await whoami()), /Unauthorized/);
  });
});

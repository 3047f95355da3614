// End-to-end: a node's own credentials under the Node authorizer and NodeRestriction.
// `skiff up` runs its node agent as system:node:NAME in system:nodes only (no
// system:masters); `skiff node-credentials` issues a kubeconfig for the same identity, which
// kubectl 1.27, 1.30 and 1.33 use here: it reads the secret of a pod on its node, and is
// refused (403, kube-apiserver's words) a secret of a pod elsewhere or of no pod, writes to
// another Node, pod creation and tokens for pods not on it. A real pod mounting a secret and
// a config map starts on the agent all the same.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  E2E_NODE,
  esc,
  hasKubectl,
  nodeSkipReason,
  ok,
  parseTable,
  runSkiff,
  startNodeCluster,
  until,
  VERSIONS,
  type TestCluster,
} from './harness.js';

const MINORS = VERSIONS.filter(hasKubectl);
const KUBECTL = MINORS[MINORS.length - 1] ?? 33;
const skip = !MINORS.length ? 'no kubectl is installed' : (nodeSkipReason() ?? false);
const USER = `system:node:${E2E_NODE}`;

describe('a node’s credentials under the Node authorizer', { skip }, () => {
  let c: TestCluster;
  const credsDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-node-authz-'));
  const admin = (args: string[], input?: string) =>
    c.kubectl(KUBECTL, args, input === undefined ? {} : { input });
  /** kubectl with the node's kubeconfig. */
  const asNode = (minor: number, args: string[], input?: string) =>
    c.kubectlBare(
      minor,
      ['--kubeconfig', join(credsDir, 'kubeconfig'), ...args],
      input === undefined ? {} : { input },
    );
  /** The command fails with exactly this Forbidden Status message. */
  const refused = async (minor: number, args: string[], message: string, input?: string) => {
    const r = await asNode(minor, args, input);
    assert.notEqual(r.code, 0, `kubectl 1.${minor} ${args.join(' ')}: ${r.stdout}`);
    assert.match(
      r.stderr,
      new RegExp(
        `^(Error from server \\(Forbidden\\): (error when (creating|applying patch|patching) "STDIN": )?|error: failed to create token: )${esc(message)}$`,
        'm',
      ),
      `kubectl 1.${minor} ${args.join(' ')}`,
    );
  };
  const podJson = async (name: string) =>
    JSON.parse(ok(await admin(['get', 'pod', name, '-o', 'json']))) as {
      metadata: { uid: string };
      status: { phase?: string };
    };

  before(async () => {
    const images = await ensureTestImages({ images: [IMAGES.busybox] });
    c = startNodeCluster({ images: [images.archives[IMAGES.busybox]!] });
    ok(
      runSkiff([
        'node-credentials',
        '--node-name',
        E2E_NODE,
        '--address',
        '127.0.0.1',
        '--server',
        c.server,
        '--data-dir',
        c.dataDir,
        '--out',
        credsDir,
      ]),
      'skiff node-credentials',
    );
    // A pod on this node mounting a secret and a config map, started by an agent that is not
    // in system:masters; and a pod bound to a node that does not run it.
    ok(
      await admin(
        ['apply', '-f', '-'],
        `apiVersion: v1
kind: Secret
metadata: {name: app-secret}
stringData: {password: s3cret}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data: {greeting: hello}
---
apiVersion: v1
kind: Secret
metadata: {name: elsewhere-secret}
stringData: {password: other}
---
apiVersion: v1
kind: Secret
metadata: {name: lonely-secret}
stringData: {password: none}
---
apiVersion: v1
kind: Node
metadata: {name: other-node, labels: {team: a}}
---
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  nodeName: ${E2E_NODE}
  containers:
  - name: app
    image: ${IMAGES.busybox}
    command: [sleep, '3600']
    env:
    - name: GREETING
      valueFrom: {configMapKeyRef: {name: app-config, key: greeting}}
    volumeMounts:
    - {name: secret, mountPath: /etc/secret}
    - {name: config, mountPath: /etc/config}
  volumes:
  - name: secret
    secret: {secretName: app-secret}
  - name: config
    configMap: {name: app-config}
---
apiVersion: v1
kind: Pod
metadata: {name: elsewhere}
spec:
  nodeName: other-node
  containers:
  - name: app
    image: ${IMAGES.busybox}
    volumeMounts: [{name: secret, mountPath: /etc/secret}]
  volumes:
  - name: secret
    secret: {secretName: elsewhere-secret}
`,
      ),
    );
  });

  after(() => {
    c?.stop();
    rmSync(credsDir, { recursive: true, force: true });
  });

  test('node-credentials issues system:node:NAME in system:nodes only', async () => {
    const kubeconfig = readFileSync(join(credsDir, 'kubeconfig'), 'utf8');
    assert.doesNotMatch(kubeconfig, /system:masters/);
    const who = JSON.parse(ok(await asNode(KUBECTL, ['auth', 'whoami', '-o', 'json']))) as {
      status: { userInfo: { username: string; groups: string[] } };
    };
    assert.equal(who.status.userInfo.username, USER);
    assert.deepEqual(who.status.userInfo.groups, ['system:nodes', 'system:authenticated']);
  });

  test('auth can-i --list as the node warns that the list is incomplete, as kube does', async () => {
    for (const minor of MINORS) {
      const r = await asNode(minor, ['auth', 'can-i', '--list']);
      assert.equal(r.code, 0, `kubectl 1.${minor}: ${r.stderr}`);
      // (older kubectl capitalises its "Warning:".)
      assert.match(
        r.stderr,
        /^[Ww]arning: the list may be incomplete: node authorizer does not support user rule resolution\n$/,
        `kubectl 1.${minor}`,
      );
      // The rows RBAC grants every authenticated user are still listed; nothing wider.
      assert.match(
        r.stdout,
        /^selfsubjectrulesreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m,
      );
      assert.doesNotMatch(r.stdout, /\[\*\]/);
    }
  });

  test('a pod mounting a secret and a config map runs on the agent outside system:masters', async () => {
    await until('app Running', async () =>
      (await podJson('app')).status.phase === 'Running' ? true : undefined,
    );
    const out = ok(
      await admin([
        'exec',
        'app',
        '--',
        'sh',
        '-c',
        'cat /etc/secret/password /etc/config/greeting; echo " $GREETING"',
      ]),
    );
    // The files have no newline of their own.
    assert.equal(out, 's3crethello hello\n');
  });

  test('the node reads the secret and config map of its pod, not those of other pods', async () => {
    for (const minor of MINORS) {
      const secret = ok(
        await asNode(minor, ['get', 'secret', 'app-secret', '-o', 'jsonpath={.data.password}']),
      );
      assert.equal(Buffer.from(secret, 'base64').toString(), 's3cret', `kubectl 1.${minor}`);
      assert.equal(
        ok(
          await asNode(minor, [
            'get',
            'configmap',
            'app-config',
            '-o',
            'jsonpath={.data.greeting}',
          ]),
        ),
        'hello',
      );
      for (const name of ['elsewhere-secret', 'lonely-secret'])
        await refused(
          minor,
          ['get', 'secret', name],
          `secrets "${name}" is forbidden: User "${USER}" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node '${E2E_NODE}' and this object`,
        );
      await refused(
        minor,
        ['get', 'secrets'],
        `secrets is forbidden: User "${USER}" cannot list resource "secrets" in API group "" in the namespace "default": No Object name found`,
      );
      // Its own pods by field selector; everyone's pods are not its to list.
      const mine = parseTable(
        ok(
          await asNode(minor, ['get', 'pods', '-A', `--field-selector=spec.nodeName=${E2E_NODE}`]),
        ),
      ).map((r) => r['NAME']);
      assert.ok(mine.includes('app') && !mine.includes('elsewhere'), mine.join(' '));
      await refused(
        minor,
        ['get', 'pods', '-A'],
        `pods is forbidden: User "${USER}" cannot list resource "pods" in API group "" at the cluster scope: can only list/watch pods with spec.nodeName field selector`,
      );
    }
  });

  test('writes to another Node and pod creation are refused; nothing changes', async () => {
    const before = ok(await admin(['get', 'node', 'other-node', '-o', 'json']));
    for (const minor of MINORS) {
      // kubectl reads the Node first: the Node authorizer refuses that read.
      for (const verb of [
        ['patch', 'node', 'other-node', '-p', '{"metadata":{"labels":{"team":"b"}}}'],
        ['label', 'node', 'other-node', 'team=b', '--overwrite'],
      ])
        await refused(
          minor,
          verb,
          `nodes "other-node" is forbidden: User "${USER}" cannot get resource "nodes" in API group "" at the cluster scope: node '${E2E_NODE}' cannot read 'other-node', only its own Node object`,
        );
      // Server-side apply writes without reading first: NodeRestriction refuses it.
      await refused(
        minor,
        ['apply', '--server-side', '-f', '-'],
        `nodes "other-node" is forbidden: node "${E2E_NODE}" is not allowed to modify node "other-node"`,
        'apiVersion: v1\nkind: Node\nmetadata: {name: other-node, labels: {team: b}}\n',
      );
      // Creating another Node is NodeRestriction's to refuse.
      await refused(
        minor,
        ['create', '-f', '-'],
        `nodes "third-node" is forbidden: node "${E2E_NODE}" is not allowed to modify node "third-node"`,
        'apiVersion: v1\nkind: Node\nmetadata: {name: third-node}\n',
      );
      await refused(
        minor,
        ['label', 'node', E2E_NODE, 'node-restriction.kubernetes.io/pool=gold'],
        `nodes "${E2E_NODE}" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool`,
      );
      await refused(
        minor,
        ['run', 'intruder', `--image=${IMAGES.busybox}`],
        `pods "intruder" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "${E2E_NODE}" can only create mirror pods`,
      );
      await refused(
        minor,
        ['delete', 'pod', 'elsewhere', '--wait=false'],
        `pods "Unknown" is forbidden: node "${E2E_NODE}" can only delete pods with spec.nodeName set to itself`,
      );
    }
    assert.equal(ok(await admin(['get', 'node', 'other-node', '-o', 'json'])), before);
    const r = await admin(['get', 'pod', 'intruder']);
    assert.match(r.stderr, /pods "intruder" not found/);
    assert.match(
      (await admin(['get', 'node', 'third-node'])).stderr,
      /nodes "third-node" not found/,
    );
    assert.equal(
      ok(
        await admin([
          'get',
          'node',
          E2E_NODE,
          '-o',
          'jsonpath={.metadata.labels.node-restriction\\.kubernetes\\.io/pool}',
        ]),
      ),
      '',
    );
    ok(await admin(['get', 'pod', 'elsewhere']));
  });

  test('tokens only for pods on the node', async () => {
    const app = await podJson('app');
    const elsewhere = await podJson('elsewhere');
    for (const minor of MINORS) {
      const token = ok(
        await asNode(minor, [
          'create',
          'token',
          'default',
          '--bound-object-kind=Pod',
          '--bound-object-name=app',
          `--bound-object-uid=${app.metadata.uid}`,
        ]),
      );
      assert.match(token, /^ey/);
      await refused(
        minor,
        [
          'create',
          'token',
          'default',
          '--bound-object-kind=Pod',
          '--bound-object-name=elsewhere',
          `--bound-object-uid=${elsewhere.metadata.uid}`,
        ],
        'serviceaccounts "Unknown" is forbidden: node requested token bound to a pod scheduled on a different node',
      );
    }
    // No pod of this node runs as `robot`: the graph has no path to it.
    ok(await admin(['create', 'serviceaccount', 'robot']));
    await refused(
      KUBECTL,
      ['create', 'token', 'robot'],
      `serviceaccounts "robot" is forbidden: User "${USER}" cannot create resource "serviceaccounts/token" in API group "" in the namespace "default": no relationship found between node '${E2E_NODE}' and this object`,
    );
  });
});

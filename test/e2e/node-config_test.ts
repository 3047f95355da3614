// End-to-end with the node agent: what a container finds when it starts. The service-account
// volume (and that its token works against the API), configMap/secret/downwardAPI volumes and
// env, service environment variables, init containers, /etc/hosts and resolv.conf, and
// hostNetwork pods. Runs in the cluster's own network namespace (harness.ts).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  hasKubectl,
  nodeSkipReason,
  ok,
  parseTable,
  startNodeCluster,
  type TestCluster,
  until,
} from './harness.js';

const KUBECTL = 33;
const skip = !hasKubectl(KUBECTL) ? 'kubectl 1.33 is not installed' : (nodeSkipReason() ?? false);

describe('what a container finds on a real node', { skip }, () => {
  let c: TestCluster;
  const kubectl = (args: string[], input?: string) =>
    c.kubectl(KUBECTL, args, input === undefined ? {} : { input });
  const apply = async (yaml: string) => ok(await kubectl(['apply', '-f', '-'], yaml));
  const status = async (name: string) =>
    parseTable(ok(await kubectl(['get', 'pod', name])))[0]?.['STATUS'];
  const running = (name: string) =>
    until(`${name} Running`, async () => ((await status(name)) === 'Running' ? true : undefined));
  const sh = async (name: string, script: string) =>
    ok(await kubectl(['exec', name, '--', 'sh', '-c', script]));

  before(async () => {
    const images = await ensureTestImages({ images: [IMAGES.busybox] });
    c = startNodeCluster({ images: [images.archives[IMAGES.busybox]!] });
  });

  after(() => c?.stop());

  test('the service-account volume: namespace, ca.crt, and a token the API accepts', async () => {
    ok(await kubectl(['run', 'sa', `--image=${IMAGES.busybox}`, '--', 'sleep', '3600']));
    await running('sa');
    const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
    assert.equal(await sh('sa', `ls ${dir}`), 'ca.crt\nnamespace\ntoken\n');
    assert.equal(await sh('sa', `cat ${dir}/namespace`), 'default');
    const ca = await sh('sa', `cat ${dir}/ca.crt`);
    assert.match(ca, /^-----BEGIN CERTIFICATE-----\n/);
    const token = await sh('sa', `cat ${dir}/token`);
    const who = await c.kubectlBare(KUBECTL, [
      `--server=${c.server}`,
      `--certificate-authority=${c.caPath}`,
      `--token=${token}`,
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username}',
    ]);
    assert.equal(ok(who), 'system:serviceaccount:default:default');
  });

  test('automountServiceAccountToken: false leaves the volume out', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata:
  name: no-sa
spec:
  automountServiceAccountToken: false
  containers:
  - name: c
    image: ${IMAGES.busybox}
    command: ["sleep", "3600"]
`);
    await running('no-sa');
    const r = await kubectl(['exec', 'no-sa', '--', 'ls', '/var/run/secrets/kubernetes.io']);
    assert.notEqual(r.code, 0);
  });

  test('configMap, secret and downwardAPI volumes and env; service variables', async () => {
    ok(await kubectl(['create', 'configmap', 'app-config', '--from-literal=greeting=hello']));
    ok(
      await kubectl([
        'create',
        'secret',
        'generic',
        'app-secret',
        '--from-literal=password=s3cr3t',
      ]),
    );
    ok(await kubectl(['create', 'service', 'clusterip', 'kubia', '--tcp=80:8080']));
    const ip = ok(await kubectl(['get', 'svc', 'kubia', '-o', 'jsonpath={.spec.clusterIP}']));
    await apply(`apiVersion: v1
kind: Pod
metadata:
  name: configured
  labels:
    tier: backend
spec:
  containers:
  - name: c
    image: ${IMAGES.busybox}
    command: ["sleep", "3600"]
    env:
    - name: GREETING
      valueFrom:
        configMapKeyRef: {name: app-config, key: greeting}
    - name: PASSWORD
      valueFrom:
        secretKeyRef: {name: app-secret, key: password}
    - name: POD_NAME
      valueFrom:
        fieldRef: {fieldPath: metadata.name}
    - name: MESSAGE
      value: "$(GREETING) from $(POD_NAME)"
    volumeMounts:
    - {name: config, mountPath: /etc/config}
    - {name: secret, mountPath: /etc/secret}
    - {name: info, mountPath: /etc/podinfo}
  volumes:
  - name: config
    configMap: {name: app-config}
  - name: secret
    secret: {secretName: app-secret, defaultMode: 0400}
  - name: info
    downwardAPI:
      items:
      - path: labels
        fieldRef: {fieldPath: metadata.labels}
`);
    await running('configured');
    assert.equal(
      await sh('configured', 'echo "$MESSAGE|$PASSWORD"'),
      'hello from configured|s3cr3t\n',
    );
    assert.equal(await sh('configured', 'cat /etc/config/greeting'), 'hello');
    assert.equal(await sh('configured', 'cat /etc/secret/password'), 's3cr3t');
    assert.equal(await sh('configured', 'stat -L -c %a /etc/secret/password'), '400\n');
    assert.equal(await sh('configured', 'cat /etc/podinfo/labels'), 'tier="backend"');
    // The service existed before the pod: its variables, docker-link style too.
    assert.equal(
      await sh('configured', 'echo $KUBIA_SERVICE_HOST:$KUBIA_SERVICE_PORT $KUBIA_PORT'),
      `${ip}:80 tcp://${ip}:80\n`,
    );
    assert.equal(await sh('configured', 'echo $KUBERNETES_SERVICE_PORT'), '443\n');

    // A changed ConfigMap reaches the volume (not the environment), swapped in atomically.
    ok(await kubectl(['patch', 'configmap', 'app-config', '-p', '{"data":{"greeting":"hi"}}']));
    await until(
      'the new value in the volume',
      async () =>
        (await sh('configured', 'cat /etc/config/greeting')) === 'hi' ? true : undefined,
      40_000,
    );
    assert.equal(await sh('configured', 'echo $GREETING'), 'hello\n');
    assert.match(await sh('configured', 'ls -a /etc/config'), /\.\.data\n/);
  });

  test('init containers run in order first: Init:0/2, then Running', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata:
  name: with-init
spec:
  volumes:
  - name: work
    emptyDir: {}
  initContainers:
  - name: first
    image: ${IMAGES.busybox}
    command: ["sh", "-c", "sleep 2; echo first >> /work/order"]
    volumeMounts: [{name: work, mountPath: /work}]
  - name: second
    image: ${IMAGES.busybox}
    command: ["sh", "-c", "echo second >> /work/order"]
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: app
    image: ${IMAGES.busybox}
    command: ["sh", "-c", "echo app >> /work/order; sleep 3600"]
    volumeMounts: [{name: work, mountPath: /work}]
`);
    const seen = new Set<string>();
    await until('with-init Running', async () => {
      const s = (await status('with-init')) ?? '';
      seen.add(s);
      return s === 'Running' ? true : undefined;
    });
    assert.ok(seen.has('Init:0/2'), [...seen].join(','));
    assert.equal(await sh('with-init', 'cat /work/order'), 'first\nsecond\napp\n');
    const init = ok(
      await kubectl([
        'get',
        'pod',
        'with-init',
        '-o',
        'jsonpath={range .status.initContainerStatuses[*]}{.name}={.state.terminated.reason} {end}',
      ]),
    );
    assert.equal(init, 'first=Completed second=Completed ');
  });

  test('/etc/hosts, hostname and resolv.conf as the kubelet writes them', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata:
  name: named
spec:
  hostname: web-0
  subdomain: web
  hostAliases:
  - ip: "10.1.2.3"
    hostnames: ["alias.example"]
  containers:
  - name: c
    image: ${IMAGES.busybox}
    command: ["sleep", "3600"]
`);
    await running('named');
    const podIP = ok(await kubectl(['get', 'pod', 'named', '-o', 'jsonpath={.status.podIP}']));
    assert.equal(await sh('named', 'hostname'), 'web-0\n');
    const hosts = await sh('named', 'cat /etc/hosts');
    assert.match(
      hosts,
      new RegExp(
        `^${podIP.replace(/\./g, '\\.')}\\tweb-0\\.web\\.default\\.svc\\.cluster\\.local\\tweb-0$`,
        'm',
      ),
    );
    assert.match(hosts, /^10\.1\.2\.3\talias\.example$/m);
    assert.equal(
      await sh('named', 'cat /etc/resolv.conf'),
      'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
    );
  });

  test('securityContext users and an in-memory emptyDir', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata:
  name: secured
spec:
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
  volumes:
  - name: scratch
    emptyDir:
      medium: Memory
  containers:
  - name: c
    image: ${IMAGES.busybox}
    command: ["sleep", "3600"]
    volumeMounts: [{name: scratch, mountPath: /scratch}]
`);
    await running('secured');
    assert.equal(await sh('secured', 'id -u; id -g'), '1000\n3000\n');
    assert.match(await sh('secured', 'grep " /scratch " /proc/mounts'), /^tmpfs \/scratch tmpfs /);
  });

  test("a pod's containers share /dev/shm and the IPC namespace", async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata:
  name: ipc-pair
spec:
  containers:
  - name: a
    image: ${IMAGES.busybox}
    command: ["sleep", "3600"]
  - name: b
    image: ${IMAGES.busybox}
    command: ["sleep", "3600"]
`);
    await running('ipc-pair');
    const inC = async (container: string, script: string) =>
      ok(await kubectl(['exec', 'ipc-pair', '-c', container, '--', 'sh', '-c', script]));
    await inC('a', 'echo shared > /dev/shm/note');
    assert.equal(await inC('b', 'cat /dev/shm/note'), 'shared\n');
    assert.match(await inC('b', 'grep " /dev/shm " /proc/mounts'), /tmpfs .*size=65536k/);
    const nsA = await inC('a', 'readlink /proc/self/ns/ipc');
    assert.equal(await inC('b', 'readlink /proc/self/ns/ipc'), nsA);
    // Another pod has its own.
    assert.notEqual(await sh('sa', 'readlink /proc/self/ns/ipc'), nsA);
  });

  test('a hostNetwork pod shares the node network namespace', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata:
  name: host-net
spec:
  hostNetwork: true
  containers:
  - name: c
    image: ${IMAGES.busybox}
    command: ["sleep", "3600"]
`);
    await running('host-net');
    const ips = ok(
      await kubectl(['get', 'pod', 'host-net', '-o', 'jsonpath={.status.podIP} {.status.hostIP}']),
    ).split(' ');
    assert.equal(ips[0], ips[1]);
    // The node's bridge is visible from inside.
    assert.match(await sh('host-net', 'ip -o link show'), /skiff0/);
  });
});

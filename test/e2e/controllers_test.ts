// End-to-end: the workload controllers as the real kubectl sees them. There is no node agent
// yet, so the test stands in for one: it registers a Node, renews its Lease and writes each
// pod's status once the scheduler binds it (a small "fake kubelet"). kubectl 1.33 runs every
// scenario; kubectl 1.27 the seed-004 expose and rollout basics.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../support/eventually.js';
import type { KubeObject } from '../../src/api/types.js';
import {
  createClient,
  createHttpsTransport,
  createInformer,
  isAlreadyExists,
  isConflict,
  isNotFound,
  resourcePath,
  resources,
  type Client,
} from '../../src/client/index.js';
import {
  esc,
  hasKubectl,
  ok,
  parseTable,
  startCluster,
  type RunResult,
  type TestCluster,
} from './harness.js';
import { formatTime } from '../../src/api/time.js';

const NODE = 'node-1';
/** A node registered once whose Lease is never renewed: the node lifecycle controller's case. */
const SILENT_NODE = 'node-silent';
const SILENT_TAINT = 'skiff.test/silent';
/** Pods whose image has this tag never become ready (a rollout that cannot finish). */
const UNREADY_TAG = ':unready';

const micro = (d: Date): string => d.toISOString().replace(/Z$/, '000Z');

// ---------------------------------------------------------------------------------------------
// The fake kubelet

async function registerNode(
  client: Client,
  name: string,
  internalIP: string,
  taints: { key: string; effect: string }[] = [],
): Promise<void> {
  await client.create(resources.nodes, '', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
      },
    },
    spec: {
      podCIDR: '10.244.0.0/24',
      podCIDRs: ['10.244.0.0/24'],
      ...(taints.length ? { taints } : {}),
    },
  });
  const t = formatTime(new Date());
  const cond = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastHeartbeatTime: t,
    lastTransitionTime: t,
    reason,
    message,
  });
  const capacity = { cpu: '8', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  await client.patch(
    resources.nodes,
    '',
    name,
    'strategic',
    {
      status: {
        capacity,
        allocatable: capacity,
        conditions: [
          cond(
            'MemoryPressure',
            'False',
            'KubeletHasSufficientMemory',
            'kubelet has sufficient memory available',
          ),
          cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
          cond(
            'PIDPressure',
            'False',
            'KubeletHasSufficientPID',
            'kubelet has sufficient PID available',
          ),
          cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
        ],
        addresses: [
          { type: 'InternalIP', address: internalIP },
          { type: 'Hostname', address: name },
        ],
        nodeInfo: {
          kubeletVersion: 'v1.33.0',
          kubeProxyVersion: 'v1.33.0',
          containerRuntimeVersion: 'containerd://1.7.0',
          operatingSystem: 'linux',
          architecture: 'amd64',
          osImage: 'Debian GNU/Linux 12 (bookworm)',
          kernelVersion: '6.1.0',
          machineID: '',
          systemUUID: '',
          bootID: '',
        },
      },
    },
    { subresource: 'status' },
  );
}

async function renewLease(client: Client, node: string): Promise<void> {
  const spec = { holderIdentity: node, leaseDurationSeconds: 40, renewTime: micro(new Date()) };
  try {
    await client.patch(resources.leases, 'kube-node-lease', node, 'merge', { spec });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    try {
      await client.create(resources.leases, 'kube-node-lease', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: node, namespace: 'kube-node-lease' },
        spec,
      });
    } catch (e2) {
      if (!isAlreadyExists(e2)) throw e2;
    }
  }
}

interface PodSpec {
  nodeName?: string;
  containers: { name: string; image: string }[];
}

/** What a kubelet reports for a running pod (`pods/NAME/status`). */
async function writePodStatus(
  client: Client,
  pod: KubeObject,
  o: { hostIP: string; podIP: string; started: string; ready: boolean; since: string },
): Promise<void> {
  const uid = pod.metadata.uid ?? '';
  const spec = pod['spec'] as PodSpec;
  const status = o.ready ? 'True' : 'False';
  const names = spec.containers.map((c) => c.name).join(' ');
  const why = o.ready
    ? {}
    : { reason: 'ContainersNotReady', message: `containers with unready status: [${names}]` };
  const cond = (type: string, s: string, since: string, extra = {}) => ({
    type,
    status: s,
    lastProbeTime: null,
    lastTransitionTime: since,
    ...extra,
  });
  try {
    await client.patch(
      resources.pods,
      pod.metadata.namespace ?? '',
      pod.metadata.name ?? '',
      'strategic',
      {
        status: {
          phase: 'Running',
          hostIP: o.hostIP,
          hostIPs: [{ ip: o.hostIP }],
          podIP: o.podIP,
          podIPs: [{ ip: o.podIP }],
          startTime: o.started,
          conditions: [
            cond('Initialized', 'True', o.started),
            cond('Ready', status, o.since, why),
            cond('ContainersReady', status, o.since, why),
            cond('PodScheduled', 'True', o.started),
          ],
          containerStatuses: spec.containers.map((c, i) => ({
            name: c.name,
            image: c.image,
            imageID: `${c.image}@sha256:${'0'.repeat(64)}`,
            containerID: `containerd://${uid.replace(/-/g, '')}${i}`,
            ready: o.ready,
            started: true,
            restartCount: 0,
            state: { running: { startedAt: o.started } },
            lastState: {},
          })),
        },
      },
      { subresource: 'status' },
    );
  } catch (e) {
    // The pod went away (or changed) meanwhile: its next event brings it back here.
    if (!isNotFound(e) && !isConflict(e)) throw e;
  }
}

interface FakeKubelet {
  /** Rewrites a running pod's Ready and ContainersReady conditions. */
  setReady(namespace: string, name: string, ready: boolean): Promise<void>;
  stop(): void;
}

/**
 * Plays the node agent for NODE: every pod bound to it gets phase Running, an IP from
 * 10.244.0.0/24 and ready containers (unless its image is tagged UNREADY_TAG); a pod being
 * deleted gracefully is finished at once (delete with grace period 0), as the kubelet does
 * once its containers have stopped.
 */
async function startFakeKubelet(client: Client): Promise<FakeKubelet> {
  const ac = new AbortController();
  await registerNode(client, NODE, '192.0.2.10');
  await renewLease(client, NODE);
  const lease = setInterval(() => void renewLease(client, NODE).catch(() => undefined), 5000);

  const free: number[] = [];
  let next = 2;
  const ips = new Map<string, string>(); // pod uid → IP
  const started = new Map<string, string>(); // pod uid → start time
  const ready = new Map<string, { ready: boolean; since: string }>();
  const finishing = new Set<string>();

  const writeStatus = async (pod: KubeObject): Promise<void> => {
    const uid = pod.metadata.uid ?? '';
    const t = started.get(uid) ?? formatTime(new Date());
    const r = ready.get(uid) ?? { ready: false, since: t };
    await writePodStatus(client, pod, {
      hostIP: '192.0.2.10',
      podIP: ips.get(uid) ?? '',
      started: t,
      ...r,
    });
  };

  const handle = (pod: KubeObject): void => {
    const uid = pod.metadata.uid ?? '';
    if (pod.metadata.deletionTimestamp) {
      if (finishing.has(uid)) return;
      finishing.add(uid);
      // A DELETE without a body: the client's HTTPS transport cannot send DeleteOptions yet.
      // On failure, the pod's next event tries again.
      const path = resourcePath(resources.pods, pod.metadata.namespace, pod.metadata.name);
      void client.raw('DELETE', `${path}?gracePeriodSeconds=0`).catch(() => finishing.delete(uid));
      return;
    }
    if (ips.has(uid)) return;
    const n = free.shift() ?? next++;
    if (n > 254) throw new Error('fake kubelet: 10.244.0.0/24 is full');
    ips.set(uid, `10.244.0.${n}`);
    const t = formatTime(new Date());
    started.set(uid, t);
    const unready = (pod['spec'] as PodSpec).containers.some((c) => c.image.endsWith(UNREADY_TAG));
    ready.set(uid, { ready: !unready, since: t });
    void writeStatus(pod).catch(() => undefined);
  };
  const release = (pod: KubeObject): void => {
    const uid = pod.metadata.uid ?? '';
    const ip = ips.get(uid);
    if (ip) free.push(Number(ip.split('.')[3]));
    for (const m of [ips, started, ready]) m.delete(uid);
    finishing.delete(uid);
  };

  const pods = createInformer({
    client,
    resource: resources.pods,
    fieldSelector: `spec.nodeName=${NODE}`,
    signal: ac.signal,
  });
  pods.on({ add: handle, update: (_old, pod) => handle(pod), delete: release });
  await pods.synced();

  return {
    async setReady(namespace, name, isReady) {
      const pod = pods.get(namespace, name);
      const uid = pod?.metadata.uid ?? '';
      if (!pod || !ips.has(uid)) throw new Error(`fake kubelet does not run ${namespace}/${name}`);
      ready.set(uid, { ready: isReady, since: formatTime(new Date()) });
      await writeStatus(pod);
    },
    stop() {
      clearInterval(lease);
      ac.abort();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Cluster and helpers

let c: TestCluster;
let client: Client;
let kubelet: FakeKubelet;
// The client's HTTP/2 session is unreferenced whenever one of its streams closes, even with
// others in flight; while only that session is waiting, this keeps the test process alive.
let keepAlive: NodeJS.Timeout | undefined;

before(async () => {
  keepAlive = setInterval(() => undefined, 1000);
  c = startCluster();
  const pki = join(c.dataDir, 'pki');
  client = createClient(
    createHttpsTransport({
      server: c.server,
      ca: readFileSync(join(pki, 'ca.crt'), 'utf8'),
      cert: readFileSync(join(pki, 'admin.crt'), 'utf8'),
      key: readFileSync(join(pki, 'admin.key'), 'utf8'),
    }),
  );
  // The silent node first: its grace period runs while the other tests do.
  await registerNode(client, SILENT_NODE, '192.0.2.11', [
    { key: SILENT_TAINT, effect: 'NoSchedule' },
  ]);
  await renewLease(client, SILENT_NODE);
  kubelet = await startFakeKubelet(client);
});
after(() => {
  clearInterval(keepAlive);
  kubelet?.stop();
  client?.transport.close();
  c?.stop();
});

/** `eventually` with this suite's pace: kubectl round trips, so a longer default and fewer polls. */
const until = <T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> => eventually(check, what, { timeoutMs, intervalMs: 100 });

type Kubectl = (...args: string[]) => Promise<RunResult>;
const kubectlIn =
  (v: number, ns: string): Kubectl =>
  (...args) =>
    c.kubectl(v, ['-n', ns, ...args]);

/** Runs kubectl and returns its stdout, failing the test on a non-zero exit. */
async function run(k: Kubectl, ...args: string[]): Promise<string> {
  return ok(await k(...args), `kubectl ${args.join(' ')}`);
}

interface PodView {
  name: string;
  phase: string;
  ip: string;
  node: string;
  ready: boolean;
  deleting: boolean;
  image: string;
}

async function pods(k: Kubectl, selector?: string): Promise<PodView[]> {
  const out = await run(k, 'get', 'pods', ...(selector ? ['-l', selector] : []), '-o', 'json');
  const list = JSON.parse(out) as { items: KubeObject[] };
  return list.items.map((p) => {
    const status = (p['status'] ?? {}) as {
      phase?: string;
      podIP?: string;
      conditions?: { type: string; status: string }[];
    };
    const spec = p['spec'] as PodSpec;
    return {
      name: p.metadata.name ?? '',
      phase: status.phase ?? '',
      ip: status.podIP ?? '',
      node: spec.nodeName ?? '',
      ready: status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false,
      deleting: Boolean(p.metadata.deletionTimestamp),
      image: spec.containers[0]?.image ?? '',
    };
  });
}

/** Waits until exactly `n` pods match, all Running and Ready, and returns them. */
function runningPods(
  k: Kubectl,
  selector: string,
  n: number,
  timeoutMs?: number,
): Promise<PodView[]> {
  return until(
    async () => {
      const ps = (await pods(k, selector)).filter((p) => !p.deleting);
      return ps.length === n && ps.every((p) => p.phase === 'Running' && p.ready) && ps;
    },
    `${n} running, ready pods with ${selector}`,
    timeoutMs,
  );
}

async function jsonpath(k: Kubectl, kind: string, name: string, path: string): Promise<string> {
  return run(k, 'get', kind, name, '-o', `jsonpath=${path}`);
}

/** Endpoints' ready addresses as `ip:port` sorted, as kubectl prints them. */
async function endpointsOf(k: Kubectl, name: string): Promise<string> {
  const rows = parseTable(await run(k, 'get', 'endpoints', name));
  return rows[0]?.['ENDPOINTS'] ?? '';
}

/** Every ready `ip:port` of an Endpoints object, sorted. */
async function readyAddresses(k: Kubectl, name: string): Promise<string> {
  const out = await jsonpath(
    k,
    'endpoints',
    name,
    '{range .subsets[*]}{range .addresses[*]}{.ip}{" "}{end}{"/"}{.ports[0].port}{"\\n"}{end}',
  );
  return out
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      const [ips = '', port = ''] = line.split('/');
      return ips
        .split(' ')
        .filter(Boolean)
        .map((ip) => `${ip}:${port}`);
    })
    .sort()
    .join(',');
}

const sortedIps = (ps: PodView[], port: number): string =>
  ps
    .map((p) => `${p.ip}:${port}`)
    .sort()
    .join(',');
const sortedCsv = (s: string): string => s.split(',').sort().join(',');

async function createNamespace(v: number, ns: string): Promise<void> {
  ok(await c.kubectl(v, ['create', 'namespace', ns]));
}

const HELLO_IMAGE = 'gcr.io/google-samples/node-hello:1.0';
const HELLO_IMAGE_2 = 'gcr.io/google-samples/node-hello:2.0';

/** Seed 004's hello-application.yaml. */
const HELLO_APPLICATION = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello-world
spec:
  selector:
    matchLabels:
      run: load-balancer-example
  replicas: 2
  template:
    metadata:
      labels:
        run: load-balancer-example
    spec:
      containers:
        - name: hello-world
          image: ${HELLO_IMAGE}
          ports:
            - containerPort: 8080
              protocol: TCP
`;

/** Seed 001's kubia ReplicationController and Service. */
const KUBIA_RC = `apiVersion: v1
kind: ReplicationController
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: luksa/kubia
        ports:
        - containerPort: 8080
`;
const KUBIA_SVC = `apiVersion: v1
kind: Service
metadata:
  name: kubia
spec:
  ports:
  - port: 80
    targetPort: 8080
  selector:
    app: kubia
`;

/** `kubectl describe services example-service` as kubectl 1.<v> prints it. */
function describeServiceLines(
  v: number,
  o: {
    ns: string;
    labels: string;
    selector: string;
    ip: string;
    nodePort: number;
    endpoints: string;
  },
): string {
  // The key column fits "External Traffic Policy:" in every version.
  const kv = (key: string, value: string): string => `${key}:`.padEnd(26) + value;
  return [
    kv('Name', 'example-service'),
    kv('Namespace', o.ns),
    kv('Labels', o.labels),
    kv('Annotations', '<none>'),
    kv('Selector', o.selector),
    kv('Type', 'NodePort'),
    kv('IP Family Policy', 'SingleStack'),
    kv('IP Families', 'IPv4'),
    kv('IP', o.ip),
    kv('IPs', o.ip),
    kv('Port', '<unset>  8080/TCP'),
    kv('TargetPort', '8080/TCP'),
    kv('NodePort', `<unset>  ${o.nodePort}/TCP`),
    kv('Endpoints', o.endpoints),
    kv('Session Affinity', 'None'),
    kv('External Traffic Policy', 'Cluster'),
    ...(v >= 31 ? [kv('Internal Traffic Policy', 'Cluster')] : []),
    kv('Events', '<none>'),
    '',
  ].join('\n');
}

async function describeExampleService(
  v: number,
  k: Kubectl,
  ns: string,
  labels: string,
  selector: string,
  endpoints: string,
): Promise<void> {
  const svc = JSON.parse(await run(k, 'get', 'service', 'example-service', '-o', 'json')) as {
    spec: { clusterIP: string; ports: { nodePort: number }[] };
  };
  const nodePort = svc.spec.ports[0]?.nodePort ?? 0;
  assert.ok(nodePort >= 30000 && nodePort <= 32767, `node port ${nodePort}`);
  const want = describeServiceLines(v, {
    ns,
    labels,
    selector,
    ip: svc.spec.clusterIP,
    nodePort,
    endpoints,
  });
  // The Endpoints line follows the controllers; give them a moment after the pods are ready.
  // The order of addresses follows the controller's hashing; compare them as a set.
  const norm = (text: string): string =>
    text.replace(
      /^(Endpoints:\s+)(.*)$/m,
      (_m, head: string, list: string) => head + list.split(',').sort().join(','),
    );
  let out = '';
  await until(async () => {
    out = await run(k, 'describe', 'services', 'example-service');
    return norm(out) === norm(want);
  }, 'describe services example-service').catch(() => assert.equal(norm(out), norm(want)));
}

// ---------------------------------------------------------------------------------------------

describe('workload controllers with kubectl', { concurrency: true }, () => {
  test(
    'seed 004: hello-world from its manifest, exposed as example-service (kubectl 1.33)',
    { skip: !hasKubectl(33) },
    async () => {
      const k = kubectlIn(33, 'default');
      const manifest = c.file('004/hello-application.yaml', HELLO_APPLICATION);
      assert.equal(await run(k, 'apply', '-f', manifest), 'deployment.apps/hello-world created\n');
      const ps = await runningPods(k, 'run=load-balancer-example', 2);
      assert.ok(ps.every((p) => p.node === NODE && /^10\.244\.0\.\d+$/.test(p.ip)));

      await until(async () => {
        const rows = parseTable(await run(k, 'get', 'deployments', 'hello-world'));
        return (
          rows[0]?.['READY'] === '2/2' &&
          rows[0]['UP-TO-DATE'] === '2' &&
          rows[0]['AVAILABLE'] === '2'
        );
      }, 'hello-world 2/2 ready');
      const rs = parseTable(await run(k, 'get', 'replicasets'));
      assert.equal(rs.length, 1);
      assert.match(rs[0]?.['NAME'] ?? '', /^hello-world-[a-z0-9]{8,10}$/);
      assert.deepEqual([rs[0]?.['DESIRED'], rs[0]?.['CURRENT'], rs[0]?.['READY']], ['2', '2', '2']);

      assert.equal(
        await run(
          k,
          'expose',
          'deployment',
          'hello-world',
          '--type=NodePort',
          '--name=example-service',
        ),
        'service/example-service exposed\n',
      );
      // The seed's output shows Labels run=load-balancer-example; expose copies the deployment's
      // own labels, and the seed's manifest gives the deployment none, so kube prints <none>.
      await describeExampleService(
        33,
        k,
        'default',
        '<none>',
        'run=load-balancer-example',
        sortedIps(ps, 8080),
      );

      // kubectl get pods --selector="run=load-balancer-example" --output=wide
      const wide = parseTable(
        await run(k, 'get', 'pods', '--selector=run=load-balancer-example', '--output=wide'),
      );
      assert.equal(wide.length, 2);
      for (const row of wide) {
        const p = ps.find((x) => x.name === row['NAME']);
        assert.ok(p, `pod ${row['NAME']}`);
        assert.deepEqual(
          [row['READY'], row['STATUS'], row['IP'], row['NODE']],
          ['1/1', 'Running', p.ip, NODE],
        );
      }

      assert.equal(
        await run(k, 'delete', 'services', 'example-service'),
        'service "example-service" deleted\n',
      );
      assert.equal(
        await run(k, 'delete', 'deployment', 'hello-world'),
        'deployment.apps "hello-world" deleted\n',
      );
      let left: PodView[] = [];
      await until(
        async () => (left = await pods(k, 'run=load-balancer-example')).length === 0,
        'pods gone',
      ).catch(async (e) => {
        throw new Error(
          `${e}: ${JSON.stringify(left)} ${JSON.stringify(parseTable(ok(await k('get', 'rs'))))}`,
        );
      });
      assert.equal(await run(k, 'get', 'replicasets', '-o', 'name'), '');
      const missing = await k('get', 'endpoints', 'example-service');
      assert.match(missing.stderr, /endpoints "example-service" not found/);
    },
  );

  for (const v of [27, 33]) {
    test(
      `create deployment, expose, rollout status and set image (kubectl 1.${v})`,
      { skip: !hasKubectl(v) },
      async () => {
        const ns = `hello-${v}`;
        await createNamespace(v, ns);
        const k = kubectlIn(v, ns);
        assert.equal(
          await run(
            k,
            'create',
            'deployment',
            'hello-world',
            `--image=${HELLO_IMAGE}`,
            '--replicas=2',
            '--port=8080',
          ),
          'deployment.apps/hello-world created\n',
        );
        const status = await run(k, 'rollout', 'status', 'deployment/hello-world', '--timeout=30s');
        assert.match(status, /deployment "hello-world" successfully rolled out\n$/);
        // rollout status returns only once the pods are up: both are running and ready now.
        const ps = await runningPods(k, 'app=hello-world', 2, 1000);

        assert.equal(
          await run(
            k,
            'expose',
            'deployment',
            'hello-world',
            '--type=NodePort',
            '--name=example-service',
          ),
          'service/example-service exposed\n',
        );
        await describeExampleService(
          v,
          k,
          ns,
          'app=hello-world',
          'app=hello-world',
          sortedIps(ps, 8080),
        );

        // A new image: a second replica set takes over, the old one scales to zero.
        const setOut = await run(
          k,
          'set',
          'image',
          'deployment/hello-world',
          `node-hello=${HELLO_IMAGE_2}`,
        );
        assert.equal(setOut, 'deployment.apps/hello-world image updated\n');
        const status2 = await run(
          k,
          'rollout',
          'status',
          'deployment/hello-world',
          '--timeout=30s',
        );
        assert.match(status2, /deployment "hello-world" successfully rolled out\n$/);
        const after = await runningPods(k, 'app=hello-world', 2, 2000);
        assert.ok(after.every((p) => p.image === HELLO_IMAGE_2));
        const rss = parseTable(await run(k, 'get', 'rs', '-l', 'app=hello-world'));
        assert.deepEqual(rss.map((r) => r['DESIRED']).sort(), ['0', '2']);
        await until(
          async () => sortedCsv(await endpointsOf(k, 'example-service')) === sortedIps(after, 8080),
          'endpoints of the new pods',
        );

        // A rollout whose pods never become ready does not complete: rollout status times out.
        ok(
          await k(
            'set',
            'image',
            'deployment/hello-world',
            `node-hello=gcr.io/google-samples/node-hello${UNREADY_TAG}`,
          ),
        );
        const stuck = await k('rollout', 'status', 'deployment/hello-world', '--timeout=2s');
        assert.notEqual(stuck.code, 0, stuck.stdout);
        assert.match(
          stuck.stdout,
          /Waiting for deployment "hello-world" rollout to finish: 1 out of 2 new replicas have been updated\.\.\./,
        );
        assert.match(stuck.stderr, /timed out waiting for the condition/);
        // maxUnavailable 25% of 2 rounds down to 0: both old pods keep serving.
        assert.equal(sortedCsv(await endpointsOf(k, 'example-service')), sortedIps(after, 8080));
        assert.equal(
          await run(k, 'rollout', 'undo', 'deployment/hello-world'),
          'deployment.apps/hello-world rolled back\n',
        );
        assert.match(
          await run(k, 'rollout', 'status', 'deployment/hello-world', '--timeout=30s'),
          /deployment "hello-world" successfully rolled out\n$/,
        );
        const undone = await runningPods(k, 'app=hello-world', 2, 5000);
        assert.ok(undone.every((p) => p.image === HELLO_IMAGE_2));
      },
    );
  }

  test(
    'rollout history, undo, pause, resume, restart and scale (kubectl 1.33)',
    { skip: !hasKubectl(33) },
    async () => {
      const ns = 'rollout-33';
      await createNamespace(33, ns);
      const k = kubectlIn(33, ns);
      const rolledOut = async (): Promise<void> => {
        assert.match(
          await run(k, 'rollout', 'status', 'deployment/web', '--timeout=30s'),
          /deployment "web" successfully rolled out\n$/,
        );
      };
      const images = async (n: number, image: string): Promise<PodView[]> =>
        until(async () => {
          const ps = await runningPods(k, 'app=web', n);
          return ps.every((p) => p.image === image) && ps;
        }, `${n} pods of ${image}`);

      ok(await k('create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=2'));
      await rolledOut();
      ok(await k('set', 'image', 'deployment/web', 'nginx=nginx:1.26'));
      await rolledOut();
      await images(2, 'nginx:1.26');
      assert.equal(
        await run(k, 'rollout', 'history', 'deployment/web'),
        'deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n',
      );
      const rev2 = await run(k, 'rollout', 'history', 'deployment/web', '--revision=2');
      assert.match(rev2, /^deployment\.apps\/web with revision #2\nPod Template:\n/);
      assert.match(rev2, /\n {4}Image:\tnginx:1\.26\n/);

      // undo to revision 1: its template comes back as revision 3.
      assert.equal(
        await run(k, 'rollout', 'undo', 'deployment/web', '--to-revision=1'),
        'deployment.apps/web rolled back\n',
      );
      await rolledOut();
      await images(2, 'nginx:1.25');
      assert.equal(
        await run(k, 'rollout', 'history', 'deployment/web'),
        'deployment.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n',
      );

      // Paused: a template change makes no new replica set until resumed.
      assert.equal(
        await run(k, 'rollout', 'pause', 'deployment/web'),
        'deployment.apps/web paused\n',
      );
      ok(await k('set', 'image', 'deployment/web', 'nginx=nginx:1.27'));
      await until(
        async () =>
          (await jsonpath(
            k,
            'deployment',
            'web',
            '{.status.conditions[?(@.type=="Progressing")].reason}',
          )) === 'DeploymentPaused',
        'Progressing reason DeploymentPaused',
      );
      const generation = await jsonpath(k, 'deployment', 'web', '{.metadata.generation}');
      await until(
        async () =>
          (await jsonpath(k, 'deployment', 'web', '{.status.observedGeneration}')) === generation,
        'the paused change observed',
      );
      assert.equal(parseTable(await run(k, 'get', 'rs', '-l', 'app=web')).length, 2);
      assert.ok((await pods(k, 'app=web')).every((p) => p.image === 'nginx:1.25'));
      assert.equal(
        await run(k, 'rollout', 'resume', 'deployment/web'),
        'deployment.apps/web resumed\n',
      );
      await rolledOut();
      const resumed = await images(2, 'nginx:1.27');

      // restart: every pod replaced, the template stamped with restartedAt.
      assert.equal(
        await run(k, 'rollout', 'restart', 'deployment/web'),
        'deployment.apps/web restarted\n',
      );
      await rolledOut();
      const restarted = await images(2, 'nginx:1.27');
      assert.ok(restarted.every((p) => !resumed.some((r) => r.name === p.name)));
      assert.match(
        await jsonpath(
          k,
          'deployment',
          'web',
          '{.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}',
        ),
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/,
      );

      // scale up and down.
      assert.equal(
        await run(k, 'scale', 'deployment/web', '--replicas=4'),
        'deployment.apps/web scaled\n',
      );
      await runningPods(k, 'app=web', 4);
      await until(
        async () => parseTable(await run(k, 'get', 'deployment', 'web'))[0]?.['READY'] === '4/4',
        'READY 4/4',
      );
      assert.equal(
        await run(k, 'scale', 'deployment', 'web', '--replicas=1'),
        'deployment.apps/web scaled\n',
      );
      await runningPods(k, 'app=web', 1);
      await until(
        async () => parseTable(await run(k, 'get', 'deployment', 'web'))[0]?.['READY'] === '1/1',
        'READY 1/1',
      );
      const events = await run(
        k,
        'get',
        'events',
        '--field-selector',
        'involvedObject.kind=Deployment',
      );
      assert.match(
        events,
        /ScalingReplicaSet +deployment\/web +Scaled down replica set web-[a-z0-9]+ from 4 to 1/,
      );
    },
  );

  test(
    'seed 001: the kubia replication controller and its endpoints (kubectl 1.33)',
    { skip: !hasKubectl(33) },
    async () => {
      const ns = 'kubia';
      await createNamespace(33, ns);
      const k = kubectlIn(33, ns);
      assert.equal(
        await run(k, 'create', '-f', c.file('kubia/rc.yaml', KUBIA_RC)),
        'replicationcontroller/kubia created\n',
      );
      assert.equal(
        await run(k, 'create', '-f', c.file('kubia/svc.yaml', KUBIA_SVC)),
        'service/kubia created\n',
      );
      const first = await runningPods(k, 'app=kubia', 3);
      await until(async () => {
        const rc = parseTable(await run(k, 'get', 'rc'));
        return (
          rc.length === 1 &&
          rc[0]?.['NAME'] === 'kubia' &&
          [rc[0]['DESIRED'], rc[0]['CURRENT'], rc[0]['READY']].join() === '3,3,3'
        );
      }, 'kubectl get rc: kubia 3 3 3');
      await until(
        async () => sortedCsv(await endpointsOf(k, 'kubia')) === sortedIps(first, 8080),
        'endpoints of the three pods',
      );

      // kubectl delete po --all: the controller replaces them at once.
      const deleted = await run(k, 'delete', 'po', '--all');
      assert.deepEqual(
        deleted.trim().split('\n').sort(),
        first.map((p) => `pod "${p.name}" deleted`).sort(),
      );
      const replacements = await until(
        async () => {
          const ps = (await pods(k, 'app=kubia')).filter((p) => !p.deleting);
          return ps.length === 3 && ps;
        },
        'three replacement pods',
        3000,
      );
      assert.ok(
        replacements.every(
          (p) => /^kubia-[a-z0-9]{5}$/.test(p.name) && !first.some((f) => f.name === p.name),
        ),
      );
      const second = await runningPods(k, 'app=kubia', 3);
      await until(
        async () => sortedCsv(await endpointsOf(k, 'kubia')) === sortedIps(second, 8080),
        'endpoints of the replacements',
      );

      // Endpoints follow readiness: a pod turning unready moves to notReadyAddresses and back.
      const [victim, ...rest] = second;
      assert.ok(victim);
      await kubelet.setReady(ns, victim.name, false);
      await until(
        async () => sortedCsv(await endpointsOf(k, 'kubia')) === sortedIps(rest, 8080),
        'the unready pod leaves endpoints',
      );
      assert.equal(
        await jsonpath(k, 'endpoints', 'kubia', '{.subsets[0].notReadyAddresses[*].ip}'),
        victim.ip,
      );
      await until(async () => {
        const slices = JSON.parse(
          await run(
            k,
            'get',
            'endpointslices',
            '-l',
            'kubernetes.io/service-name=kubia',
            '-o',
            'json',
          ),
        ) as {
          items: { endpoints?: { addresses: string[]; conditions: { ready?: boolean } }[] }[];
        };
        const eps = slices.items.flatMap((s) => s.endpoints ?? []);
        return (
          eps.length === 3 &&
          eps.every((e) => e.conditions.ready === (e.addresses[0] !== victim.ip))
        );
      }, 'the endpoint slice marks the pod not ready');
      await until(
        async () => parseTable(await run(k, 'get', 'rc', 'kubia'))[0]?.['READY'] === '2',
        'rc READY 2',
      );
      await kubelet.setReady(ns, victim.name, true);
      await until(
        async () => sortedCsv(await endpointsOf(k, 'kubia')) === sortedIps(second, 8080),
        'the pod is back in endpoints',
      );

      // scale the controller.
      assert.equal(
        await run(k, 'scale', 'rc', 'kubia', '--replicas=5'),
        'replicationcontroller/kubia scaled\n',
      );
      const five = await runningPods(k, 'app=kubia', 5);
      await until(
        async () =>
          (await readyAddresses(k, 'kubia')) === sortedIps(five, 8080) &&
          // kubectl prints three endpoints and counts the rest.
          /^(10\.244\.0\.\d+:8080,){2}10\.244\.0\.\d+:8080 \+ 2 more\.\.\.$/.test(
            await endpointsOf(k, 'kubia'),
          ),
        'endpoints of five pods',
      );
    },
  );

  test(
    'kubectl delete namespace removes everything in it (kubectl 1.33)',
    { skip: !hasKubectl(33) },
    async () => {
      const ns = 'doomed';
      await createNamespace(33, ns);
      const k = kubectlIn(33, ns);
      ok(await k('create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=2'));
      ok(await k('create', '-f', c.file('doomed/rc.yaml', KUBIA_RC)));
      ok(await k('create', '-f', c.file('doomed/svc.yaml', KUBIA_SVC)));
      ok(await k('create', 'configmap', 'settings', '--from-literal=a=b'));
      // A finalizer holds one object, so the namespace is seen Terminating until it goes.
      ok(
        await k(
          'create',
          '-f',
          c.file(
            'doomed/hold.yaml',
            `apiVersion: v1
kind: ConfigMap
metadata:
  name: hold
  finalizers: [skiff.test/hold]
`,
          ),
        ),
      );
      await runningPods(k, 'app=web', 2);
      await runningPods(k, 'app=kubia', 3);

      assert.equal(
        await run(k, 'delete', 'namespace', ns, '--wait=false'),
        `namespace "${ns}" deleted\n`,
      );
      await until(async () => {
        const nsRow = parseTable(await run(k, 'get', 'namespace', ns))[0];
        return nsRow?.['STATUS'] === 'Terminating' && (await pods(k)).length === 0;
      }, 'Terminating, pods gone');
      assert.equal(
        await run(
          k,
          'get',
          'deployments,replicasets,replicationcontrollers,services,endpoints',
          '-o',
          'name',
        ),
        '',
      );
      assert.equal(await run(k, 'get', 'configmaps', '-o', 'name'), 'configmap/hold\n');
      const create = await k('create', 'configmap', 'late');
      assert.match(
        create.stderr,
        new RegExp(
          esc(
            `configmaps "late" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
          ),
        ),
      );

      ok(
        await k(
          'patch',
          'configmap',
          'hold',
          '--type=merge',
          '-p',
          '{"metadata":{"finalizers":null}}',
        ),
      );
      ok(await c.kubectl(33, ['wait', '--for=delete', `namespace/${ns}`, '--timeout=20s']));
      const gone = await c.kubectl(33, ['get', 'namespace', ns]);
      assert.match(gone.stderr, new RegExp(esc(`namespaces "${ns}" not found`)));
    },
  );

  test(
    'kubectl delete deploy --cascade=orphan|foreground|background (kubectl 1.33)',
    { skip: !hasKubectl(33) },
    async () => {
      const ns = 'cascade';
      await createNamespace(33, ns);
      const k = kubectlIn(33, ns);
      for (const name of ['orphan', 'fore', 'back'])
        ok(await k('create', 'deployment', name, '--image=nginx:1.25', '--replicas=2'));
      const orphanPods = await runningPods(k, 'app=orphan', 2);
      await runningPods(k, 'app=fore', 2);
      await runningPods(k, 'app=back', 2);

      // orphan: the replica set and its pods stay, no longer owned.
      assert.equal(
        await run(k, 'delete', 'deploy', 'orphan', '--cascade=orphan'),
        'deployment.apps "orphan" deleted\n',
      );
      const rsName = await until(async () => {
        const rs = JSON.parse(await run(k, 'get', 'rs', '-l', 'app=orphan', '-o', 'json')) as {
          items: KubeObject[];
        };
        const only = rs.items[0];
        return (
          rs.items.length === 1 && !only?.metadata.ownerReferences?.length && only?.metadata.name
        );
      }, 'the orphaned replica set without owner');
      const still = await runningPods(k, 'app=orphan', 2);
      assert.deepEqual(still.map((p) => p.name).sort(), orphanPods.map((p) => p.name).sort());
      assert.equal(
        await jsonpath(k, 'pods', still[0]?.name ?? '', '{.metadata.ownerReferences[0].name}'),
        rsName,
      );

      // foreground: kubectl returns once the deployment is gone, which is after its dependents.
      assert.equal(
        await run(k, 'delete', 'deploy', 'fore', '--cascade=foreground'),
        'deployment.apps "fore" deleted\n',
      );
      assert.equal(await run(k, 'get', 'rs,pods', '-l', 'app=fore', '-o', 'name'), '');

      // background: the deployment goes at once, the collector removes the rest after.
      ok(await k('delete', 'deploy', 'back', '--cascade=background', '--wait=false'));
      assert.match((await k('get', 'deploy', 'back')).stderr, /deployments\.apps "back" not found/);
      await until(
        async () => (await run(k, 'get', 'rs,pods', '-l', 'app=back', '-o', 'name')) === '',
        'replica set and pods collected',
      );
      // The orphans are untouched by all this.
      await runningPods(k, 'app=orphan', 2);
    },
  );

  test(
    'events and describe deployment show what the controllers did (kubectl 1.33)',
    { skip: !hasKubectl(33) },
    async () => {
      const ns = 'events';
      await createNamespace(33, ns);
      const k = kubectlIn(33, ns);
      ok(await k('create', 'deployment', 'hello', `--image=${HELLO_IMAGE}`, '--replicas=2'));
      assert.match(
        await run(k, 'rollout', 'status', 'deployment/hello', '--timeout=30s'),
        /successfully rolled out/,
      );
      const ps = await runningPods(k, 'app=hello', 2);
      const rs = (await run(k, 'get', 'rs', '-o', 'name'))
        .trim()
        .replace(/^replicaset\.apps\//, '');
      assert.match(rs, /^hello-[a-z0-9]+$/);

      let rows: Record<string, string>[] = [];
      await until(async () => {
        rows = parseTable(await run(k, 'get', 'events'));
        return rows.filter((r) => r['REASON'] === 'SuccessfulCreate').length === 2;
      }, 'two SuccessfulCreate events');
      const seen = rows.map((r) => [r['TYPE'], r['REASON'], r['OBJECT'], r['MESSAGE']].join('|'));
      assert.ok(
        seen.includes(
          `Normal|ScalingReplicaSet|deployment/hello|Scaled up replica set ${rs} from 0 to 2`,
        ),
        seen.join('\n'),
      );
      for (const p of ps)
        assert.ok(
          seen.includes(`Normal|SuccessfulCreate|replicaset/${rs}|Created pod: ${p.name}`),
          seen.join('\n'),
        );

      const out = await run(k, 'describe', 'deployment', 'hello');
      assert.match(out, /^Name: +hello$/m);
      assert.match(
        out,
        /^Replicas: +2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable$/m,
      );
      assert.match(out, /^StrategyType: +RollingUpdate$/m);
      assert.match(out, /^RollingUpdateStrategy: +25% max unavailable, 25% max surge$/m);
      assert.match(out, /^ +Available +True +MinimumReplicasAvailable$/m);
      assert.match(out, /^ +Progressing +True +NewReplicaSetAvailable$/m);
      assert.match(out, new RegExp(`^NewReplicaSet: +${rs} \\(2/2 replicas created\\)$`, 'm'));
      assert.match(
        out,
        new RegExp(
          `^ +Normal +ScalingReplicaSet +\\d+s +deployment-controller +Scaled up replica set ${rs} from 0 to 2$`,
          'm',
        ),
      );
      const rsOut = await run(k, 'describe', 'rs', rs);
      assert.match(rsOut, /^Pods Status: +2 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
      assert.match(
        rsOut,
        new RegExp(
          `^ +Normal +SuccessfulCreate +\\d+s +replicaset-controller +Created pod: ${esc(ps[0]?.name ?? '')}$`,
          'm',
        ),
      );
    },
  );

  test(
    'a node whose lease is not renewed becomes NotReady and unreachable (kubectl 1.33)',
    { skip: !hasKubectl(33), timeout: 90_000 },
    async () => {
      // Runs alongside the others: the silent node renewed its lease once, in before().
      const ns = 'silent';
      await createNamespace(33, ns);
      const k = kubectlIn(33, ns);
      // A pod placed on the silent node directly, its status written while the node still "runs".
      ok(
        await k(
          'create',
          '-f',
          c.file(
            'silent/pod.yaml',
            `apiVersion: v1
kind: Pod
metadata:
  name: stranded
  labels:
    app: stranded
spec:
  nodeName: ${SILENT_NODE}
  containers:
  - name: app
    image: nginx:1.25
    ports:
    - containerPort: 80
`,
          ),
        ),
      );
      ok(await k('create', 'service', 'clusterip', 'stranded', '--tcp=80:80'));
      const pod = await client.get(resources.pods, ns, 'stranded');
      const t = formatTime(new Date());
      await writePodStatus(client, pod, {
        hostIP: '192.0.2.11',
        podIP: '10.244.1.2',
        started: t,
        ready: true,
        since: t,
      });
      await until(
        async () => (await endpointsOf(k, 'stranded')) === '10.244.1.2:80',
        'the stranded pod in endpoints',
      );
      const nodes = parseTable(await run(k, 'get', 'nodes'));
      assert.deepEqual(
        nodes.map((n) => [n['NAME'], n['STATUS']]),
        [
          [NODE, 'Ready'],
          [SILENT_NODE, 'Ready'],
        ],
      );

      // Grace period 40 s, monitored every 5 s.
      await until(
        async () =>
          parseTable(await run(k, 'get', 'node', SILENT_NODE))[0]?.['STATUS'] === 'NotReady',
        'node-silent NotReady',
        60_000,
      );
      assert.equal(parseTable(await run(k, 'get', 'node', NODE))[0]?.['STATUS'], 'Ready');
      const taints = await until(async () => {
        const t = await jsonpath(
          k,
          'node',
          SILENT_NODE,
          '{range .spec.taints[*]}{.key}:{.effect} {end}',
        );
        return t.includes('unreachable:NoExecute') && t.split(' ').filter(Boolean).sort();
      }, 'unreachable taints');
      assert.deepEqual(taints, [
        'node.kubernetes.io/unreachable:NoExecute',
        'node.kubernetes.io/unreachable:NoSchedule',
        `${SILENT_TAINT}:NoSchedule`,
      ]);
      const described = await run(k, 'describe', 'node', SILENT_NODE);
      assert.match(
        described,
        /^ +Ready +Unknown +.+ +NodeStatusUnknown +Kubelet stopped posting node status\.$/m,
      );
      assert.match(described, /^Taints: +node\.kubernetes\.io\/unreachable:NoExecute$/m);

      // Its pod is marked not ready and leaves the service's endpoints; with the default
      // 300 s toleration of unreachable it is not evicted yet.
      await until(
        async () => (await endpointsOf(k, 'stranded')) !== '10.244.1.2:80',
        'the stranded pod leaves endpoints',
      );
      assert.equal(
        await jsonpath(k, 'endpoints', 'stranded', '{.subsets[0].notReadyAddresses[*].ip}'),
        '10.244.1.2',
      );
      const stranded = (await pods(k, 'app=stranded'))[0];
      assert.equal(stranded?.ready, false);
      assert.equal(stranded?.deleting, false);
      const events = await run(
        k,
        'get',
        'events',
        '-A',
        '--field-selector',
        `involvedObject.name=${SILENT_NODE}`,
      );
      assert.match(
        events,
        new RegExp(
          `Normal +NodeNotReady +node/${SILENT_NODE} +Node ${SILENT_NODE} status is now: NodeNotReady`,
        ),
      );
    },
  );
});

// 7. The workload controllers: (a) reconcile throughput — a Deployment of 1,000 replicas,
// timed until all its pods exist, and, with the benchmark writing every pod's status Ready
// (as node agents would), until the Deployment is Available; (b) endpoints latency — one
// pod of a 50-pod Service flipped between ready and not ready 200 times, each flip timed
// from the status write's response to the watch event showing it in the Endpoints (and in
// the EndpointSlice). The benchmark plays the node: it registers one Node with room for
// every pod and renews its Lease. It runs on a cluster of its own (or BENCH_DATA_DIR's).

import {
  createClient,
  createHttpsTransport,
  isAlreadyExists,
  isNotFound,
  resourcePath,
  resources,
  type Client,
} from '../src/client/index.js';
import type { Benchmark } from './lib/bench.js';
import { cpuMs, startCluster, type BenchCluster } from './lib/cluster.js';
import { createH2Client, type H2Client, type WatchHandle } from './lib/h2.js';
import { runLoad } from './lib/load.js';
import { listResourceVersion, sleep, waitFor } from './lib/objects.js';
import { count, ms, perSec, type Row } from './lib/report.js';
import { summarize } from './lib/stats.js';
import { formatTime } from '../src/api/time.js';

const REPLICAS = 1000;
const STATUS_WRITERS = 32;
const SESSIONS = 4;
const SERVICE_PODS = 50;
const FLIPS = 200;
const ENDPOINTS_P99_GOAL_MS = 50;
const PODS_EXIST_TIMEOUT_MS = 45_000;
const AVAILABLE_TIMEOUT_MS = 45_000;
const FLIP_TIMEOUT_MS = 5_000;

const NODE = 'bench-node';
const NODE_IP = '192.0.2.20';
// Names of their own per run, so a run against an attached cluster can follow another.
const RUN = Date.now().toString(36);
const NS_DEPLOY = `bench-controllers-${RUN}`;
const NS_ENDPOINTS = `bench-endpoints-${RUN}`;
const DEPLOYMENT = 'big';
const SERVICE = 'ep';

const CONTAINER = { name: 'app', image: 'example/app:1.0' };

const micro = (d: Date): string => d.toISOString().replace(/Z$/, '000Z');

/** The n-th pod IP in 10.244.0.0/16 (n from 0). */
const podIP = (n: number): string => `10.244.${Math.floor((n + 2) / 256)}.${(n + 2) % 256}`;

interface PodEvent {
  type: string;
  object: {
    metadata: { name: string; uid?: string; resourceVersion?: string };
    spec?: { nodeName?: string };
  };
}

interface EndpointsEvent {
  type: string;
  object: {
    metadata: { name?: string };
    subsets?: { addresses?: { ip: string }[]; notReadyAddresses?: { ip: string }[] }[];
  };
}

interface SliceEvent {
  type: string;
  object: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] };
}

interface DeploymentEvent {
  type: string;
  object: { status?: { availableReplicas?: number; readyReplicas?: number } };
}

/** Registers the Node (object, then status) and its Lease; returns a stop for the renewals. */
async function registerNode(kube: Client): Promise<() => void> {
  try {
    await kube.create(resources.nodes, '', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } },
      spec: { podCIDR: '10.244.0.0/16', podCIDRs: ['10.244.0.0/16'] },
    });
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  const t = formatTime(new Date());
  const capacity = { cpu: '64', memory: '256Gi', pods: String(REPLICAS + SERVICE_PODS + 100) };
  await kube.patch(
    resources.nodes,
    '',
    NODE,
    'strategic',
    {
      status: {
        capacity,
        allocatable: capacity,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
            lastHeartbeatTime: t,
            lastTransitionTime: t,
          },
        ],
        addresses: [
          { type: 'InternalIP', address: NODE_IP },
          { type: 'Hostname', address: NODE },
        ],
      },
    },
    { subresource: 'status' },
  );
  const renew = async (): Promise<void> => {
    const spec = { holderIdentity: NODE, leaseDurationSeconds: 40, renewTime: micro(new Date()) };
    try {
      await kube.patch(resources.leases, 'kube-node-lease', NODE, 'merge', { spec });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await kube.create(resources.leases, 'kube-node-lease', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: NODE, namespace: 'kube-node-lease' },
        spec,
      });
    }
  };
  await renew();
  const timer = setInterval(() => void renew().catch(() => undefined), 10_000);
  return () => clearInterval(timer);
}

async function ensureNamespace(kube: Client, name: string): Promise<void> {
  try {
    await kube.create(resources.namespaces, '', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}

/** A running pod's status as a node agent writes it. */
function runningStatus(ip: string, ready: boolean): object {
  const t = formatTime(new Date());
  const s = ready ? 'True' : 'False';
  const cond = (type: string, status: string) => ({ type, status, lastTransitionTime: t });
  return {
    status: {
      phase: 'Running',
      hostIP: NODE_IP,
      podIP: ip,
      podIPs: [{ ip }],
      startTime: t,
      conditions: [
        cond('Initialized', 'True'),
        cond('Ready', s),
        cond('ContainersReady', s),
        cond('PodScheduled', 'True'),
      ],
      containerStatuses: [
        {
          name: CONTAINER.name,
          image: CONTAINER.image,
          imageID: '',
          ready,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: t } },
        },
      ],
    },
  };
}

/** What a node agent sends: a strategic merge patch of `pods/NAME/status`. */
async function writeStatus(kube: Client, ns: string, name: string, body: object): Promise<void> {
  await kube.patch(resources.pods, ns, name, 'strategic', body, { subresource: 'status' });
}

const TEMPLATE = (app: string) => ({
  metadata: { labels: { app } },
  spec: {
    terminationGracePeriodSeconds: 0,
    containers: [{ ...CONTAINER, ports: [{ containerPort: 8080 }] }],
  },
});

/** (a) The 1,000-replica Deployment. */
async function reconcileThroughput(
  kube: Client,
  watcher: H2Client,
  pid: number,
  log: (line: string) => void,
): Promise<Row[]> {
  await ensureNamespace(kube, NS_DEPLOY);
  const podsPath = `/api/v1/namespaces/${NS_DEPLOY}/pods`;
  const deployPath = `/apis/apps/v1/namespaces/${NS_DEPLOY}/deployments`;
  const podsRv = await listResourceVersion(watcher, podsPath);
  const deployRv = await listResourceVersion(watcher, deployPath);

  const seen = new Set<string>();
  const bound = new Set<string>();
  // Pods bound and waiting for their status, in binding order.
  const toWrite: string[] = [];
  let tExist = 0;
  let tBound = 0;
  let tAvailable = 0;
  let available = 0;
  const handles: WatchHandle[] = [];
  handles.push(
    watcher.watch(
      `${podsPath}?watch=true&resourceVersion=${podsRv}&timeoutSeconds=600`,
      (line) => {
        const ev = line as unknown as PodEvent;
        const name = ev.object.metadata.name;
        if (ev.type === 'ADDED' && !seen.has(name)) {
          seen.add(name);
          if (seen.size === REPLICAS) tExist = performance.now();
        }
        if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && ev.object.spec?.nodeName) {
          if (!bound.has(name)) {
            bound.add(name);
            toWrite.push(name);
            if (bound.size === REPLICAS) tBound = performance.now();
          }
        }
      },
      0,
    ),
    watcher.watch(
      `${deployPath}?watch=true&fieldSelector=metadata.name%3D${DEPLOYMENT}&resourceVersion=${deployRv}&timeoutSeconds=600`,
      (line) => {
        const ev = line as unknown as DeploymentEvent;
        available = ev.object.status?.availableReplicas ?? 0;
        if (available >= REPLICAS && !tAvailable) tAvailable = performance.now();
      },
      1,
    ),
  );
  try {
    await Promise.all(handles.map((h) => h.ready));
    const cpu0 = cpuMs(pid);
    const t0 = performance.now();
    await kube.create(resources.deployments, NS_DEPLOY, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: DEPLOYMENT },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: { app: DEPLOYMENT } },
        template: TEMPLATE(DEPLOYMENT),
      },
    });
    log(`waiting for ${count(REPLICAS)} pods…`);
    await waitFor(() => tExist > 0, PODS_EXIST_TIMEOUT_MS, 'pods').catch(() => {
      throw new Error(`${seen.size} of ${REPLICAS} pods after ${ms(PODS_EXIST_TIMEOUT_MS)}`);
    });
    const cpuCreate = cpuMs(pid) - cpu0;

    // Statuses: written as pods are bound, STATUS_WRITERS at a time.
    log('writing Ready statuses…');
    const tWrites = performance.now();
    let written = 0;
    const writers = Array.from({ length: STATUS_WRITERS }, async () => {
      while (written < REPLICAS) {
        const name = toWrite.shift();
        if (name === undefined) {
          // Not bound yet: the scheduler is behind the writers.
          if (performance.now() - tWrites > AVAILABLE_TIMEOUT_MS)
            throw new Error(`only ${bound.size} of ${REPLICAS} pods bound`);
          await sleep(2);
          continue;
        }
        await writeStatus(kube, NS_DEPLOY, name, runningStatus(podIP(written++), true));
      }
    });
    await Promise.all(writers);
    const tWritten = performance.now();
    await waitFor(
      () => tAvailable > 0,
      Math.max(1, AVAILABLE_TIMEOUT_MS - (tWritten - tWrites)),
      'available',
    ).catch(() => {
      throw new Error(`Deployment not Available: ${available} of ${REPLICAS} available`);
    });
    const cpuAll = cpuMs(pid) - cpu0;
    const existMs = tExist - t0;
    return [
      {
        metric: `create → all ${count(REPLICAS)} pods exist`,
        measured: `${ms(existMs)} (${perSec((REPLICAS / existMs) * 1000)})`,
      },
      {
        metric: `create → all ${count(REPLICAS)} pods bound by the scheduler`,
        measured: ms(tBound - t0),
      },
      {
        metric: `Ready statuses written (${STATUS_WRITERS} writers)`,
        measured: `${ms(tWritten - tWrites)} (${perSec((REPLICAS / (tWritten - tWrites)) * 1000)})`,
      },
      {
        metric: `statuses started → Deployment Available (${count(REPLICAS)}/${count(REPLICAS)})`,
        measured: ms(tAvailable - tWrites),
      },
      { metric: 'create → Available, end to end', measured: ms(tAvailable - t0) },
      {
        metric: 'server CPU: until pods exist; in all',
        measured: `${ms(cpuCreate)}; ${ms(cpuAll)}`,
      },
    ];
  } finally {
    for (const h of handles) h.close();
  }
}

/** (b) Endpoints update latency after a pod's readiness changes. */
async function endpointsLatency(
  kube: Client,
  watcher: H2Client,
  log: (line: string) => void,
): Promise<Row[]> {
  const ns = NS_ENDPOINTS;
  await ensureNamespace(kube, ns);
  // The pods are placed on the node directly (spec.nodeName): this part times endpoints only.
  const names = Array.from({ length: SERVICE_PODS }, (_, i) => `${SERVICE}-${i}`);
  const ips = names.map((_, i) => `10.244.100.${i + 2}`);
  // Current readiness of the victim as the latest Endpoints and EndpointSlice events show it.
  const victim = names[0] ?? '';
  const victimIP = ips[0] ?? '';
  let readyAddresses = 0;
  let epReady: boolean | undefined;
  let epChangedAt = 0;
  let sliceReady: boolean | undefined;
  let sliceChangedAt = 0;
  const epPath = `/api/v1/namespaces/${ns}/endpoints`;
  const slicePath = `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`;
  const epRv = await listResourceVersion(watcher, epPath);
  const sliceRv = await listResourceVersion(watcher, slicePath);
  // Watches first: they see the Endpoints and EndpointSlice from their creation on.
  const handles = [
    watcher.watch(
      `${epPath}?watch=true&fieldSelector=metadata.name%3D${SERVICE}&resourceVersion=${epRv}&timeoutSeconds=600`,
      (line) => {
        const ev = line as unknown as EndpointsEvent;
        const ready = (ev.object.subsets ?? []).flatMap((s) => s.addresses ?? []);
        readyAddresses = ready.length;
        const now = ready.some((a) => a.ip === victimIP);
        if (now !== epReady) {
          epReady = now;
          epChangedAt = performance.now();
        }
      },
      0,
    ),
    watcher.watch(
      `${slicePath}?watch=true&labelSelector=kubernetes.io%2Fservice-name%3D${SERVICE}&resourceVersion=${sliceRv}&timeoutSeconds=600`,
      (line) => {
        const ev = line as unknown as SliceEvent;
        const e = (ev.object.endpoints ?? []).find((x) => x.addresses.includes(victimIP));
        if (!e || ev.type === 'DELETED') return;
        const now = e.conditions?.ready === true;
        if (now !== sliceReady) {
          sliceReady = now;
          sliceChangedAt = performance.now();
        }
      },
      1,
    ),
  ];
  try {
    await Promise.all(handles.map((h) => h.ready));
    await kube.create(resources.services, ns, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: SERVICE },
      spec: { selector: { app: SERVICE }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    await runLoad({
      clients: 10,
      total: SERVICE_PODS,
      op: async (i) => {
        const name = names[i] ?? '';
        const template = TEMPLATE(SERVICE);
        await kube.create(resources.pods, ns, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, labels: template.metadata.labels },
          spec: { ...template.spec, nodeName: NODE },
        });
        await writeStatus(kube, ns, name, runningStatus(ips[i] ?? '', true));
      },
    });
    log(`waiting for ${SERVICE_PODS} ready endpoints…`);
    await waitFor(
      () => readyAddresses === SERVICE_PODS && epReady === true && sliceReady === true,
      10_000,
      'ready endpoints',
    ).catch(() => {
      throw new Error(`${readyAddresses} of ${SERVICE_PODS} endpoints ready`);
    });
    log(`${FLIPS} readiness flips…`);
    const ep: number[] = [];
    const slice: number[] = [];
    const epFromSent: number[] = [];
    for (let i = 0; i < FLIPS; i++) {
      const want = i % 2 === 1; // first flip: not ready
      const sent = performance.now();
      await writeStatus(kube, ns, victim, runningStatus(victimIP, want));
      const answered = performance.now();
      await waitFor(() => epReady === want && sliceReady === want, FLIP_TIMEOUT_MS, '').catch(
        () => {
          throw new Error(`flip ${i}: endpoints ${epReady}, slice ${sliceReady}, want ${want}`);
        },
      );
      // The event often beats the response (the controllers run in the server's process and
      // react before the response is on its way): that counts as no wait.
      ep.push(Math.max(0, epChangedAt - answered));
      slice.push(Math.max(0, sliceChangedAt - answered));
      epFromSent.push(epChangedAt - sent);
    }
    const e = summarize(ep);
    const s = summarize(slice);
    const f = summarize(epFromSent);
    return [
      {
        metric: `Endpoints: status write answered → watch event, p50 / max (${FLIPS} flips, ${SERVICE_PODS} pods)`,
        measured: `${ms(e.p50)} / ${ms(e.max)}`,
      },
      {
        metric: 'Endpoints: status write answered → watch event, p99',
        measured: ms(e.p99),
        goal: `< ${ms(ENDPOINTS_P99_GOAL_MS)}`,
        pass: e.p99 < ENDPOINTS_P99_GOAL_MS,
      },
      {
        metric: 'EndpointSlice: the same, p50 / p99 / max',
        measured: `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)}`,
      },
      {
        metric: 'Endpoints: status write sent → watch event, p50 / p99 / max',
        measured: `${ms(f.p50)} / ${ms(f.p99)} / ${ms(f.max)}`,
      },
    ];
  } finally {
    for (const h of handles) h.close();
  }
}

export const controllers: Benchmark = {
  name: 'controllers',
  title: `controllers: a ${count(REPLICAS)}-replica Deployment; endpoints after readiness changes`,
  budgetMs: 120_000,
  async run(ctx) {
    // Its own cluster: a thousand pods and their controllers' work would disturb the shared one.
    const attached = Boolean(process.env['BENCH_DATA_DIR']);
    const cluster: BenchCluster = attached ? await ctx.cluster() : await startCluster();
    // Writes go through Skiff's own client, as a node agent's would; watches through the
    // benchmarks' HTTP/2 client.
    const kube = createClient(
      createHttpsTransport({
        server: `https://127.0.0.1:${cluster.port}`,
        ...cluster.credentials,
        servername: 'localhost',
      }),
      'bench-node-agent',
    );
    const watcher = await createH2Client({
      port: cluster.port,
      credentials: cluster.credentials,
      sessions: SESSIONS,
    });
    let stopLease: (() => void) | undefined;
    try {
      stopLease = await registerNode(kube);
      const rows = await reconcileThroughput(kube, watcher, cluster.pid, ctx.log);
      rows.push(...(await endpointsLatency(kube, watcher, ctx.log)));
      return rows;
    } finally {
      stopLease?.();
      // An attached cluster keeps running: take the load away (the pods have no grace period).
      // Bodiless DELETEs: the client's HTTPS transport cannot send DeleteOptions yet.
      if (attached)
        for (const path of [
          resourcePath(resources.namespaces, '', NS_DEPLOY),
          resourcePath(resources.namespaces, '', NS_ENDPOINTS),
          resourcePath(resources.nodes, '', NODE),
        ])
          await kube.raw('DELETE', path).catch(() => undefined);
      kube.transport.close();
      await watcher.close();
      if (!attached) await cluster.stop();
    }
  },
};

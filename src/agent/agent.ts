// The node agent (Skiff's kubelet): checks the host, registers the Node, and runs a worker
// per pod bound here. Containers outlive the agent; a new agent re-adopts them.

import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../api/types.js';
import type { IPodSpec } from 'kubernetes-models/v1';
import {
  createEventRecorder,
  createInformer,
  isNotFound,
  resources,
  type Client,
  type Informer,
  createWorkQueue,
} from '../client/index.js';
import { createImageService, type ImageService, type RegistriesConfig } from '../images/index.js';
import type { Logger } from '../log/index.js';
import { createNodeStatusManager, defaultNodeIP } from './node-status.js';
import { PodWorker, type Clock } from './pod/worker.js';
import { LABEL_POD_UID } from './pod/container-config.js';
import { AgentError } from './errors.js';
import { createRuntime, type ContainerRuntime } from './runtime/index.js';
import { createPodNetwork } from './sandbox/index.js';
import { nodeHostProblems, PreflightError } from './preflight.js';
import { dialTcp } from './netns-dial.js';
import {
  agentBackend,
  createNodeServer,
  type NodeServer,
  type PodRuntimeAccess,
  type StatsProvider,
} from './server/index.js';
import { unmountUnder } from './mounts.js';
import type { CommandRunner } from './runner/index.js';
import { createTokenManager } from './token-manager.js';
import { createPodSources } from './pod-sources.js';
import { createStatsProvider, statsPodsFrom } from './stats/index.js';
import type { HostPorts } from '../api/host-ports.js';

export const AGENT_VERSION = 'v1.33.0-skiff';

export interface NodeAgentOptions {
  client: Client;
  nodeName: string;
  dataDir: string;
  podCIDR: string;
  clusterDNS?: string;
  clusterDomain?: string;
  /** The cluster CA, written as ca.crt into service-account volumes. */
  caPem: string;
  logger: Logger;
  signal: AbortSignal;
  /** A network namespace that plays the node (tests); the agent's own when absent. */
  nodeNetns?: string;
  /** The node's address; the first non-loopback IPv4 address when absent. */
  hostIP?: string;
  /** Ports the node's own processes hold on its address, published on the Node. */
  hostPorts?: HostPorts;
  /** Registry mirrors and credentials (k3s registries.yaml). */
  registries?: RegistriesConfig;
  /**
   * Runs every short host command of the agent: the runtime's (OCI calls, overlay mounts),
   * the pod network's, the pods' set-up and clean-up. Its owner closes it, after the agent.
   */
  commandRunner: CommandRunner;
  /** The wall clock (tests may pass their own), as the controllers take it. */
  clock?: Clock;
  /**
   * The node's HTTPS API (the kubelet's port): served from start() when given (port 0: any
   * free port), its bound port recorded in the Node's daemonEndpoints.
   */
  server?: {
    port: number;
    host?: string;
    certPem: string;
    keyPem: string;
    /** The CA client certificates must chain to (the cluster CA). */
    clientCaPem: string;
    /** Serves /stats/summary and /metrics/resource; without it they are not found. */
    stats?: StatsProvider;
    /** What /logs/ serves (default /var/log, as the kubelet's). */
    logDir?: string;
  };
}

/**
 * How many pods sync at once. A sync may wait minutes for an image pull: pods must not
 * wait for each other's pulls, so this is well above any node's pod count in practice.
 */
const POD_SYNC_WORKERS = 256;

/** What the node's API serves from (exec, attach, logs, port-forward) is the agent's own. */
export interface NodeAgent extends PodRuntimeAccess {
  /**
   * Checks the host and sets up the node's network, needing no API server: called early it
   * overlaps with the rest of start-up. start() does it when nobody did.
   */
  prepare(): Promise<unknown>;
  start(): Promise<void>;
  readonly images: ImageService;
  /** The node server's bound port once start() has it listening (undefined without `server`). */
  readonly serverPort: number | undefined;
  /** The node's resource usage, for the node server's /stats/summary and /metrics/resource. */
  readonly stats: StatsProvider;
  /**
   * Stops every pod's containers and tears down their sandboxes, leaving the API objects:
   * the node going down (`skiff down`). A crash leaves them running for the next agent.
   */
  stopPods(maxGraceSeconds?: number): Promise<void>;
}

export function createNodeAgent(o: NodeAgentOptions): NodeAgent {
  const log = o.logger.child('agent');
  const runner = o.commandRunner;
  const clock = o.clock ?? { now: () => new Date() };
  // Pod syncs, keyed by pod UID: one at a time per pod, "requeue after" instead of timers.
  const queue = createWorkQueue();
  const images = createImageService({
    dir: join(o.dataDir, 'images'),
    logger: o.logger,
    ...(o.registries ? { registries: o.registries } : {}),
  });
  const network = createPodNetwork({
    commandRunner: runner,
    dataDir: join(o.dataDir, 'network'),
    podCIDR: o.podCIDR,
    ...(o.nodeNetns ? { nodeNetns: o.nodeNetns } : {}),
  });
  const hostIP = o.hostIP ?? (o.nodeNetns ? network.gateway : defaultNodeIP(o.podCIDR));
  const workers = new Map<string, PodWorker>(); // by pod uid
  // Workers of pods gone from the API whose termination may still be under way.
  const retiring = new Set<PodWorker>();
  const retire = (w: PodWorker, finalize: boolean): Promise<void> => {
    retiring.add(w);
    const done = w.terminate(finalize);
    void done.then(() => retiring.delete(w));
    return done;
  };
  let stopping = false;
  // The images present, for the Node's status (largest first, at most 50, as the kubelet).
  let nodeImages: { names: string[]; sizeBytes: number }[] = [];
  const refreshImages = async (): Promise<void> => {
    const list = await images.listImages().catch(() => []);
    nodeImages = list
      .map((i) => ({ names: [...i.repoDigests, ...i.repoTags], sizeBytes: i.size }))
      .sort((a, b) => b.sizeBytes - a.sizeBytes)
      .slice(0, 50);
  };
  const events = createEventRecorder(o.client, 'kubelet', clock, log, o.nodeName);
  const tokens = createTokenManager(o.client, clock);
  let runtime: ContainerRuntime | undefined;
  let pods: Informer | undefined;
  let services: Informer | undefined;
  const sources = createPodSources({
    client: o.client,
    tokens,
    caPem: o.caPem,
    nodeName: o.nodeName,
    hostIP,
    services: () => services?.list() ?? [],
  });

  async function preflight(): Promise<ContainerRuntime> {
    const missing = nodeHostProblems();
    let rt: ContainerRuntime | undefined;
    if (!missing.length)
      try {
        rt = await createRuntime({
          commandRunner: runner,
          dataDir: join(o.dataDir, 'runtime'),
          logger: o.logger,
        });
      } catch (e) {
        missing.push(e instanceof Error ? e.message : String(e));
      }
    if (missing.length || !rt) throw new PreflightError(missing);
    return rt;
  }

  function worker(pod: KubeObject): PodWorker {
    const uid = pod.metadata.uid ?? '';
    let w = workers.get(uid);
    if (!w) {
      w = new PodWorker(pod, {
        runtime: runtime!,
        commandRunner: runner,
        ...(o.nodeNetns ? { nodeNetns: o.nodeNetns } : {}),
        images,
        network,
        nodeName: o.nodeName,
        hostIP,
        dataDir: o.dataDir,
        clusterDNS: o.clusterDNS ?? '10.96.0.10',
        clusterDomain: o.clusterDomain ?? 'cluster.local',
        nodeFiles: { hostname: o.nodeName, hosts: nodeHosts() },
        logger: log,
        clock,
        enqueue: () => queue.add(uid),
        sources,
        writeStatus: async (p, status) => {
          try {
            await o.client.patch(
              resources.pods,
              p.metadata.namespace ?? '',
              p.metadata.name ?? '',
              'merge',
              { status },
              { subresource: 'status' },
            );
          } catch (e) {
            if (!isNotFound(e)) throw e;
          }
        },
        event: (p, type, reason, message) => events.event(p, type, reason, message),
        finalize: async (p) => {
          try {
            await o.client.delete(
              resources.pods,
              p.metadata.namespace ?? '',
              p.metadata.name ?? '',
              {
                gracePeriodSeconds: 0,
                preconditions: { uid: p.metadata.uid ?? '' },
              },
            );
          } catch (e) {
            if (!isNotFound(e)) throw e;
          }
          if (workers.get(uid) === w) {
            workers.delete(uid);
            void retire(w!, true);
          }
        },
      });
      workers.set(uid, w);
    } else w.pod = pod;
    return w;
  }

  // Host work that needs no API (runtime check, bridge, nftables), started once.
  let prepared: Promise<{ rt: ContainerRuntime; report: { bridgeNetfilter: boolean } }> | undefined;
  function prepare() {
    prepared ??= (async () => {
      runtime = await preflight();
      return { rt: runtime, report: await network.setupNode() };
    })();
    return prepared;
  }

  /**
   * The node going down: whatever a pod worker left (or never knew) goes too, so that
   * nothing of Skiff's stays behind: containers and their monitors, pod directories and
   * their mounts, pod networks, then the node's bridge and nftables table.
   */
  async function removeEverything(): Promise<void> {
    const step = async (what: string, f: () => Promise<unknown>): Promise<void> => {
      try {
        await f();
      } catch (err) {
        log.warn(`node shutdown: ${what} failed`, { err: String(err) });
      }
    };
    const rt = runtime;
    if (rt)
      await step('container removal', async () => {
        for (const s of await rt.list()) {
          if (s.state === 'running' || s.state === 'created')
            await rt.stop(s.id, 0).catch(() => undefined);
          await rt.delete(s.id);
        }
      });
    await step('pod directories', () => removePodDirs(() => true));
    await step('container mounts', () =>
      unmountUnder(join(o.dataDir, 'runtime', 'containers'), runner),
    );
    if (prepared) await step('node network', () => network.teardownNode());
    rt?.close();
  }

  /** Pod directories (and whatever is mounted under them) of the pods chosen by uid. */
  async function removePodDirs(which: (uid: string) => boolean): Promise<void> {
    const podsDir = join(o.dataDir, 'pods');
    for (const uid of existsSync(podsDir) ? readdirSync(podsDir) : []) {
      if (!which(uid)) continue;
      await unmountUnder(join(podsDir, uid), runner);
      rmSync(join(podsDir, uid), { recursive: true, force: true });
    }
  }

  function findPod(namespace: string, name: string): PodWorker {
    for (const w of workers.values())
      if (w.pod.metadata.namespace === namespace && w.pod.metadata.name === name) return w;
    throw new AgentError('PodNotFound', `pod "${name}" not found on node ${o.nodeName}`);
  }

  function findContainer(w: PodWorker, container: string | undefined) {
    const spec = (w.pod['spec'] ?? {}) as IPodSpec;
    const name = container ?? spec.containers?.[0]?.name ?? '';
    const c = w.container(name);
    if (!c)
      throw new AgentError(
        'ContainerNotFound',
        `container ${name} is not valid for pod ${w.pod.metadata.name}`,
      );
    return c;
  }

  const stats = createStatsProvider({
    nodeName: o.nodeName,
    dataDir: o.dataDir,
    signal: o.signal,
    pods: async () => {
      if (!runtime) return [];
      const start = (uid: string): Date | undefined => {
        const p = pods?.list().find((x) => x.metadata.uid === uid);
        const t = (p?.['status'] as { startTime?: string } | undefined)?.startTime;
        return t ? new Date(t) : undefined;
      };
      return statsPodsFrom(await runtime.list(), start);
    },
  });

  let nodeServer: NodeServer | undefined;
  async function startServer(so: NonNullable<NodeAgentOptions['server']>): Promise<number> {
    const server = createNodeServer({
      nodeName: o.nodeName,
      certPem: so.certPem,
      keyPem: so.keyPem,
      clientCaPem: so.clientCaPem,
      client: o.client,
      pods: {
        list: () => pods?.list() ?? [],
        get: (namespace, name) => pods?.get(namespace, name),
      },
      backend: agentBackend(agent),
      stats: so.stats ?? stats,
      ...(so.logDir ? { logDir: so.logDir } : {}),
      configz: {
        ...(o.clusterDNS ? { clusterDNS: [o.clusterDNS] } : {}),
        ...(o.clusterDomain ? { clusterDomain: o.clusterDomain } : {}),
        podCIDR: o.podCIDR,
        ...(so.host ? { address: so.host } : {}),
      },
    });
    let port: number;
    try {
      port = await server.listen(so.port, so.host);
    } catch (e) {
      // Said in the node's own words: the caller's error handling would blame its own port.
      const where = `${so.host ?? '0.0.0.0'}:${so.port}`;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE')
        throw new Error(
          `cannot serve the node's API on ${where}: the address is already in use (another kubelet? choose another port with --kubelet-port)`,
        );
      if (code === 'EACCES')
        throw new Error(`cannot serve the node's API on ${where}: permission denied`);
      throw e;
    }
    nodeServer = server;
    o.signal.addEventListener('abort', () => void server.close(), { once: true });
    return port;
  }

  const agent: NodeAgent = {
    images,
    stats,
    prepare,
    get serverPort() {
      return nodeServer?.port;
    },
    async start() {
      const { rt, report } = await prepare();
      // The runtime watches container exits from here on: stopping the agent ends that, even
      // when start() fails further on.
      o.signal.addEventListener('abort', () => rt.close(), { once: true });
      await refreshImages();
      const kubeletPort = o.server ? await startServer(o.server) : undefined;
      const status = createNodeStatusManager({
        client: o.client,
        identity: {
          name: o.nodeName,
          podCIDR: o.podCIDR,
          internalIP: hostIP,
          kubeletVersion: AGENT_VERSION,
          containerRuntimeVersion: rt.info.runtimeVersion,
          ...(kubeletPort !== undefined ? { kubeletPort } : {}),
          ...(o.hostPorts ? { hostPorts: o.hostPorts } : {}),
          dataDir: o.dataDir,
        },
        clock,
        logger: log,
        signal: o.signal,
        state: { ready: true, reason: 'KubeletReady', message: 'kubelet is posting ready status' },
        images: () => nodeImages,
      });
      await status.start();
      // As the kubelet announces itself (`kubectl describe node`); its node reference uses
      // the node's name as the uid.
      const nodeRef: KubeObject = {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: o.nodeName, uid: o.nodeName },
      };
      events.event(nodeRef, 'Normal', 'Starting', 'Starting kubelet.');
      for (const reason of [
        'NodeHasSufficientMemory',
        'NodeHasNoDiskPressure',
        'NodeHasSufficientPID',
        'NodeReady',
      ])
        events.event(nodeRef, 'Normal', reason, `Node ${o.nodeName} status is now: ${reason}`);
      if (!report.bridgeNetfilter)
        log.warn('br_netfilter is not loaded: service replies between pods of this node may fail');

      services = createInformer({
        client: o.client,
        resource: resources.services,
        signal: o.signal,
      });
      pods = createInformer({
        client: o.client,
        resource: resources.pods,
        fieldSelector: `spec.nodeName=${o.nodeName}`,
        signal: o.signal,
        onError: (err) => log.warn('pod watch failed', { err: String(err) }),
      });
      await Promise.all([pods.synced(), services.synced()]);

      // Re-adopt what runs for pods still bound here; remove the rest.
      const live = new Map(
        pods
          .list()
          .filter((p) => !isMirrorPod(p))
          .map((p) => [p.metadata.uid ?? '', p]),
      );
      const found = await rt.list();
      const byPod = new Map<string, typeof found>();
      for (const s of found) {
        const uid = s.labels[LABEL_POD_UID];
        if (!uid) continue;
        if (!live.has(uid)) {
          await rt.stop(s.id, 0).catch(() => undefined);
          await rt.delete(s.id).catch(() => undefined);
          continue;
        }
        byPod.set(uid, [...(byPod.get(uid) ?? []), s]);
      }
      for (const [uid, list] of byPod) worker(live.get(uid)!).adopt(list);
      await network.gc(live.keys()).catch((err) => log.warn('network gc failed', { err }));
      await removePodDirs((uid) => !live.has(uid)).catch((err) =>
        log.warn('removing the directories of pods gone failed', { err: String(err) }),
      );

      void queue.run(
        POD_SYNC_WORKERS,
        async (uid) => {
          const w = workers.get(uid);
          if (!w) return;
          const { requeueAfterMs } = await w.sync();
          if (requeueAfterMs !== undefined) queue.addAfter(uid, requeueAfterMs);
        },
        o.signal,
      );
      pods.on({
        add: (p) => void (stopping || isMirrorPod(p) || worker(p).kick()),
        // A change of status alone (most often our own write) needs no sync, as in the
        // kubelet, where the status manager's writes do not wake the pod workers.
        update: (old, p) => {
          if (stopping || isMirrorPod(p)) return;
          const w = worker(p);
          if (!statusOnlyChange(old, p)) w.kick();
        },
        delete: (p) => {
          const w = workers.get(p.metadata.uid ?? '');
          if (!w) return;
          workers.delete(p.metadata.uid ?? '');
          tokens.forgetPod(p.metadata.uid ?? '');
          void retire(w, false);
        },
      });
      void (async () => {
        try {
          for await (const ev of rt.events(o.signal))
            workers.get(ev.status.labels[LABEL_POD_UID] ?? '')?.kick();
        } catch (err) {
          if (!o.signal.aborted) log.warn('runtime events ended', { err: String(err) });
        }
      })();
      // A periodic resync picks up anything an event missed.
      const t = setInterval(() => {
        for (const w of workers.values()) w.kick();
        void refreshImages();
      }, 10_000);
      t.unref();
      o.signal.addEventListener('abort', () => clearInterval(t), { once: true });
    },
    async execIn(namespace, pod, container, command, tty, size, stdin = true) {
      const c = findContainer(findPod(namespace, pod), container);
      if (!c.id || !c.running)
        throw new AgentError('ContainerNotRunning', `container ${container ?? ''} is not running`);
      // No input: /dev/null, not a pipe closed at once; the runtime then relays one stream
      // less and a `true` returns several milliseconds sooner. A terminal keeps its pipe
      // (`script` ends the session at its input's end).
      return runtime!.exec(c.id, {
        args: command,
        tty,
        stdin: stdin || tty,
        ...(size ? { size } : {}),
      });
    },
    async attach(namespace, pod, container, stdin) {
      const c = findContainer(findPod(namespace, pod), container);
      if (!c.id || !c.running)
        throw new AgentError('ContainerNotRunning', `container ${container ?? ''} is not running`);
      return runtime!.attach(c.id, { stdin, tty: false });
    },
    async logs(namespace, pod, container, options) {
      const c = findContainer(findPod(namespace, pod), container);
      return runtime!.logs(c.logDir, options);
    },
    portForward(namespace, pod, port, onread) {
      const w = findPod(namespace, pod);
      return dialTcp(w.netnsPath, '127.0.0.1', port, undefined, onread);
    },
    async stopPods(maxGraceSeconds = 30) {
      stopping = true;
      // Every pod, including those deleted moments ago whose termination is under way.
      const all = [...workers.values(), ...retiring];
      workers.clear();
      const stopped = Promise.all(all.map((w) => w.terminate(false, maxGraceSeconds)));
      const limit = new Promise<'late'>((res) =>
        setTimeout(res, maxGraceSeconds * 1000 + 10_000, 'late').unref(),
      );
      if ((await Promise.race([stopped, limit])) === 'late')
        log.warn('pods still stopping; removing what is left', {
          pods: all.length,
        });
      await removeEverything();
    },
  };
  return agent;
}

/**
 * A mirror pod shows a static pod the node runs by itself (the dashboard of `skiff up`):
 * the kubelet never runs one, it is only the API's view.
 */
function isMirrorPod(p: KubeObject): boolean {
  return p.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined;
}

function statusOnlyChange(a: KubeObject, b: KubeObject): boolean {
  const rest = (o: KubeObject): string => {
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = o.metadata;
    return JSON.stringify([meta, o['spec']]);
  };
  return rest(a) === rest(b);
}

function nodeHosts(): string {
  try {
    return readFileSync('/etc/hosts', 'utf8');
  } catch {
    return `127.0.0.1\tlocalhost\n127.0.1.1\t${hostname()}\n`;
  }
}

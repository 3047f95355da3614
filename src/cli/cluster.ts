// The composition root of a single-node cluster: credentials, storage, the API server, the
// controllers and scheduler, and the node agent, started in order with progress.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import {
  ADMIN_GROUP,
  ADMIN_USER,
  ensureClusterPki,
  issueServingCertificate,
  parseTokenAuthFile,
} from '../pki/index.js';
import { createCachedStore, openStore, startCompactor, type Store } from '../storage/index.js';
import { createApiServer, SKIFF_IDENTITIES, type ApiServer } from '../apiserver/index.js';
import { createOpenApiHandler, serveOpenApi } from '../api/openapi/index.js';
import { renderAdminKubeconfig } from '../client/kubeconfig.js';
import { createLogger, type Logger } from '../log/index.js';
import { createClient, createInProcessTransport } from '../client/index.js';
import { builtinControllers, startControllerManager } from '../controllers/index.js';
import { scheduler, SCHEDULER_NAME } from '../scheduler/index.js';

import { loadRegistriesConfig } from '../images/index.js';
import {
  createCommandRunner,
  createNodeAgent,
  defaultNodeIP,
  type NodeAgent,
} from '../agent/index.js';
import type { DataPaths } from './paths.js';
import { advertisedAddress, primaryAddress } from './address.js';
import { startNodeProxy } from './service-proxy.js';
import type { IngressController, NetworkPolicyEnforcer, ServiceProxy } from '../net/index.js';
import { startNodeNetworkPolicy } from './network-policy.js';
import { startNodeDns } from './dns.js';
import type { DnsFlags } from './dns-flags.js';
import { startIngress, type IngressFlags } from './ingress.js';
import { startNodeDashboard, type DashboardFlags } from './dashboard.js';
import { nodeHostPorts } from '../api/host-ports.js';

/**
 * The kube-system service account each controller runs as: kube-controller-manager's names
 * (bound to the `system:controller:*` roles); Skiff's own controllers have roles of theirs.
 */
const CONTROLLER_ACCOUNTS: Record<string, string> = {
  'namespace-controller': 'namespace-controller',
  'serviceaccount-controller': SKIFF_IDENTITIES.serviceAccounts,
  'garbage-collector': 'generic-garbage-collector',
  'node-lifecycle-controller': 'node-controller',
  'replicaset-controller': 'replicaset-controller',
  'replicationcontroller-controller': 'replication-controller',
  'deployment-controller': 'deployment-controller',
  'daemonset-controller': 'daemon-set-controller',
  'endpoints-controller': 'endpoint-controller',
  'endpointslice-controller': 'endpointslice-controller',
  'endpointslicemirroring-controller': 'endpointslicemirroring-controller',
  'clusterrole-aggregation-controller': 'clusterrole-aggregation-controller',
  'service-lb-controller': SKIFF_IDENTITIES.serviceLoadBalancer,
  'legacy-serviceaccount-token-cleaner': 'legacy-service-account-token-cleaner',
  'csrsigning-controller': 'certificate-controller',
  csrcleaner: 'certificate-controller',
};
/** Controllers kube-controller-manager runs with its own (root) credentials, not an account. */
const ROOT_CLIENT_CONTROLLERS = new Set(['serviceaccount-token-controller']);
/** The kube-system account a controller runs as (undefined: the manager's own credentials). */
const controllerAccount = (controller: string): string | undefined =>
  controller === SCHEDULER_NAME || ROOT_CLIENT_CONTROLLERS.has(controller)
    ? undefined
    : (CONTROLLER_ACCOUNTS[controller] ?? controller);
export { primaryAddress };

export interface ClusterOptions {
  paths: DataPaths;
  apiPort: number;
  bindAddress: string;
  tokenAuthFile?: string;
  progress: (line: string) => void;
  logger?: Logger;
  /** The node this process runs pods as; absent for an API-only cluster. */
  node?: {
    name: string;
    podCIDR: string;
    kubeletPort?: number;
    proxyMode?: 'nftables' | 'userspace';
    dns?: DnsFlags;
    /** The ingress controller's ports; undefined runs none (`--disable-ingress`). */
    ingress?: IngressFlags | undefined;
  };
  /** The built-in load balancer's options (`--lb-pool`), or false to run none. */
  loadBalancer?: { pool?: string } | false;
  /** A token secret for every service account, as before Kubernetes 1.24. */
  legacyServiceAccountTokenSecrets?: boolean;
  /** --horizontal-pod-autoscaler-sync-period, in milliseconds (default 15 s). */
  autoscalerSyncPeriodMs?: number;
  /** The dashboard's port; undefined runs none (`--disable-dashboard`). */
  dashboard?: DashboardFlags | undefined;
}

/** How long `skiff down` gives pods to stop (within `skiff down`'s own wait). */
const NODE_SHUTDOWN_GRACE_S = 10;

export interface RunningCluster {
  apiServer: ApiServer;
  port: number;
  close(): Promise<void>;
}

function ensureTokenFile(path: string): void {
  if (existsSync(path)) return;
  const token = randomBytes(24).toString('base64url');
  writeFileSync(path, `${token},${ADMIN_USER},${ADMIN_USER},"${ADMIN_GROUP}"\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

async function step<T>(
  progress: (l: string) => void,
  label: string | ((v: T) => string),
  fn: () => Promise<T> | T,
): Promise<T> {
  const t0 = performance.now();
  const v = await fn();
  const text = typeof label === 'string' ? label : label(v);
  progress(`  ✓ ${text} (${Math.round(performance.now() - t0)} ms)`);
  return v;
}

export async function startCluster(o: ClusterOptions): Promise<RunningCluster> {
  const log = o.logger ?? createLogger({ component: 'skiff' });
  const { paths } = o;
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  // Where pods reach the API server (the `kubernetes` service's endpoint); the certificate
  // names it and the machine's own address (which nodes elsewhere are given).
  const advertised = advertisedAddress(o.bindAddress, o.node?.podCIDR);
  const advertise = advertised.address;
  const certIPs = [primaryAddress(), advertise].filter((ip) => !ip.startsWith('127.'));
  const pki = await step(o.progress, 'certificates', () =>
    ensureClusterPki({ dir: paths.pki, ips: [...new Set(certIPs)] }),
  );
  ensureTokenFile(paths.tokens);
  const tokenFiles = [paths.tokens, ...(o.tokenAuthFile ? [o.tokenAuthFile] : [])].map((f) =>
    parseTokenAuthFile(readFileSync(f, 'utf8'), f),
  );
  let backing: Store | undefined;
  const store = await step(o.progress, 'storage (SQLite)', async () => {
    backing = await openStore(`sqlite://${paths.state}`);
    return createCachedStore(backing);
  });
  const stopCompactor = new AbortController();
  startCompactor(store, {
    keepRevisions: 10_000,
    intervalMs: 5 * 60_000,
    signal: stopCompactor.signal,
  });
  const openapi = createOpenApiHandler();
  let agent: NodeAgent | undefined;
  let proxy: ServiceProxy | undefined;
  let netpol: NetworkPolicyEnforcer | undefined;
  let ingress: IngressController | undefined;
  const apiServer = await createApiServer({
    store,
    tls: { cert: pki.apiserver.certPem, key: pki.apiserver.keyPem, ca: pki.ca.certPem },
    tokenAuthenticators: tokenFiles,
    serviceAccountTokens: {
      signingKey: pki.serviceAccount.privateKey,
      verifyKeys: [pki.serviceAccount.publicKey],
    },
    host: o.bindAddress,
    port: o.apiPort,
    advertiseAddress: advertise,
    openapi: (req) => serveOpenApi(openapi, req),
    onCustomResources: (resources) => openapi.setCustomResources(resources),
    findUnknownFields: (gvk, obj) => openapi.findUnknownFields(gvk, obj),
    findTypeError: (gvk, obj) => openapi.findTypeError(gvk, obj),
    kubelet: {
      clientCertPem: pki.kubeletClient.certPem,
      clientKeyPem: pki.kubeletClient.keyPem,
      caPem: pki.ca.certPem,
    },
  });
  let port: number;
  try {
    port = await step(
      o.progress,
      (bound) => `API server on https://${o.bindAddress}:${bound}`,
      () => apiServer.listen(),
    );
  } catch (e) {
    stopCompactor.abort();
    await apiServer.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw e;
  }
  // Components run in this process and reach the API through the same client they would
  // use across machines, over an in-process transport.
  const components = new AbortController();
  const inProcess = (
    name: string,
    groups: string[],
    // Field managers named as kube's components name theirs (from their user agents).
    fieldManager = name.startsWith('system:node:') ? 'kubelet' : name.replace(/^system:/, ''),
  ) =>
    createClient(
      createInProcessTransport((req) =>
        apiServer.handler({ ...req, credentials: { certificateUser: { name, groups } } }),
      ),
      fieldManager,
    );
  // A service account of kube-system, as kube's controllers and add-ons run.
  const asServiceAccount = (account: string, fieldManager: string) =>
    inProcess(
      `system:serviceaccount:kube-system:${account}`,
      ['system:serviceaccounts', 'system:serviceaccounts:kube-system'],
      fieldManager,
    );
  // The agent's one command runner (its Perl process starts with the first command), closed
  // once the pods are stopped and the node torn down.
  const commandRunner = createCommandRunner();
  const createAgent = (node: NonNullable<ClusterOptions['node']>): NodeAgent => {
    const registriesFile = join(paths.dir, 'registries.yaml');
    const nodeIP = defaultNodeIP(node.podCIDR);
    return createNodeAgent({
      hostIP: nodeIP,
      client: inProcess(`system:node:${node.name}`, ['system:nodes']),
      nodeName: node.name,
      dataDir: paths.dir,
      podCIDR: node.podCIDR,
      caPem: pki.ca.certPem,
      logger: log,
      signal: components.signal,
      commandRunner,
      ...(node.dns ? { clusterDomain: node.dns.clusterDomain } : {}),
      // What this process holds on the node's address: no load balancer may take it.
      hostPorts: nodeHostPorts({ apiServerPort: port, dns: node.dns?.enabled ?? false }),
      ...(existsSync(registriesFile) ? { registries: loadRegistriesConfig(registriesFile) } : {}),
      // The node's kubelet API, with a serving certificate for its name and addresses.
      server: {
        port: node.kubeletPort ?? 10250,
        ...issueServingCertificate(pki.ca, {
          commonName: `system:node:${node.name}`,
          altNames: { dnsNames: [node.name], ips: [...new Set([nodeIP, '127.0.0.1', advertise])] },
        }),
        clientCaPem: pki.ca.certPem,
      },
    });
  };
  // The agent checks the host and sets up the node network while the controllers start.
  const newAgent = o.node ? createAgent(o.node) : undefined;
  newAgent?.prepare().catch(() => undefined); // start() reports the failure
  await step(o.progress, 'controllers', () =>
    startControllerManager({
      // Informers list and watch as the controller manager; each controller writes as itself.
      client: inProcess('system:kube-controller-manager', []),
      accountFor: controllerAccount,
      clientFor: (controller) => {
        if (controller === SCHEDULER_NAME)
          return inProcess('system:kube-scheduler', [], 'kube-scheduler');
        const account = controllerAccount(controller);
        return account
          ? asServiceAccount(account, 'kube-controller-manager')
          : inProcess('system:kube-controller-manager', [], 'kube-controller-manager');
      },
      controllers: [
        ...builtinControllers({
          caPem: pki.ca.certPem,
          ...(o.loadBalancer !== undefined ? { loadBalancer: o.loadBalancer } : {}),
          serviceAccountKey: pki.serviceAccount.privateKey,
          legacyServiceAccountTokenSecrets: o.legacyServiceAccountTokenSecrets ?? false,
          signingCa: pki.ca,
          ...(o.autoscalerSyncPeriodMs
            ? { horizontalPodAutoscaler: { syncPeriodMs: o.autoscalerSyncPeriodMs } }
            : {}),
          ...(o.node
            ? { localPath: { nodeName: o.node.name, directory: join(paths.dir, 'storage') } }
            : {}),
        }),
        scheduler,
      ],
      logger: log.child('controllers'),
      signal: components.signal,
    }),
  );
  if (newAgent) {
    try {
      agent = await step(o.progress, `node ${o.node?.name} Ready`, async () => {
        await newAgent.start();
        return newAgent;
      });
      // The node's bridge now carries the advertised address: serve pods there too.
      if (advertised.listen)
        await step(o.progress, `API server for pods on https://${advertise}:${port}`, () =>
          apiServer.listenAlso(advertise),
        ).catch((err: unknown) =>
          log.warn('pods cannot reach the API server', { address: advertise, port, err }),
        );
    } catch (e) {
      // Never half-started: without its node the cluster stops again.
      components.abort();
      commandRunner.close();
      stopCompactor.abort();
      await apiServer.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      throw e;
    }
    // The node's service proxy, as kube-proxy beside the kubelet.
    const node = o.node;
    if (node)
      proxy = await step(
        o.progress,
        (p) => `service proxy (${p.mode})`,
        () =>
          startNodeProxy({
            client: inProcess('system:kube-proxy', []),
            signal: components.signal,
            nodeName: node.name,
            nodeIP: defaultNodeIP(node.podCIDR),
            logger: log,
            runner: commandRunner,
            mode: node.proxyMode,
          }),
      ).catch((e: unknown) => {
        log.error('the service proxy cannot run; services carry no traffic', { err: e });
        o.progress(`  ✗ service proxy: ${(e as Error).message}`);
        return undefined;
      });
    // NetworkPolicy enforcement, as a network plugin's node agent beside the kubelet.
    if (node)
      netpol = await startNodeNetworkPolicy({
        client: inProcess(SKIFF_IDENTITIES.networkPolicy, []),
        signal: components.signal,
        nodeName: node.name,
        logger: log,
        runner: commandRunner,
        proxyMode: proxy?.mode,
        dnsAddress: node.dns ? defaultNodeIP(node.podCIDR) : undefined,
      });
    // The node's ingress controller, an API client of its own.
    const ingressPorts = node?.ingress;
    if (node && ingressPorts)
      ingress = await step(
        o.progress,
        `ingress controller on ports ${ingressPorts.httpPort} and ${ingressPorts.httpsPort}`,
        () =>
          startIngress({
            ...ingressPorts,
            client: inProcess(SKIFF_IDENTITIES.ingress, []),
            signal: components.signal,
            logger: log,
            nodeName: node.name,
            nodeIP: defaultNodeIP(node.podCIDR),
            dataDir: paths.dir,
          }),
      ).catch((e: unknown) => {
        log.error('the ingress controller cannot run; Ingresses carry no traffic', { err: e });
        o.progress(`  ✗ ingress controller: ${(e as Error).message}`);
        return undefined;
      });
  }
  // Cluster DNS: served by the node on its address, as an API client of its own.
  const dns =
    agent && o.node?.dns
      ? await startNodeDns({
          flags: o.node.dns,
          client: asServiceAccount(SKIFF_IDENTITIES.dns, 'coredns'),
          nodeName: o.node.name,
          address: defaultNodeIP(o.node.podCIDR),
          logger: log,
          signal: components.signal,
          progress: o.progress,
        })
      : undefined;
  // The dashboard, last: an API client like the rest, on its own identity.
  const dashboard = o.dashboard
    ? await startNodeDashboard({
        flags: o.dashboard,
        bindAddress: o.bindAddress,
        apiPort: port,
        ca: pki.ca,
        addresses: [primaryAddress(), advertise],
        node:
          agent && o.node
            ? {
                name: o.node.name,
                address: defaultNodeIP(o.node.podCIDR),
                clusterDomain: o.node.dns?.clusterDomain,
              }
            : undefined,
        admin: inProcess('system:apiserver', ['system:masters']),
        own: inProcess(SKIFF_IDENTITIES.dashboard, []),
        logger: log,
        progress: o.progress,
      })
    : undefined;
  writeFileSync(
    paths.kubeconfig,
    renderAdminKubeconfig({
      server: `https://127.0.0.1:${port}`,
      caPem: pki.ca.certPem,
      certPem: pki.admin.certPem,
      keyPem: pki.admin.keyPem,
    }),
    { mode: 0o600 },
  );
  log.info('cluster started', { port, dataDir: paths.dir });
  return {
    apiServer,
    port,
    async close() {
      // As a node shutting down: each pod's grace period, but at most NODE_SHUTDOWN_GRACE_S.
      await agent?.stopPods(NODE_SHUTDOWN_GRACE_S);
      await dashboard
        ?.close()
        .catch((e: unknown) => log.error('dashboard not stopped', { err: e }));
      await dns?.close();
      // A node going down takes its service rules too (a crash leaves them serving).
      await proxy
        ?.close(false)
        .catch((e: unknown) => log.error('service rules not removed', { err: e }));
      await netpol
        ?.close(false)
        .catch((e: unknown) => log.error('network policy rules not removed', { err: e }));
      await ingress?.close().catch((e: unknown) => log.error('ingress not stopped', { err: e }));
      components.abort();
      commandRunner.close();
      stopCompactor.abort();
      await apiServer.close();
      await store.close();
      if (backing && backing !== store) await backing.close().catch(() => undefined);
    },
  };
}

// `skiff agent`: the composition root of a node joining a cluster from its own process,
// possibly on another machine, as a kubelet does: it reaches the API server over HTTPS with
// the credentials of a kubeconfig (`skiff node-credentials` writes one), checks the host,
// registers the Node and runs the pods bound to it until SIGTERM or SIGINT.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { versionInfo } from '../apiserver/version.js';
import { intFlag, stringFlag, UsageError, type ParsedArgs } from './args.js';
import type { Client, Transport } from '../client/index.js';
import type { Io } from './commands.js';
import { NODE_COMPONENTS, type NodeComponent } from './node-components.js';
import { dataPaths } from './paths.js';
import { guardProcess, isAlive, whenOwnerGone } from './process.js';
import { proxyModeFlag, startNodeProxy } from './service-proxy.js';
import type { IngressController, NetworkPolicyEnforcer, ServiceProxy } from '../net/index.js';
import { startNodeNetworkPolicy } from './network-policy.js';
import { dnsFlags, type DnsFlags } from './dns-flags.js';
import { ingressFlags, startIngress, type IngressFlags } from './ingress.js';
import { nodeHostPorts } from '../api/host-ports.js';

export const DEFAULT_KUBELET_PORT = 10250;
/** The node's share of the cluster CIDR when --pod-cidr is not given (as `skiff up`). */
const DEFAULT_POD_CIDR = '10.244.0.0/24';
/** How long pods get to stop when the agent is stopped (as `skiff down`). */
const NODE_SHUTDOWN_GRACE_S = 10;

export interface AgentFlags {
  kubeconfig: string;
  /**
   * Credentials of the node's service proxy, DNS and ingress controller (they need more than
   * a node may do, each its own); default the file `skiff node-credentials` writes beside
   * --kubeconfig, when there is one.
   */
  componentKubeconfigs: Partial<Record<NodeComponent, string>>;
  nodeName: string;
  podCIDR: string;
  dataDir: string;
  kubeletPort: number;
  address: string;
  tlsCertFile: string;
  tlsKeyFile: string;
  clientCaFile?: string;
  nodeIP?: string;
  proxyMode?: 'nftables' | 'userspace';
  dns: DnsFlags;
  /** The ingress controller's ports; undefined runs none (`--disable-ingress`). */
  ingress?: IngressFlags | undefined;
}

/** The flags of `skiff agent`, checked (usage errors throw UsageError). */
export function agentFlags(args: ParsedArgs): AgentFlags {
  const kubeconfig = stringFlag(args, 'kubeconfig');
  if (!kubeconfig)
    throw new UsageError('flag --kubeconfig is required (skiff node-credentials writes one)');
  const tlsCertFile = stringFlag(args, 'tls-cert-file');
  const tlsKeyFile = stringFlag(args, 'tls-private-key-file');
  if (!tlsCertFile || !tlsKeyFile)
    throw new UsageError(
      'flags --tls-cert-file and --tls-private-key-file are required (the node serving certificate skiff node-credentials writes)',
    );
  const address = stringFlag(args, 'address') ?? '0.0.0.0';
  if (!isIP(address)) throw new UsageError(`flag --address: "${address}" is not an IP address`);
  const nodeIP = stringFlag(args, 'node-ip');
  if (nodeIP !== undefined && !isIP(nodeIP))
    throw new UsageError(`flag --node-ip: "${nodeIP}" is not an IP address`);
  const clientCaFile = stringFlag(args, 'client-ca-file');
  const proxyMode = proxyModeFlag(args);
  const dataDirFlag = stringFlag(args, 'data-dir');
  const componentKubeconfigs: Partial<Record<NodeComponent, string>> = {};
  for (const name of Object.keys(NODE_COMPONENTS) as NodeComponent[]) {
    const beside = join(dirname(resolve(kubeconfig)), NODE_COMPONENTS[name].file);
    const file =
      stringFlag(args, `${name}-kubeconfig`) ?? (existsSync(beside) ? beside : undefined);
    if (file) componentKubeconfigs[name] = resolve(file);
  }
  return {
    kubeconfig: resolve(kubeconfig),
    componentKubeconfigs,
    nodeName: (stringFlag(args, 'node-name') ?? hostname()).toLowerCase(),
    podCIDR: stringFlag(args, 'pod-cidr') ?? DEFAULT_POD_CIDR,
    // The agent's own state (images, pods, runtime), apart from a cluster's data dir.
    dataDir: dataDirFlag ? resolve(dataDirFlag) : join(dataPaths(undefined).dir, 'agent'),
    kubeletPort: intFlag(args, 'kubelet-port') ?? DEFAULT_KUBELET_PORT,
    address,
    tlsCertFile: resolve(tlsCertFile),
    tlsKeyFile: resolve(tlsKeyFile),
    ...(clientCaFile ? { clientCaFile: resolve(clientCaFile) } : {}),
    ...(nodeIP ? { nodeIP } : {}),
    ...(proxyMode ? { proxyMode } : {}),
    dns: dnsFlags(args),
    ingress: ingressFlags(args),
  };
}

function readFlagFile(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT'
        ? 'no such file'
        : err.code === 'EACCES'
          ? 'permission denied'
          : err.code === 'EISDIR'
            ? 'is a directory'
            : err.message;
    throw new Error(`--${flag}: ${path}: ${why}`);
  }
}

/** How long the agent waits for the API server's first answer at start-up. */
const API_CHECK_TIMEOUT_MS = 30_000;

/** Whether the API server answers, and accepts the node's credentials: says why not. */
async function checkApiServer(
  transport: Transport,
  server: string,
  nodeName: string,
): Promise<void> {
  let status: number;
  try {
    ({ status } = await transport.request({
      method: 'GET',
      path: `/api/v1/nodes/${encodeURIComponent(nodeName)}`,
      signal: AbortSignal.timeout(API_CHECK_TIMEOUT_MS),
    }));
  } catch (e) {
    const err = e as Error;
    const why =
      err.name === 'TimeoutError' || err.name === 'AbortError'
        ? `no answer within ${API_CHECK_TIMEOUT_MS / 1000} s`
        : err.message;
    throw new Error(`cannot reach the API server at ${server}: ${why}`);
  }
  if (status === 401)
    throw new Error(
      `the API server at ${server} does not accept the kubeconfig's credentials (401 Unauthorized)`,
    );
  if (status === 403)
    throw new Error(
      `the API server at ${server} does not let system:node:${nodeName} read its Node (403 Forbidden)`,
    );
  if (status !== 200 && status !== 404)
    throw new Error(`the API server at ${server} answered ${status} to the node's first request`);
}

async function step<T>(
  progress: (l: string) => void,
  label: string,
  fn: () => Promise<T> | T,
): Promise<T> {
  const t0 = performance.now();
  const v = await fn();
  progress(`  ✓ ${label} (${Math.round(performance.now() - t0)} ms)`);
  return v;
}

export async function agentCommand(args: ParsedArgs, io: Io): Promise<number> {
  const f = agentFlags(args);
  const { nodeHostProblems } = await import('../agent/preflight.js');
  const missing = nodeHostProblems();
  if (missing.length) {
    io.err(
      `error: this machine cannot run pods; missing:\n${missing.map((m) => `  - ${m}`).join('\n')}`,
    );
    return 1;
  }
  mkdirSync(f.dataDir, { recursive: true, mode: 0o700 });
  const pidFile = join(f.dataDir, 'agent.pid');
  const other = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
  if (other > 0 && other !== process.pid && isAlive(other)) {
    io.err(`error: a node agent is already running from ${f.dataDir} (pid ${other})`);
    return 1;
  }

  const { parseKubeconfig, clientOptionsFromKubeconfig } = await import('../client/kubeconfig.js');
  const { createClient, createHttpsTransport } = await import('../client/index.js');
  const { createLogger } = await import('../log/index.js');
  const { createCommandRunner, createNodeAgent, defaultNodeIP, AGENT_VERSION } =
    await import('../agent/index.js');
  const { loadRegistriesConfig } = await import('../images/index.js');

  const clientOf = (
    creds: ReturnType<typeof clientOptionsFromKubeconfig>,
    userAgent: string,
    manager: string,
  ) =>
    createClient(
      createHttpsTransport({
        server: creds.server,
        ...(creds.ca ? { ca: creds.ca } : {}),
        ...(creds.cert ? { cert: creds.cert } : {}),
        ...(creds.key ? { key: creds.key } : {}),
        ...(creds.token ? { token: creds.token } : {}),
        insecure: creds.insecure,
        ...(creds.tlsServerName ? { servername: creds.tlsServerName } : {}),
        userAgent,
      }),
      manager,
    );
  let client;
  // The service proxy, DNS and ingress controller: each its own credentials when given.
  let clients: Record<NodeComponent, Client>;
  let apiServer: string;
  let caPem: string;
  let server: { certPem: string; keyPem: string; clientCaPem: string };
  try {
    const creds = clientOptionsFromKubeconfig(
      parseKubeconfig(readFlagFile('kubeconfig', f.kubeconfig), f.kubeconfig),
    );
    apiServer = creds.server;
    client = clientOf(creds, `kubelet/${AGENT_VERSION} (linux/${process.arch}) skiff`, 'kubelet');
    const node = client;
    const componentClient = (name: NodeComponent, agent: string, manager: string) => {
      const file = f.componentKubeconfigs[name];
      if (!file) return node;
      const options = clientOptionsFromKubeconfig(
        parseKubeconfig(readFlagFile(`${name}-kubeconfig`, file), file),
      );
      return clientOf(options, `${agent}/${AGENT_VERSION} (linux/${process.arch}) skiff`, manager);
    };
    // User agents and field managers as `skiff up` names its in-process parts'.
    clients = {
      proxy: componentClient('proxy', 'kube-proxy', 'kube-proxy'),
      dns: componentClient('dns', 'coredns', 'coredns'),
      ingress: componentClient('ingress', 'skiff-ingress-controller', 'skiff-ingress-controller'),
      netpol: componentClient('netpol', 'skiff-network-policy', 'skiff-network-policy'),
    };
    // Without --client-ca-file the node trusts the CA it trusts the API server by.
    const clientCaPem = f.clientCaFile
      ? readFlagFile('client-ca-file', f.clientCaFile)
      : (creds.ca ?? '');
    if (!clientCaPem)
      throw new Error(
        '--client-ca-file is required when the kubeconfig names no certificate authority',
      );
    caPem = creds.ca ?? clientCaPem;
    server = {
      certPem: readFlagFile('tls-cert-file', f.tlsCertFile),
      keyPem: readFlagFile('tls-private-key-file', f.tlsKeyFile),
      clientCaPem,
    };
    io.out(
      `Starting Skiff node agent (Kubernetes v${versionInfo().major}.${versionInfo().minor}) as node ${f.nodeName}, API server ${creds.server}, in ${f.dataDir}`,
    );
  } catch (e) {
    io.err(`error: ${(e as Error).message.replace(/^Error: /, '')}`);
    return 1;
  }

  writeFileSync(pidFile, `${process.pid}\n`);
  const t0 = performance.now();
  const logger = createLogger({ component: 'skiff-agent' });
  const unguard = guardProcess(logger);
  const components = new AbortController();
  const commandRunner = createCommandRunner();
  const registriesFile = join(f.dataDir, 'registries.yaml');
  const agent = createNodeAgent({
    client,
    nodeName: f.nodeName,
    dataDir: f.dataDir,
    podCIDR: f.podCIDR,
    caPem,
    logger,
    signal: components.signal,
    commandRunner,
    clusterDomain: f.dns.clusterDomain,
    ...(f.nodeIP ? { hostIP: f.nodeIP } : {}),
    // What this process holds on the node's address: no load balancer may take it.
    hostPorts: nodeHostPorts({ dns: f.dns.enabled }),
    ...(existsSync(registriesFile) ? { registries: loadRegistriesConfig(registriesFile) } : {}),
    server: { port: f.kubeletPort, host: f.address, ...server },
  });
  let proxy: ServiceProxy | undefined;
  let netpol: NetworkPolicyEnforcer | undefined;
  let dns: { close(): Promise<void> } | undefined;
  let ingress: IngressController | undefined;
  const stop = async (): Promise<void> => {
    await dns?.close();
    components.abort();
    commandRunner.close();
    client.transport.close();
    for (const c of new Set(Object.values(clients))) if (c !== client) c.transport.close();
    unguard();
    rmSync(pidFile, { force: true });
  };
  try {
    // The API first: a node that cannot join changes nothing on the host.
    await step(io.out, `API server ${apiServer} reached as system:node:${f.nodeName}`, () =>
      checkApiServer(client.transport, apiServer, f.nodeName),
    );
    await step(io.out, 'host checked, node network set up', () => agent.prepare());
    await step(io.out, `node ${f.nodeName} Ready`, () => agent.start());
    // The node's service proxy, as kube-proxy beside the kubelet (with its own credentials).
    proxy = await startNodeProxy({
      client: clients.proxy,
      signal: components.signal,
      nodeName: f.nodeName,
      nodeIP: f.nodeIP ?? defaultNodeIP(f.podCIDR),
      logger,
      runner: commandRunner,
      mode: f.proxyMode,
    }).catch((e: unknown) => {
      logger.error('the service proxy cannot run; services carry no traffic', { err: e });
      io.err(`warning: service proxy: ${(e as Error).message}`);
      return undefined;
    });
    if (proxy) io.out(`  ✓ service proxy (${proxy.mode})`);
    // NetworkPolicy enforcement, as a network plugin's node agent (its own credentials).
    netpol = await startNodeNetworkPolicy({
      client: clients.netpol,
      signal: components.signal,
      nodeName: f.nodeName,
      logger,
      runner: commandRunner,
      proxyMode: proxy?.mode,
      dnsAddress: f.dns.enabled ? (f.nodeIP ?? defaultNodeIP(f.podCIDR)) : undefined,
    });
    if (netpol) io.out('  ✓ network policies enforced');
    // Cluster DNS: served by the node on its address, as an API client of its own.
    const { startNodeDns } = await import('./dns.js');
    dns = await startNodeDns({
      flags: f.dns,
      client: clients.dns,
      nodeName: f.nodeName,
      address: f.nodeIP ?? defaultNodeIP(f.podCIDR),
      logger,
      signal: components.signal,
      progress: io.out,
    });
    // The node's ingress controller (its own credentials).
    const ports = f.ingress;
    if (ports) {
      ingress = await startIngress({
        ...ports,
        client: clients.ingress,
        signal: components.signal,
        logger,
        nodeName: f.nodeName,
        nodeIP: f.nodeIP ?? defaultNodeIP(f.podCIDR),
        dataDir: f.dataDir,
      }).catch((e: unknown) => {
        logger.error('the ingress controller cannot run; Ingresses carry no traffic', { err: e });
        io.err(`warning: ingress controller: ${(e as Error).message}`);
        return undefined;
      });
      if (ingress)
        io.out(`  ✓ ingress controller on ports ${ports.httpPort} and ${ports.httpsPort}`);
    }
  } catch (e) {
    io.err(`error: ${(e as Error).message}`);
    // As `skiff up`: containers already running stay for the next agent to adopt.
    await stop();
    return 1;
  }
  logger.info('node agent started', { node: f.nodeName, dataDir: f.dataDir });
  io.out(`Skiff node agent is ready in ${Math.round(performance.now() - t0)} ms.`);
  io.out('Press Ctrl-C to stop.');
  await new Promise<void>((res) => {
    const done = (): void => res();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    whenOwnerGone(done);
  });
  io.out('Stopping the node agent…');
  // As a node shutting down: each pod's grace period, but at most NODE_SHUTDOWN_GRACE_S.
  await agent.stopPods(NODE_SHUTDOWN_GRACE_S);
  // A node going down takes its service rules too (a crash leaves them serving).
  await proxy
    ?.close(false)
    .catch((e: unknown) => logger.error('service rules not removed', { err: e }));
  await netpol
    ?.close(false)
    .catch((e: unknown) => logger.error('network policy rules not removed', { err: e }));
  await ingress?.close().catch((e: unknown) => logger.error('ingress not stopped', { err: e }));
  await stop();
  return 0;
}

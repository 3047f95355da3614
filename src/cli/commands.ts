// skiff up | down | status | kubeconfig | version.

import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  writeFileSync,
} from 'node:fs';
import { homedir, hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// Only small modules up front: status, down and the detaching parent must start quickly;
// the server itself is loaded by `up` when it starts one.
import { versionInfo } from '../apiserver/version.js';
import { intFlag, stringFlag, UsageError, type ParsedArgs } from './args.js';
import { dnsFlags, DNS_VALUE_FLAGS, type DnsFlags } from './dns-flags.js';
import { dataPaths, type DataPaths } from './paths.js';
import { proxyModeFlag } from './service-proxy.js';
import { ingressChildArgs, ingressFlags, type IngressFlags } from './ingress.js';
import { dashboardChildArgs, dashboardFlags } from './dashboard.js';
import { autoscalerChildArgs, autoscalerSyncPeriod } from './autoscaler-flags.js';
import {
  clearRuntimeFiles,
  guardProcess,
  isAlive,
  probeReady,
  readEndpoint,
  runningPid,
  whenOwnerGone,
} from './process.js';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const DEFAULT_API_PORT = 6443;
/** The node's kubelet API port (the kubelet's --port default). */
const DEFAULT_KUBELET_PORT = 10250;
const DETACH_TIMEOUT_MS = 60_000;

function binPath(): string {
  // dist/src/cli/commands.js → bin/skiff.js
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'skiff.js');
}

export async function up(args: ParsedArgs, io: Io): Promise<number> {
  const paths = dataPaths(stringFlag(args, 'data-dir'));
  const apiPort = intFlag(args, 'api-port') ?? DEFAULT_API_PORT;
  const bindAddress = stringFlag(args, 'bind-address') ?? '127.0.0.1';
  const existing = runningPid(paths);
  if (existing !== undefined && existing !== process.pid) {
    io.err(
      `error: a cluster is already running from ${paths.dir} (pid ${existing}); stop it with: skiff down --data-dir ${paths.dir}`,
    );
    return 1;
  }
  const tokenFileFlag = stringFlag(args, 'token-auth-file');
  const tokenAuthFile = tokenFileFlag === undefined ? undefined : resolve(tokenFileFlag);
  if (tokenAuthFile !== undefined) {
    const problem = await tokenFileProblem(tokenAuthFile);
    if (problem) {
      io.err(`error: --token-auth-file: ${problem}`);
      return 1;
    }
  }
  const loadBalancer = await loadBalancerOptions(args);
  const dashboard = dashboardFlags(args);
  const autoscalerSyncPeriodMs = autoscalerSyncPeriod(args);
  const node = args.flags.has('disable-agent') ? undefined : await nodeOptions(args, io);
  if (node === null) return 1;
  if (args.flags.has('detach')) return detach(args, paths, apiPort, tokenAuthFile, io);
  const foregroundChild = args.flags.has('detached-child');
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  writeFileSync(paths.pid, `${process.pid}\n`);
  io.out(
    `Starting Skiff (Kubernetes v${versionInfo().major}.${versionInfo().minor}) in ${paths.dir}`,
  );
  const t0 = performance.now();
  let cluster;
  const { createLogger } = await import('../log/index.js');
  const logger = createLogger({ component: 'skiff' });
  const unguard = guardProcess(logger);
  try {
    const { startCluster } = await import('./cluster.js');
    cluster = await startCluster({
      logger,
      paths,
      apiPort,
      bindAddress,
      ...(tokenAuthFile !== undefined ? { tokenAuthFile } : {}),
      ...(node ? { node } : {}),
      loadBalancer,
      legacyServiceAccountTokenSecrets: args.flags.has('legacy-service-account-token-secrets'),
      dashboard,
      ...(autoscalerSyncPeriodMs ? { autoscalerSyncPeriodMs } : {}),
      progress: io.out,
    });
  } catch (e) {
    unguard();
    clearRuntimeFiles(paths);
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE')
      io.err(
        `error: cannot listen on ${bindAddress}:${apiPort}: the address is already in use (choose another with --api-port)`,
      );
    else if (err.code === 'EACCES')
      io.err(`error: cannot listen on ${bindAddress}:${apiPort}: permission denied`);
    else io.err(`error: ${err.message}`);
    return 1;
  }
  writeFileSync(paths.endpoint, JSON.stringify({ pid: process.pid, port: cluster.port }) + '\n');
  if (args.flags.has('merge-kubeconfig')) await mergeIntoUserKubeconfig(paths, io);
  io.out(`Skiff is ready in ${Math.round(performance.now() - t0)} ms.`);
  io.out(`  kubeconfig: ${paths.kubeconfig}`);
  io.out(`  try:        KUBECONFIG=${paths.kubeconfig} kubectl get namespaces`);
  if (!foregroundChild) io.out('Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    whenOwnerGone(stop);
  });
  io.out('Stopping Skiff…');
  await cluster.close();
  unguard();
  clearRuntimeFiles(paths);
  return 0;
}

/** `--disable-load-balancer` and `--lb-pool CIDR` (checked before anything starts). */
async function loadBalancerOptions(args: ParsedArgs): Promise<{ pool?: string } | false> {
  const pool = stringFlag(args, 'lb-pool');
  if (args.flags.has('disable-load-balancer')) {
    if (pool !== undefined)
      throw new UsageError('--lb-pool and --disable-load-balancer cannot be used together');
    return false;
  }
  if (pool === undefined) return {};
  const { parseAddressPool } = await import('../controllers/index.js');
  try {
    return { pool: parseAddressPool(pool).cidr };
  } catch (e) {
    throw new UsageError(`flag --lb-pool: ${(e as Error).message}`);
  }
}

/**
 * The node this process will be (name and pod CIDR), or null after saying what the host
 * lacks to run pods: `skiff up` refuses before it starts anything.
 */
async function nodeOptions(
  args: ParsedArgs,
  io: Io,
): Promise<{
  name: string;
  podCIDR: string;
  kubeletPort: number;
  proxyMode?: 'nftables' | 'userspace';
  dns: DnsFlags;
  ingress: IngressFlags | undefined;
} | null> {
  const { nodeHostProblems } = await import('../agent/preflight.js');
  const missing = nodeHostProblems();
  if (missing.length) {
    io.err(
      `error: this machine cannot run pods; missing:\n${missing.map((m) => `  - ${m}`).join('\n')}\n` +
        `(or start an API-only cluster with --disable-agent)`,
    );
    return null;
  }
  const name = (stringFlag(args, 'node-name') ?? hostname()).toLowerCase();
  // The single node's share of the cluster CIDR 10.244.0.0/16.
  return {
    name,
    podCIDR: stringFlag(args, 'pod-cidr') ?? '10.244.0.0/24',
    kubeletPort: intFlag(args, 'kubelet-port') ?? DEFAULT_KUBELET_PORT,
    ...proxyModeOption(args),
    dns: dnsFlags(args),
    ingress: ingressFlags(args),
  };
}

function proxyModeOption(args: ParsedArgs): { proxyMode?: 'nftables' | 'userspace' } {
  const mode = proxyModeFlag(args);
  return mode ? { proxyMode: mode } : {};
}

async function mergeIntoUserKubeconfig(paths: DataPaths, io: Io): Promise<void> {
  const { mergeContextInto, parseKubeconfig, writeKubeconfigFile } =
    await import('../client/kubeconfig.js');
  const target = process.env['KUBECONFIG']?.split(':')[0] || join(homedir(), '.kube', 'config');
  mkdirSync(dirname(target), { recursive: true });
  const existing = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
  writeKubeconfigFile(
    target,
    mergeContextInto(
      existing,
      parseKubeconfig(readFileSync(paths.kubeconfig, 'utf8'), paths.kubeconfig),
      { setCurrent: true },
    ),
  );
  io.out(`  merged context "skiff" into ${target}`);
}

/** Why a token file cannot be used (missing, unreadable, malformed); undefined if it can. */
async function tokenFileProblem(path: string): Promise<string | undefined> {
  const { parseTokenAuthFile } = await import('../pki/token-file.js');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') return `${path}: no such file`;
    if (err.code === 'EACCES') return `${path}: permission denied`;
    if (err.code === 'EISDIR') return `${path} is a directory`;
    return `${path}: ${err.message}`;
  }
  try {
    parseTokenAuthFile(text, path);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

async function detach(
  args: ParsedArgs,
  paths: DataPaths,
  apiPort: number,
  tokenAuthFile: string | undefined,
  io: Io,
): Promise<number> {
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const childArgs = [
    'up',
    '--data-dir',
    paths.dir,
    '--api-port',
    String(apiPort),
    '--detached-child',
  ];
  const bind = stringFlag(args, 'bind-address');
  if (bind) childArgs.push('--bind-address', bind);
  if (tokenAuthFile) childArgs.push('--token-auth-file', tokenAuthFile);
  for (const flag of ['node-name', 'pod-cidr', 'kubelet-port', 'lb-pool', 'proxy-mode']) {
    const v = stringFlag(args, flag);
    if (v) childArgs.push(`--${flag}`, v);
  }
  if (args.flags.has('disable-agent')) childArgs.push('--disable-agent');
  if (args.flags.has('disable-load-balancer')) childArgs.push('--disable-load-balancer');
  if (args.flags.has('legacy-service-account-token-secrets'))
    childArgs.push('--legacy-service-account-token-secrets');
  // Cluster DNS.
  for (const flag of DNS_VALUE_FLAGS) {
    const v = stringFlag(args, flag);
    if (v) childArgs.push(`--${flag}`, v);
  }
  if (args.flags.has('disable-dns')) childArgs.push('--disable-dns');
  if (args.flags.has('merge-kubeconfig')) childArgs.push('--merge-kubeconfig');
  childArgs.push(...ingressChildArgs(args));
  childArgs.push(...dashboardChildArgs(args));
  childArgs.push(...autoscalerChildArgs(args));
  const logFd = openSync(paths.log, 'a');
  let logOffset = fstatSync(logFd).size;
  const child = spawn(process.execPath, [binPath(), ...childArgs], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: process.env,
  });
  child.unref();
  const pid = child.pid ?? 0;
  io.out(`Starting Skiff in the background (pid ${pid}, log ${paths.log})…`);
  const deadline = Date.now() + DETACH_TIMEOUT_MS;
  let lastShown = 0;
  // Relay the child's progress lines (`  ✓ certificates (12 ms)`) as they appear in its log.
  const childLines: string[] = [];
  const relayProgress = (): void => {
    const { text, next } = readFrom(paths.log, logOffset);
    logOffset = next;
    for (const line of text.split('\n')) {
      if (line) childLines.push(line);
      if (/^\s+✓ /.test(line)) io.out(line);
    }
  };
  while (Date.now() < deadline) {
    relayProgress();
    if (!isAlive(pid)) {
      relayProgress();
      // The child's own error says what went wrong; otherwise show the end of its log.
      const errors = childLines.filter((l) => l.startsWith('error:'));
      if (errors.length) for (const l of errors) io.err(l);
      else
        io.err(
          `error: Skiff exited while starting; the end of ${paths.log}:\n${childLines.slice(-5).join('\n')}`,
        );
      return 1;
    }
    const ep = readEndpoint(paths);
    if (ep && ep.pid === pid && existsSync(join(paths.pki, 'ca.crt'))) {
      if (await probeReady(ep.port, readFileSync(join(paths.pki, 'ca.crt'), 'utf8'))) {
        relayProgress();
        io.out(`Skiff is ready: https://127.0.0.1:${ep.port}`);
        io.out(`  kubeconfig: ${paths.kubeconfig}`);
        io.out(`  try:        KUBECONFIG=${paths.kubeconfig} kubectl get namespaces`);
        return 0;
      }
    }
    if (Date.now() - lastShown > 5000 && lastShown) io.out('  still starting…');
    if (!lastShown || Date.now() - lastShown > 5000) lastShown = Date.now();
    await new Promise((r) => setTimeout(r, 25));
  }
  io.err(
    `error: Skiff did not become ready within ${DETACH_TIMEOUT_MS / 1000} s; see ${paths.log}`,
  );
  return 1;
}

/** The complete lines of a file from byte offset on, and the offset after them. */
function readFrom(path: string, offset: number): { text: string; next: number } {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    if (size <= offset) return { text: '', next: offset };
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    const end = buf.lastIndexOf(0x0a) + 1;
    return { text: buf.subarray(0, end).toString('utf8'), next: offset + end };
  } catch {
    return { text: '', next: offset };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export async function down(args: ParsedArgs, io: Io): Promise<number> {
  const paths = dataPaths(stringFlag(args, 'data-dir'));
  const pid = runningPid(paths);
  if (pid === undefined) {
    clearRuntimeFiles(paths);
    io.out(`No cluster is running from ${paths.dir}.`);
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  // Pods get up to 10 s to stop (cluster.ts), then the store and server close.
  const deadline = Date.now() + 30_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (isAlive(pid)) {
    io.err(`error: Skiff (pid ${pid}) did not stop within 30 s`);
    return 1;
  }
  clearRuntimeFiles(paths);
  io.out(`Stopped Skiff (pid ${pid}).`);
  return 0;
}

export async function status(args: ParsedArgs, io: Io): Promise<number> {
  const paths = dataPaths(stringFlag(args, 'data-dir'));
  const pid = runningPid(paths);
  const ep = readEndpoint(paths);
  if (pid === undefined || !ep) {
    io.out(`Skiff is not running (data dir ${paths.dir}).`);
    return 3;
  }
  const ready = await probeReady(ep.port, readFileSync(join(paths.pki, 'ca.crt'), 'utf8'));
  io.out(`Skiff is ${ready ? 'running' : 'starting'} (pid ${pid})`);
  io.out(`  API server: https://127.0.0.1:${ep.port} (${ready ? 'ready' : 'not ready'})`);
  io.out(`  data dir:   ${paths.dir}`);
  io.out(`  kubeconfig: ${paths.kubeconfig}`);
  return ready ? 0 : 1;
}

export async function kubeconfig(args: ParsedArgs, io: Io): Promise<number> {
  const paths = dataPaths(stringFlag(args, 'data-dir'));
  if (!existsSync(paths.kubeconfig)) {
    io.err(
      `error: no kubeconfig in ${paths.dir}; start a cluster with: skiff up --data-dir ${paths.dir}`,
    );
    return 1;
  }
  io.out(readFileSync(paths.kubeconfig, 'utf8').trimEnd());
  return 0;
}

export async function version(_args: ParsedArgs, io: Io): Promise<number> {
  io.out(versionInfo().gitVersion);
  return 0;
}

export const USAGE = `Skiff: a small Kubernetes-compatible cluster.

Usage:
  skiff up [--data-dir DIR] [--detach] [--api-port N] [--bind-address IP] [--merge-kubeconfig] [--token-auth-file FILE]
           [--node-name NAME] [--pod-cidr CIDR] [--kubelet-port N] [--disable-agent] [--proxy-mode nftables|userspace]
           [--disable-load-balancer | --lb-pool CIDR] [--disable-ingress] [--ingress-http-port N] [--ingress-https-port N]
           [--disable-dashboard] [--dashboard-port N]
           [--cluster-domain DOMAIN] [--resolv-conf FILE] [--disable-dns] [--legacy-service-account-token-secrets]
           [--horizontal-pod-autoscaler-sync-period DURATION]
  skiff down [--data-dir DIR]
  skiff status [--data-dir DIR]
  skiff kubeconfig [--data-dir DIR]
  skiff dashboard [--open] [--data-dir DIR]
  skiff node-credentials --node-name NAME --address IP [--address IP]… --out DIR [--server URL] [--data-dir DIR]
  skiff agent --kubeconfig FILE --tls-cert-file FILE --tls-private-key-file FILE [--node-name NAME] [--node-ip IP]
              [--pod-cidr CIDR] [--data-dir DIR] [--kubelet-port N] [--address IP] [--client-ca-file FILE]
              [--proxy-kubeconfig FILE] [--dns-kubeconfig FILE] [--ingress-kubeconfig FILE] [--netpol-kubeconfig FILE]
              [--proxy-mode nftables|userspace] [--disable-ingress] [--ingress-http-port N] [--ingress-https-port N]
              [--cluster-domain DOMAIN] [--resolv-conf FILE] [--disable-dns]
  skiff images import FILE… | ls | rm REF | pull REF [--data-dir DIR]
  skiff trust | untrust [--data-dir DIR]
  skiff url svc/NAME [-n NAMESPACE] [--data-dir DIR]
  skiff version

The data dir defaults to $SKIFF_DATA_DIR or ~/.skiff.

  up                 runs the control plane and, unless --disable-agent, a node in the same process;
                     its node serves the kubelet API on --kubelet-port (default 10250).
                     LoadBalancer services get the nodes' addresses (a port on a node goes to the
                     first service asking), or each an address of --lb-pool (an IPv4 CIDR);
                     --disable-load-balancer leaves them <pending> for another load balancer.
                     --legacy-service-account-token-secrets gives every service account a
                     NAME-token-XXXXX secret listed in its .secrets, as before Kubernetes 1.24.
                     --horizontal-pod-autoscaler-sync-period is how often each HPA is reconciled
                     (default 15s).
  node-credentials   on the control plane: writes into --out what a node needs to join, from the
                     data dir's cluster CA: kubeconfig (user system:node:NAME; --server, default this
                     machine's address and the running cluster's port), kube-proxy.kubeconfig (user
                     system:kube-proxy), dns.kubeconfig (system:skiff-dns), ingress.kubeconfig
                     (system:skiff-ingress-controller), netpol.kubeconfig (system:skiff-network-policy),
                     ca.crt, and kubelet.crt and kubelet.key (the node's serving certificate for NAME
                     and each --address).
  agent              on a node: joins the cluster of --kubeconfig as node --node-name (default the host
                     name), runs its pods and serves the kubelet API on --address:--kubelet-port
                     (default 0.0.0.0:10250) with --tls-cert-file and --tls-private-key-file; client
                     certificates must be signed by --client-ca-file (default the kubeconfig's CA).
                     --node-ip is the Node's InternalIP (default the first non-loopback IPv4 address);
                     --data-dir keeps images and pods (default ~/.skiff/agent); --pod-cidr defaults to
                     10.244.0.0/24. The service proxy, DNS, ingress controller and network policy
                     enforcement use --proxy-kubeconfig, --dns-kubeconfig, --ingress-kubeconfig and
                     --netpol-kubeconfig (default the files node-credentials writes, beside
                     --kubeconfig).
                     SIGTERM or Ctrl-C stops the pods, as skiff down.
  trust              adds the local ingress CA (it issues certificates for Ingress TLS hosts without a
                     secret) to this machine's trust store (update-ca-certificates); untrust removes it.
  dashboard          prints the dashboard's direct URL, signed in for an hour as the local admin (the
                     kube-system account skiff-dashboard-admin, bound to cluster-admin); --open runs
                     xdg-open on it.
  url                prints the URLs of a service this machine can open (cluster IP, NodePorts on
                     127.0.0.1, load-balancer addresses), or says why there is none.

A node (of up or agent) runs the service proxy: --proxy-mode nftables programs the kernel (root
and a working nft), userspace serves each service from listeners; by default nftables where it
works, else userspace. It also runs the ingress controller (nginx configured from the Ingresses of
class skiff) on ports 80 and 443 (--ingress-http-port, --ingress-https-port); --disable-ingress runs none.

A node (of up or agent) serves cluster DNS on its address, port 53 (metrics on 9153), for
--cluster-domain (default cluster.local, also the pods' search path) and keeps itself in the
kube-dns Service's endpoints (10.96.0.10); other names go to the nameservers of --resolv-conf
(default /etc/resolv.conf, loopback ones skipped). --disable-dns turns it off.

skiff up serves the dashboard (the web UI) over HTTPS on --dashboard-port (default 8443), also
reached as the service kubernetes-dashboard (namespace kubernetes-dashboard, port 443) through
the API server's proxy and kubectl proxy; --disable-dashboard runs none.`;

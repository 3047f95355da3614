// The nftables mode: applies each plan with one `nft -f -` (all or nothing), keeps what it
// applied to diff the next sync against, flushes the conntrack entries of UDP endpoints
// that went away, and sets route_localnet so NodePorts answer on 127.0.0.1.

import { hostCommands, HostCommandError, parseIpv4Links, type HostCommands } from '../host.js';
import type { ModeOptions, ProxyMode, ProxyServicePort } from '../types.js';
import { startNftSession } from './session.js';
import { emptyState, planSync, type AppliedState, type KernelTable } from './plan.js';
import {
  categorize,
  FAMILY,
  serviceRules,
  TABLE,
  type RuleContext,
  type ServiceRuleSet,
} from './rules.js';

export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
/** kube-proxy's full resync period: whatever changed our table behind us is repaired. */
export const FULL_SYNC_PERIOD_MS = 60 * 60_000;
/**
 * Flushed chains are deleted by the first sync a second (plan.ts's STALE_CHAIN_DELAY_MS)
 * after they went out of use; they get a transaction of their own only after this long
 * without a sync. Their own transaction a fixed second later used to delay the next
 * endpoint change (a readiness flip back comes about a probe period later) by an `nft` run.
 */
export const IDLE_CLEANUP_MS = 2_000;
/** Larger transactions (full syncs) are not sent as one interactive line. */
const SESSION_SCRIPT_MAX = 256 * 1024;
const SESSION_DEATHS_MAX = 3;

interface NftJson {
  nftables?: {
    chain?: { table: string; name: string };
    set?: { table: string; name: string; timeout?: number };
  }[];
}

/**
 * The chains and sets our table holds now; undefined when there is no table. Names only:
 * `nft list table` would print every rule and element too, seconds at 1,000 services.
 */
async function listTable(host: HostCommands): Promise<KernelTable | undefined> {
  const list = async (what: 'chains' | 'sets'): Promise<NonNullable<NftJson['nftables']>> =>
    (JSON.parse(await host.run(['nft', '-j', 'list', what, FAMILY])) as NftJson).nftables ?? [];
  const out: KernelTable = { chains: [], sets: new Map() };
  for (const o of await list('chains')) if (o.chain?.table === TABLE) out.chains.push(o.chain.name);
  // Our table always has its base chains: none means no table.
  if (out.chains.length === 0) return undefined;
  for (const o of await list('sets'))
    if (o.set?.table === TABLE) out.sets.set(o.set.name, o.set.timeout ?? 0);
  return out;
}

/** Service addresses whose UDP conntrack entries may point at a given endpoint. */
function udpDestinations(sp: ProxyServicePort): string[] {
  return [...sp.clusterIPs.slice(0, 1), ...sp.externalIPs, ...sp.loadBalancerIPs];
}

export function createNftablesMode(opts: ModeOptions): ProxyMode {
  const host = hostCommands(opts.runner, opts.netns);
  const session = startNftSession(opts.netns);
  const log = opts.logger;
  const ctx: RuleContext = {
    clusterCIDR: opts.node.clusterCIDR,
    serviceCIDR: opts.serviceCIDR ?? DEFAULT_SERVICE_CIDR,
  };
  let applied: AppliedState = emptyState();
  let needFull = true;
  let lastFull = -Infinity;
  let lastState = new Map<string, ProxyServicePort>();
  let queue: Promise<unknown> = Promise.resolve();
  let staleTimer: NodeJS.Timeout | undefined;
  let closed = false;
  let conntrackMissing = false;

  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = queue.then(fn, fn);
    queue = p.catch(() => undefined);
    return p;
  };

  /**
   * A namespace with no route to the service range (a fresh one: no default route) could
   * not send to a cluster IP at all: route the range to the interface of the node's
   * address (the pods' bridge, there). Every packet to a cluster IP is DNATed, rejected or
   * dropped by our rules before it would leave. That interface no longer sends ICMP
   * redirects: a pod's packet to a cluster IP without endpoints would go back out where it
   * came in, and a pod told that the cluster IP is on its link stops reaching it. A machine
   * with a route to the range (a default route) is left as it is.
   */
  async function ensureServiceRoute(): Promise<void> {
    const first = ctx.serviceCIDR.split('/')[0] ?? '';
    const nodeIP = opts.node.addresses[0];
    if (!nodeIP) return;
    try {
      await host.run(['ip', 'route', 'get', first]);
      return;
    } catch (err) {
      if (!(err instanceof HostCommandError && /unreachable/i.test(err.stderr))) throw err;
    }
    const links = parseIpv4Links(await host.run(['ip', '-j', '-4', 'addr', 'show']));
    const dev = links.find((l) => l.addresses.includes(nodeIP))?.ifname;
    if (!dev || !/^[\w.-]+$/.test(dev)) return;
    await host.run([
      'sh',
      '-c',
      `echo 0 > /proc/sys/net/ipv4/conf/all/send_redirects; echo 0 > /proc/sys/net/ipv4/conf/${dev}/send_redirects`,
    ]);
    await host.run(['ip', 'route', 'replace', ctx.serviceCIDR, 'dev', dev, 'src', nodeIP]);
    log.info('routed the service range to the node interface (no default route)', {
      serviceCIDR: ctx.serviceCIDR,
      dev,
    });
  }

  /**
   * Transactions up to SESSION_SCRIPT_MAX (full syncs included) go to the long-lived
   * `nft -i`; larger ones to a `nft -f -` of their own, and everything once `nft -i` keeps
   * dying (a build without its interactive mode).
   */
  async function apply(script: string): Promise<void> {
    if (!script) return;
    const useSession = script.length <= SESSION_SCRIPT_MAX && session.deaths() < SESSION_DEATHS_MAX;
    if (useSession) await session.apply(script);
    else await host.run(['nft', '-f', '-'], script);
  }

  async function setSysctls(): Promise<void> {
    // NodePorts on 127.0.0.1 are DNATed out of the loopback: the kernel must route them.
    await host.run(['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet']);
  }

  async function conntrackDelete(args: string[]): Promise<void> {
    if (conntrackMissing) return;
    try {
      await host.run(['conntrack', '-D', ...args]);
    } catch (err) {
      const stderr = err instanceof HostCommandError ? err.stderr : String(err);
      if (/0 flow entries have been deleted/.test(stderr)) return;
      if (
        /ENOENT|not found|No such file/i.test(stderr) ||
        (err instanceof Error && /ENOENT/.test(err.message))
      ) {
        conntrackMissing = true;
        log.warn('conntrack is not installed: UDP flows to removed endpoints are not flushed', {});
        return;
      }
      log.warn('conntrack flush failed', { args: args.join(' '), err: stderr.trim() });
    }
  }

  /** kube-proxy's CleanStaleEntries for the UDP service ports that changed. */
  async function flushStaleUdp(
    before: ReadonlyMap<string, ProxyServicePort>,
    after: ReadonlyMap<string, ProxyServicePort>,
    changed: Iterable<string>,
  ): Promise<void> {
    for (const key of changed) {
      const old = before.get(key);
      const neu = after.get(key);
      if ((old ?? neu)?.protocol !== 'UDP') continue;
      const oldEps = old ? categorize(old).cluster : [];
      const newEps = new Set((neu ? categorize(neu).cluster : []).map((e) => `${e.ip}:${e.port}`));
      for (const ep of oldEps) {
        if (newEps.has(`${ep.ip}:${ep.port}`) || !old) continue;
        for (const ip of udpDestinations(old))
          await conntrackDelete(['-p', 'udp', '--orig-dst', ip, '--dst-nat', ep.ip]);
        if (old.nodePort !== undefined)
          await conntrackDelete([
            '-p',
            'udp',
            '--orig-port-dst',
            String(old.nodePort),
            '--dst-nat',
            ep.ip,
          ]);
      }
      // A service that had no endpoint had its packets rejected: those entries go too.
      if (neu && oldEps.length === 0 && newEps.size > 0) {
        for (const ip of udpDestinations(neu))
          await conntrackDelete([
            '-p',
            'udp',
            '--orig-dst',
            ip,
            '--orig-port-dst',
            String(neu.port),
          ]);
        if (neu.nodePort !== undefined)
          await conntrackDelete(['-p', 'udp', '--orig-port-dst', String(neu.nodePort)]);
      }
    }
  }

  /** (Re)starts the idle timer: each sync pushes the cleanup's own transaction further. */
  function scheduleStaleCleanup(): void {
    if (staleTimer) clearTimeout(staleTimer);
    staleTimer = undefined;
    if (closed || applied.stale.size === 0) return;
    staleTimer = setTimeout(() => {
      staleTimer = undefined;
      void serial(async () => {
        if (closed || needFull) return;
        const plan = planSync(applied, new Map(), [], ctx, performance.now());
        try {
          await apply(plan.script);
          applied = plan.next;
        } catch (err) {
          log.warn('deleting unused service chains failed; will retry', { err });
        }
        scheduleStaleCleanup();
      });
    }, IDLE_CLEANUP_MS);
    staleTimer.unref();
  }

  return {
    name: 'nftables',
    sync(state, changed) {
      return serial(async () => {
        if (closed) return;
        const full = needFull || performance.now() - lastFull > FULL_SYNC_PERIOD_MS;
        const keys = full ? [...state.keys()] : [...changed];
        const wanted = new Map<string, ServiceRuleSet>();
        for (const key of keys) {
          const sp = state.get(key);
          if (sp) wanted.set(key, serviceRules(sp, ctx));
        }
        const t0 = performance.now();
        const plan = full
          ? planSync(applied, wanted, keys, ctx, t0, { kernel: await listTable(host) })
          : planSync(applied, wanted, keys, ctx, t0);
        try {
          if (full) {
            await setSysctls();
            await ensureServiceRoute();
          }
          await apply(plan.script);
        } catch (err) {
          // Nothing of a failed transaction is applied; the next try rebuilds everything.
          needFull = true;
          throw err;
        }
        applied = plan.next;
        needFull = false;
        if (full) lastFull = t0;
        const before = lastState;
        lastState = new Map(state);
        log.debug('nftables rules synced', {
          full,
          servicePorts: keys.length,
          ms: Math.round(performance.now() - t0),
        });
        await flushStaleUdp(
          before,
          state,
          full ? new Set([...before.keys(), ...state.keys()]) : changed,
        );
        scheduleStaleCleanup();
      });
    },
    close(keepRules) {
      return serial(async () => {
        closed = true;
        if (staleTimer) clearTimeout(staleTimer);
        session.close();
        if (keepRules) return;
        await host.run(['nft', 'delete', 'table', FAMILY, TABLE]).catch((err: unknown) => {
          if (!(err instanceof HostCommandError && /no such file or directory/i.test(err.stderr)))
            throw err;
        });
      });
    },
  };
}

// The userspace proxy mode: listeners of our own on every service frontend, kept equal to the
// frontend table at each sync. Listeners of unchanged frontends are left alone (their
// connections never notice a sync); a frontend whose endpoints are all gone closes its
// listener, so the kernel refuses new connections at once (TCP RST, ICMP port unreachable).

import { isIPv4 } from 'node:net';
import { usableEndpoints } from '../endpoints.js';
import type { ProxyMode, ProxyServicePort } from '../types.js';
import { createBalancer } from './balancer.js';
import { frontendTable, type Frontend } from './frontends.js';
import type { Listener } from './listener.js';
import {
  DEFAULT_ADDRESS_REFRESH_MS,
  DEFAULT_DIAL_TIMEOUTS_MS,
  DEFAULT_INTERFACE,
  DEFAULT_RETRY_INTERVAL_MS,
  DEFAULT_UDP_IDLE_TIMEOUT_MS,
  type UserspaceModeOptions,
} from './options.js';
import { parseIpv4Links } from '../host.js';
import { createServiceAddresses, hostCommand } from './service-addresses.js';
import { createSocketHost } from './sockets.js';
import { listenTcp } from './tcp-proxy.js';
import { listenUdp } from './udp-proxy.js';

export function createUserspaceMode(o: UserspaceModeOptions): ProxyMode {
  const log = o.logger.child('userspace');
  const host = createSocketHost(o.netns);
  const interfaceName = o.interfaceName ?? DEFAULT_INTERFACE;
  const runCommand = o.runCommand ?? hostCommand(o.netns);
  const addresses = createServiceAddresses({ name: interfaceName, run: runCommand, logger: log });
  const now = o.now ?? Date.now;
  const balancer = createBalancer({
    node: o.node,
    now,
    random: o.random ?? Math.random,
  });
  let state: ReadonlyMap<string, ProxyServicePort> = new Map();
  const ctx = {
    lookup: (key: string) => state.get(key),
    balancer,
    host,
    logger: log,
    dialTimeoutsMs: o.dialTimeoutsMs ?? DEFAULT_DIAL_TIMEOUTS_MS,
    udpIdleTimeoutMs: o.udpIdleTimeoutMs ?? DEFAULT_UDP_IDLE_TIMEOUT_MS,
  };
  const listeners = new Map<string, Listener>(); // by frontend id
  // Frontends that could not be bound, with the last reason (logged when it changes).
  const failing = new Map<string, string>();
  let reported = new Set<string>(); // problems logged, while they last
  let appliedAddresses = new Set<string>();
  // Service addresses kept while connections accepted on them are open (by open listeners
  // count), so a removed service's connections go on, as conntrack keeps a kernel flow.
  const draining = new Map<string, number>();
  let addressesBroken: string | undefined;
  let addressesRetryAt = 0;
  let retry: NodeJS.Timeout | undefined;
  let queue: Promise<void> = Promise.resolve();
  let closed = false;
  // Every IPv4 address of the node's namespace (but the service-address interface's), for
  // UDP NodePorts: listed when the first one comes, then every addressRefreshMs while any is.
  let localAddresses: string[] | undefined;
  let localAddressesError: string | undefined;
  let addressWatch: NodeJS.Timeout | undefined;
  let addressWatchRound = 0;

  /** Whether a frontend should accept traffic now: some endpoint can take it. */
  const wanted = (f: Frontend): boolean => {
    const sp = state.get(f.key);
    if (!sp) return false;
    const usable = usableEndpoints(sp);
    return (f.scope === 'cluster' ? usable.cluster : usable.external).length > 0;
  };

  const setAddresses = async (want: Set<string>): Promise<void> => {
    if (sameSet(want, appliedAddresses)) return;
    // Once the interface proved impossible (no root), try again only now and then.
    if (addressesBroken !== undefined && now() < addressesRetryAt) return;
    try {
      const missing = await addresses.sync(want);
      appliedAddresses = new Set([...want].filter((ip) => !missing.includes(ip)));
      addressesBroken = undefined;
    } catch (err) {
      const why = (err as Error).message;
      if (addressesBroken !== why)
        log.warn(
          'service addresses cannot be put on the node: only NodePorts and addresses already local are served',
          { interface: interfaceName, err },
        );
      addressesBroken = why;
      addressesRetryAt = now() + (o.retryIntervalMs ?? DEFAULT_RETRY_INTERVAL_MS);
    }
  };

  const open = async (f: Frontend): Promise<void> => {
    try {
      const l = f.protocol === 'TCP' ? await listenTcp(f, ctx) : await listenUdp(f, ctx);
      if (closed || listeners.has(f.id)) return void (await l.close(true));
      listeners.set(f.id, l);
      failing.delete(f.id);
    } catch (err) {
      const why = (err as Error).message;
      // Without the service-address interface (reported once) a missing address is expected.
      const quiet =
        addressesBroken !== undefined && (err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL';
      if (failing.get(f.id) !== why)
        (quiet ? log.debug : log.warn)('cannot listen for a service; retrying', {
          service: f.key,
          frontend: f.id,
          err,
        });
      failing.set(f.id, why);
    }
  };

  const drain = (l: Listener): void => {
    const address = l.frontend.address;
    const done = l.drained();
    if (!done || !appliedAddresses.has(address)) return;
    draining.set(address, (draining.get(address) ?? 0) + 1);
    void done.then(() => {
      const left = (draining.get(address) ?? 1) - 1;
      if (left > 0) draining.set(address, left);
      else draining.delete(address);
      if (left <= 0 && !closed) resyncLater();
    });
  };

  const listLocalAddresses = async (): Promise<string[] | undefined> => {
    try {
      const links = parseIpv4Links(await runCommand(['ip', '-j', '-4', 'addr', 'show']));
      localAddressesError = undefined;
      const ips = links
        .filter((l) => l.ifname !== interfaceName)
        .flatMap((l) => l.addresses)
        .filter((ip) => isIPv4(ip));
      return [...new Set(ips)].sort();
    } catch (err) {
      const why = (err as Error).message;
      if (localAddressesError !== why)
        log.warn("the node's addresses cannot be listed: UDP NodePorts serve the node's own only", {
          err,
        });
      localAddressesError = why;
      return undefined;
    }
  };

  /** Keeps localAddresses current while a UDP NodePort needs them; a change resyncs. */
  const watchLocalAddresses = (needed: boolean): void => {
    if (!needed || closed) {
      clearTimeout(addressWatch);
      addressWatch = undefined;
      addressWatchRound++;
      localAddresses = undefined;
      return;
    }
    if (addressWatch) return; // a check is waiting or under way
    const round = ++addressWatchRound;
    addressWatch = setTimeout(() => {
      void listLocalAddresses().then((now) => {
        if (round !== addressWatchRound) return; // stopped meanwhile
        addressWatch = undefined;
        if (closed || localAddresses === undefined) return;
        if (now && now.join() !== localAddresses.join()) {
          localAddresses = now;
          resyncLater();
        } else watchLocalAddresses(true);
      });
    }, o.addressRefreshMs ?? DEFAULT_ADDRESS_REFRESH_MS);
    addressWatch.unref();
  };

  const reconcile = async (changed: ReadonlySet<string> | undefined): Promise<void> => {
    if (closed) return;
    const udpNodePorts = [...state.values()].some(
      (sp) => sp.protocol === 'UDP' && sp.nodePort !== undefined,
    );
    if (udpNodePorts && localAddresses === undefined)
      localAddresses = (await listLocalAddresses()) ?? [];
    watchLocalAddresses(udpNodePorts);
    const table = frontendTable(state, o.node, localAddresses);
    const problems = new Set<string>();
    for (const p of table.problems) {
      const line = `${p.key}: ${p.reason}`;
      if (!reported.has(line))
        log.warn('service port not served', { service: p.key, reason: p.reason });
      problems.add(line);
    }
    reported = problems;
    // New addresses first (a listener needs its address), stale ones once nothing uses them.
    await setAddresses(new Set([...table.addresses, ...appliedAddresses]));
    const closing: Promise<void>[] = [];
    for (const [id, l] of listeners) {
      const f = table.frontends.get(id);
      if (!f || !wanted(f)) {
        listeners.delete(id);
        closing.push(l.close(false));
        drain(l);
        continue;
      }
      l.frontend = f;
      if (!changed || changed.has(f.key)) l.prune();
    }
    for (const id of failing.keys())
      if (!table.frontends.has(id) || !wanted(table.frontends.get(id) as Frontend))
        failing.delete(id);
    await Promise.all(closing);
    const opening = [...table.frontends.values()].filter((f) => wanted(f) && !listeners.has(f.id));
    await Promise.all(opening.map(open));
    await setAddresses(new Set([...table.addresses, ...draining.keys()]));
    balancer.prune(new Set(state.keys()));
    clearTimeout(retry);
    if (failing.size > 0 && !closed) {
      retry = setTimeout(resyncLater, o.retryIntervalMs ?? DEFAULT_RETRY_INTERVAL_MS);
      retry.unref();
    }
  };

  // One reconcile at a time, in order.
  const enqueue = (changed: ReadonlySet<string> | undefined): Promise<void> => {
    const next = queue.then(() => reconcile(changed));
    queue = next.catch((err: unknown) => log.error('service proxy sync failed', { err }));
    return next;
  };
  /** A reconcile nobody waits for (its failure is logged by the queue). */
  const resyncLater = (): void => void enqueue(undefined).catch(() => undefined);

  return {
    name: 'userspace',
    sync(next, changed) {
      state = next;
      return enqueue(changed);
    },
    async close(keepRules = false) {
      closed = true;
      clearTimeout(retry);
      clearTimeout(addressWatch);
      await queue;
      await Promise.all([...listeners.values()].map((l) => l.close(true)));
      listeners.clear();
      host.close();
      if (!keepRules) await addresses.remove();
    },
  };
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

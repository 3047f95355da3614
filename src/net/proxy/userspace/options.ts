// What the userspace mode is given. The shared ModeOptions (types.ts) carries node and logger;
// the rest are this mode's own knobs, each with a default that suits a node agent.

import type { Logger } from '../../../log/index.js';
import type { NodeInfo } from '../types.js';

/** Runs a host command (argv[0] looked up on PATH); resolves with its stdout, rejects on failure. */
export type HostCommand = (argv: string[], input?: string) => Promise<string>;

export interface UserspaceModeOptions {
  node: NodeInfo;
  logger: Logger;
  /**
   * A network namespace (its path) that plays the node: listeners, upstream connections and
   * the service-address interface are all made there. This process's own when absent.
   */
  netns?: string;
  /** Runs `ip`; spawns it directly (through nsenter with `netns`) when absent. */
  runCommand?: HostCommand;
  /** The interface that holds service addresses (as IPVS mode's kube-ipvs0). */
  interfaceName?: string;
  /**
   * Per-try dial timeouts to endpoints: one endpoint per entry, then the client is reset.
   * kube-proxy's userspace proxy waited 250 ms, 500 ms, 1 s and 2 s.
   */
  dialTimeoutsMs?: number[];
  /** A UDP client with no datagram either way for this long loses its session. */
  udpIdleTimeoutMs?: number;
  /** Binds that failed (address in use, missing address) are tried again this often. */
  retryIntervalMs?: number;
  /**
   * While a UDP NodePort exists, the node's addresses are listed again this often, so an
   * address added later (a new interface, a bridge made with the first pod) is served.
   */
  addressRefreshMs?: number;
  /** Milliseconds since the epoch (tests pass their own). */
  now?: () => number;
  /** A number in [0, 1), as Math.random. */
  random?: () => number;
}

export type ModeOptions = UserspaceModeOptions;

export const DEFAULT_INTERFACE = 'skiff-svc0';
export const DEFAULT_DIAL_TIMEOUTS_MS = [250, 500, 1000, 2000];
/** As the kernel's conntrack timeout for unreplied-then-replied UDP flows (nf_conntrack_udp_timeout). */
export const DEFAULT_UDP_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRY_INTERVAL_MS = 5_000;
export const DEFAULT_ADDRESS_REFRESH_MS = 5_000;

// The node's ingress controller, started beside the service proxy by `skiff up` and
// `skiff agent` (as k3s ships one): flags `--disable-ingress`, `--ingress-http-port`,
// `--ingress-https-port`.

import { UsageError, intFlag, type ParsedArgs } from './args.js';
import type { Client } from '../client/index.js';
import type { Logger } from '../log/index.js';
import type { IngressController } from '../net/index.js';

export interface IngressFlags {
  httpPort: number;
  httpsPort: number;
}

/** The ingress flags, checked; undefined with `--disable-ingress`. */
export function ingressFlags(args: ParsedArgs): IngressFlags | undefined {
  if (args.flags.has('disable-ingress')) return undefined;
  const port = (flag: string, dflt: number): number => {
    const v = intFlag(args, flag) ?? dflt;
    if (!Number.isInteger(v) || v < 1 || v > 65535)
      throw new UsageError(`flag --${flag}: ${v} is not a port (1-65535)`);
    return v;
  };
  return { httpPort: port('ingress-http-port', 80), httpsPort: port('ingress-https-port', 443) };
}

/** The flags to hand on to a detached `skiff up` child. */
export function ingressChildArgs(args: ParsedArgs): string[] {
  if (args.flags.has('disable-ingress')) return ['--disable-ingress'];
  const out: string[] = [];
  for (const flag of ['ingress-http-port', 'ingress-https-port']) {
    const v = intFlag(args, flag);
    if (v !== undefined) out.push(`--${flag}`, String(v));
  }
  return out;
}

export interface NodeIngressStart extends IngressFlags {
  client: Client;
  signal: AbortSignal;
  logger: Logger;
  nodeName: string;
  nodeIP: string;
  dataDir: string;
}

export async function startIngress(o: NodeIngressStart): Promise<IngressController> {
  const { startNodeIngress } = await import('../net/index.js');
  return startNodeIngress(o);
}

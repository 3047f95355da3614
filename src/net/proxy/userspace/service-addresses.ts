// The interface that holds service addresses (cluster IPs, externalIPs, load-balancer IPs)
// in the node's namespace, as IPVS mode's kube-ipvs0: each address a host-length prefix, so
// the kernel delivers them locally (pods reach them through their gateway, the node itself
// directly) without routing a subnet anywhere. A dummy link where the kernel has them, else
// an empty bridge, which holds addresses just the same.

import { spawn } from 'node:child_process';
import type { Logger } from '../../../log/index.js';
import type { HostCommand } from './options.js';

export interface ServiceAddresses {
  /** Makes the interface hold exactly `addresses`; resolves with those it could not add. */
  sync(addresses: ReadonlySet<string>): Promise<string[]>;
  /** Deletes the interface and every address on it. */
  remove(): Promise<void>;
}

/** Runs argv (in `netns` when given) with a deadline; stdout, or an error with stderr. */
export function hostCommand(netns?: string, timeoutMs = 10_000): HostCommand {
  return (argv, input) =>
    new Promise((resolve, reject) => {
      const full = netns ? ['nsenter', `--net=${netns}`, '--', ...argv] : argv;
      const child = spawn(full[0] as string, full.slice(1), {
        stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        timeout: timeoutMs,
      });
      let out = '';
      let err = '';
      child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0
          ? resolve(out)
          : reject(new Error(`"${argv.join(' ')}" failed: ${err.trim() || `exit ${code}`}`)),
      );
      // A command that exits without reading its input must not fail us with EPIPE.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(input);
    });
}

const prefixed = (ip: string): string => (ip.includes(':') ? `${ip}/128` : `${ip}/32`);

export function createServiceAddresses(o: {
  name: string;
  run: HostCommand;
  logger: Logger;
}): ServiceAddresses {
  let ready = false;

  const current = async (): Promise<Set<string>> => {
    const out = await o.run(['ip', '-j', 'addr', 'show', 'dev', o.name]);
    const links = JSON.parse(out || '[]') as { addr_info?: { local?: string }[] }[];
    return new Set(links.flatMap((l) => (l.addr_info ?? []).map((a) => a.local ?? '')));
  };

  const ensureLink = async (): Promise<void> => {
    if (ready) return;
    const exists = await o.run(['ip', 'link', 'show', 'dev', o.name]).then(
      () => true,
      () => false,
    );
    if (!exists) {
      try {
        await o.run(['ip', 'link', 'add', o.name, 'type', 'dummy']);
      } catch (dummyErr) {
        if (/not permitted/i.test((dummyErr as Error).message)) throw dummyErr;
        o.logger.info('no dummy links in this kernel; service addresses go on an empty bridge', {
          interface: o.name,
          err: dummyErr,
        });
        await o.run(['ip', 'link', 'add', o.name, 'type', 'bridge']);
      }
    }
    ready = true;
  };

  return {
    async sync(addresses) {
      await ensureLink();
      const have = await current();
      const lines: string[] = [];
      for (const ip of addresses)
        if (!have.has(ip)) lines.push(`address add ${prefixed(ip)} dev ${o.name}`);
      for (const ip of have)
        if (ip && !addresses.has(ip)) lines.push(`address del ${prefixed(ip)} dev ${o.name}`);
      if (lines.length === 0) return [];
      // -force: one bad line (an address another link holds) does not stop the rest.
      const failed = await o.run(['ip', '-force', '-batch', '-'], lines.join('\n') + '\n').then(
        () => false,
        (err: Error) => {
          o.logger.warn('some service addresses could not be set', { interface: o.name, err });
          return true;
        },
      );
      if (!failed) return [];
      const now = await current();
      return [...addresses].filter((ip) => !now.has(ip));
    },
    async remove() {
      ready = false;
      await o.run(['ip', 'link', 'del', o.name]).catch((err: Error) => {
        if (!/Cannot find device|does not exist/.test(err.message)) throw err;
      });
    },
  };
}

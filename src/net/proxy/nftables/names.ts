// Chain and set names as kube-proxy's nftables mode makes them: a prefix, a hash of the
// full name (so truncated names stay unique and similar ones look different), then the
// readable name: "service-ULMVA6XW-default/kubia/tcp/http".

import { createHash } from 'node:crypto';
import type { ProxyEndpoint, ProxyServicePort } from '../types.js';

/** nftables' limit on a chain or set name. */
const NAME_LENGTH_MAX = 256;
const PREFIX_LENGTH_MAX = 16;
const BASE_LENGTH_MAX = NAME_LENGTH_MAX - PREFIX_LENGTH_MAX;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The first 8 characters of the standard base32 of the name's SHA-256 (its first 40 bits). */
function hash8(name: string): string {
  const d = createHash('sha256').update(name).digest();
  let bits = 0n;
  for (let i = 0; i < 5; i++) bits = (bits << 8n) | BigInt(d[i] ?? 0);
  let out = '';
  for (let i = 7; i >= 0; i--) out += BASE32[Number((bits >> BigInt(i * 5)) & 31n)];
  return out;
}

export function hashAndTruncate(name: string): string {
  const full = `${hash8(name)}-${name}`;
  return full.length > BASE_LENGTH_MAX ? full.slice(0, BASE_LENGTH_MAX - 3) + '...' : full;
}

type PortName = Pick<ProxyServicePort, 'namespace' | 'name' | 'portName' | 'protocol'>;

const portBase = (sp: PortName): string =>
  `${sp.namespace}/${sp.name}/${sp.protocol.toLowerCase()}/${sp.portName}`;

export interface ServiceChainNames {
  cluster: string;
  local: string;
  external: string;
  firewall: string;
}

export function serviceChainNames(sp: PortName): ServiceChainNames {
  const base = hashAndTruncate(portBase(sp));
  return {
    cluster: `service-${base}`,
    local: `local-${base}`,
    external: `external-${base}`,
    firewall: `firewall-${base}`,
  };
}

export function endpointNames(
  sp: PortName,
  ep: Pick<ProxyEndpoint, 'ip' | 'port'>,
): { chain: string; affinitySet: string } {
  const base = hashAndTruncate(`${portBase(sp)}__${ep.ip}/${ep.port}`);
  return { chain: `endpoint-${base}`, affinitySet: `affinity-${base}` };
}

/** Per-service chains (and only they) have a "/" in their names. */
export const isServiceChain = (name: string): boolean => name.includes('/');
export const isAffinitySet = (name: string): boolean => name.startsWith('affinity-');

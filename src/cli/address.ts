// The machine's address as the control plane advertises it (and names in its certificate).

import { networkInterfaces } from 'node:os';

/** The first non-internal IPv4 address of this machine, else loopback. */
export function primaryAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

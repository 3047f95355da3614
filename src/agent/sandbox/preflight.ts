// What the pod network needs from the host, said plainly so `skiff up` can refuse to
// half-start: root, and the tools it drives.

import { which } from './exec.js';

export interface Missing {
  what: string;
  /** How to get it, e.g. "apt-get install nftables". */
  fix: string;
}

const TOOLS: { tool: string; pkg: string }[] = [
  { tool: 'ip', pkg: 'iproute2' },
  { tool: 'nft', pkg: 'nftables' },
  { tool: 'nsenter', pkg: 'util-linux' },
  { tool: 'unshare', pkg: 'util-linux' },
  { tool: 'umount', pkg: 'mount' },
];

/** Everything missing for the pod network; empty when it can run. */
export function checkPodNetworkHost(): Missing[] {
  const missing: Missing[] = [];
  if (process.getuid?.() !== 0)
    missing.push({ what: 'root privileges', fix: 'run the node agent as root' });
  for (const { tool, pkg } of TOOLS)
    if (!which(tool))
      missing.push({ what: `the "${tool}" command`, fix: `apt-get install ${pkg}` });
  return missing;
}

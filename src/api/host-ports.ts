// The ports a node's own processes hold on its addresses (the API server, cluster DNS),
// published on its Node object so the load-balancer controller never gives them to a service
// (a LoadBalancer there would shadow the node's listener). The kubelet's port is not in it:
// the Node has it in status.daemonEndpoints. The ingress controller's ports are not held
// either: seeds 001 and 004 expect a LoadBalancer on port 80 to get the node's address on a
// cluster that runs it, so such a service takes the port (its rules come before the
// listener), as the only port 80 a one-address node has to give.

export const NODE_HOST_PORTS_ANNOTATION = 'skiff.dev/host-ports';

/** `port/PROTOCOL` (e.g. `53/UDP`) → what holds it (e.g. `cluster DNS`). */
export type HostPorts = Record<string, string>;

/** The annotation's value: JSON with the ports in order. */
export function formatHostPorts(ports: HostPorts): string {
  const key = (k: string): [number, string] => {
    const [n, proto] = k.split('/');
    return [Number(n), proto ?? ''];
  };
  const sorted = Object.keys(ports).sort((a, b) => {
    const [na, pa] = key(a);
    const [nb, pb] = key(b);
    return na - nb || pa.localeCompare(pb);
  });
  return JSON.stringify(Object.fromEntries(sorted.map((k) => [k, ports[k]])));
}

/** The annotation read back; anything malformed is left out. */
export function parseHostPorts(value: string | undefined): HostPorts {
  if (!value) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return {};
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const out: HostPorts = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>))
    if (/^\d{1,5}\/(TCP|UDP|SCTP)$/.test(k) && typeof v === 'string') out[k] = v;
  return out;
}

/** The ports `skiff up` and `skiff agent` hold on the node's address. */
export function nodeHostPorts(o: { apiServerPort?: number; dns?: boolean }): HostPorts {
  const out: HostPorts = {};
  if (o.apiServerPort) out[`${o.apiServerPort}/TCP`] = 'API server';
  if (o.dns) {
    out['53/UDP'] = 'cluster DNS';
    out['53/TCP'] = 'cluster DNS';
  }
  return out;
}

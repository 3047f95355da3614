// The parts a node runs beside its pods that talk to the API server on their own
// credentials, and who each one is: `skiff node-credentials` issues them, `skiff agent`
// uses them.

// The users are spelled out (the agent does not load the API server for them);
// node-components_test.ts checks they are the ones SKIFF_IDENTITIES names.

/**
 * The node's service proxy, network policy enforcement, cluster DNS and ingress controller read (and DNS writes) what no
 * node identity may: each gets a certificate of its own, for the user `skiff up` runs the
 * same part as (DNS, which `skiff up` runs as the kube-system `coredns` service account, as a
 * user bound to the same roles), granted by the bootstrap policy that part's role only.
 */
export const NODE_COMPONENTS = {
  proxy: {
    file: 'kube-proxy.kubeconfig',
    user: 'system:kube-proxy',
    what: 'service proxy',
    role: 'system:node-proxier',
  },
  dns: {
    file: 'dns.kubeconfig',
    user: 'system:skiff-dns',
    what: 'cluster DNS',
    role: 'system:coredns',
  },
  ingress: {
    file: 'ingress.kubeconfig',
    user: 'system:skiff-ingress-controller',
    what: 'ingress controller',
    role: 'system:skiff-ingress-controller',
  },
  netpol: {
    file: 'netpol.kubeconfig',
    user: 'system:skiff-network-policy',
    what: 'network policy enforcement',
    role: 'system:skiff-network-policy',
  },
} as const;
export type NodeComponent = keyof typeof NODE_COMPONENTS;

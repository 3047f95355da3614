// The labels a node may set on its own Node under NodeRestriction: kube's kubelet label set
// (k8s.io/kubelet's IsKubeletLabel) and never the node-restriction.kubernetes.io namespace.

const NODE_RESTRICTION_LABELS = 'node-restriction.kubernetes.io';

/** Labels a kubelet may set on its own Node (k8s.io/kubelet's IsKubeletLabel). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const labelNamespace = (key: string): string => {
  const i = key.indexOf('/');
  return i < 0 ? '' : key.slice(0, i);
};
const inNamespace = (ns: string, domain: string): boolean =>
  ns === domain || ns.endsWith(`.${domain}`);

function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const ns = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((d) => inNamespace(ns, d));
}

/** Label keys a node may not add, remove or change on itself, sorted. */
export function forbiddenNodeLabels(
  now: Record<string, string> | undefined,
  before: Record<string, string> | undefined,
): string[] {
  const a = now ?? {};
  const b = before ?? {};
  const modified = new Set<string>();
  for (const k of Object.keys(a)) if (b[k] !== a[k]) modified.add(k);
  for (const k of Object.keys(b)) if (a[k] !== b[k]) modified.add(k);
  const out: string[] = [];
  for (const k of modified) {
    const ns = labelNamespace(k);
    const kube = inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io');
    if (inNamespace(ns, NODE_RESTRICTION_LABELS) || (kube && !isKubeletLabel(k))) out.push(k);
  }
  return out.sort();
}

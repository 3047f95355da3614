// What a pod or a persistent volume names that its node may then read: the secrets,
// config maps and claims of its volumes, environment and image pulls (the names kube's
// podutil.VisitPodSecretNames / VisitPodConfigmapNames and pvutil.VisitPVSecretNames visit).

type Obj = Record<string, any>;

const containersOf = (spec: Obj): Obj[] => [
  ...((spec['initContainers'] ?? []) as Obj[]),
  ...((spec['containers'] ?? []) as Obj[]),
  ...((spec['ephemeralContainers'] ?? []) as Obj[]),
];

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** Volume sources that carry a `secretRef` (the in-tree drivers that take credentials). */
const SECRET_REF_SOURCES = [
  'cephfs',
  'cinder',
  'flexVolume',
  'iscsi',
  'rbd',
  'scaleIO',
  'storageos',
];

export function podSecretNames(spec: Obj): Set<string> {
  const out = new Set<string>();
  const add = (v: unknown) => {
    const s = str(v);
    if (s) out.add(s);
  };
  for (const ref of (spec['imagePullSecrets'] ?? []) as Obj[]) add(ref?.['name']);
  for (const c of containersOf(spec)) {
    for (const e of (c['envFrom'] ?? []) as Obj[]) add(e?.['secretRef']?.['name']);
    for (const e of (c['env'] ?? []) as Obj[]) add(e?.['valueFrom']?.['secretKeyRef']?.['name']);
  }
  for (const v of (spec['volumes'] ?? []) as Obj[]) {
    if (!v) continue;
    add(v['secret']?.['secretName']);
    add(v['azureFile']?.['secretName']);
    add(v['csi']?.['nodePublishSecretRef']?.['name']);
    for (const k of SECRET_REF_SOURCES) add(v[k]?.['secretRef']?.['name']);
    for (const s of (v['projected']?.['sources'] ?? []) as Obj[]) add(s?.['secret']?.['name']);
  }
  return out;
}

export function podConfigMapNames(spec: Obj): Set<string> {
  const out = new Set<string>();
  const add = (v: unknown) => {
    const s = str(v);
    if (s) out.add(s);
  };
  for (const c of containersOf(spec)) {
    for (const e of (c['envFrom'] ?? []) as Obj[]) add(e?.['configMapRef']?.['name']);
    for (const e of (c['env'] ?? []) as Obj[]) add(e?.['valueFrom']?.['configMapKeyRef']?.['name']);
  }
  for (const v of (spec['volumes'] ?? []) as Obj[]) {
    if (!v) continue;
    add(v['configMap']?.['name']);
    for (const s of (v['projected']?.['sources'] ?? []) as Obj[]) add(s?.['configMap']?.['name']);
  }
  return out;
}

/** Claims of the pod's volumes: named ones, and `<pod>-<volume>` for generic ephemeral ones. */
export function podClaimNames(podName: string, spec: Obj): Set<string> {
  const out = new Set<string>();
  for (const v of (spec['volumes'] ?? []) as Obj[]) {
    const claim = str(v?.['persistentVolumeClaim']?.['claimName']);
    if (claim) out.add(claim);
    else if (v?.['ephemeral'] && str(v['name'])) out.add(`${podName}-${v['name'] as string}`);
  }
  return out;
}

/**
 * Secrets a persistent volume's driver hands the kubelet (namespace and name); a reference
 * without a namespace is in the bound claim's namespace.
 */
export function pvSecretRefs(spec: Obj, claimNamespace: string): [string, string][] {
  const out: [string, string][] = [];
  const ref = (r: Obj | undefined) => {
    const name = str(r?.['name']);
    if (name) out.push([str(r?.['namespace']) ?? claimNamespace, name]);
  };
  const azure = spec['azureFile'] as Obj | undefined;
  if (str(azure?.['secretName']))
    out.push([str(azure?.['secretNamespace']) ?? claimNamespace, azure?.['secretName'] as string]);
  for (const k of SECRET_REF_SOURCES) ref(spec[k]?.['secretRef'] as Obj | undefined);
  // CSI: only the secrets the kubelet uses (staging and publishing on the node).
  ref(spec['csi']?.['nodePublishSecretRef'] as Obj | undefined);
  ref(spec['csi']?.['nodeStageSecretRef'] as Obj | undefined);
  ref(spec['csi']?.['nodeExpandSecretRef'] as Obj | undefined);
  return out;
}

// Extensions of the Kubernetes specification that its TypeScript rendering drops: strategic
// merge patch strategy and merge key, list and map types (what server-side apply and
// `kubectl apply` read). Facts from the v1.33 API types' struct tags and markers.

export interface FieldExt {
  /** x-kubernetes-patch-strategy */
  patch?: string;
  /** x-kubernetes-patch-merge-key */
  key?: string;
  /** x-kubernetes-list-type */
  list?: 'atomic' | 'set' | 'map';
  /** x-kubernetes-list-map-keys */
  keys?: string[];
  /** x-kubernetes-map-type */
  map?: 'atomic' | 'granular';
}

/** The list types of one of the v1beta1 Ingress versions, all atomic as in v1. */
function legacyIngress(group: string): Record<string, Record<string, FieldExt>> {
  const d = `io.k8s.api.${group}.v1beta1`;
  return {
    [`${d}.HTTPIngressRuleValue`]: { paths: { list: 'atomic' } },
    [`${d}.IngressSpec`]: { rules: { list: 'atomic' }, tls: { list: 'atomic' } },
    [`${d}.IngressTLS`]: { hosts: { list: 'atomic' } },
  };
}

/** Per definition, per property. */
export const FIELD_EXTENSIONS: Readonly<Record<string, Readonly<Record<string, FieldExt>>>> = {
  'io.k8s.api.apps.v1.DaemonSetStatus': {
    conditions: { patch: 'merge', key: 'type', list: 'map', keys: ['type'] },
  },
  'io.k8s.api.apps.v1.DeploymentSpec': {
    strategy: { patch: 'retainKeys' },
  },
  'io.k8s.api.apps.v1.DeploymentStatus': {
    conditions: { patch: 'merge', key: 'type', list: 'map', keys: ['type'] },
  },
  'io.k8s.api.apps.v1.ReplicaSetStatus': {
    conditions: { patch: 'merge', key: 'type', list: 'map', keys: ['type'] },
  },
  'io.k8s.api.apps.v1.StatefulSetSpec': {
    volumeClaimTemplates: { list: 'atomic' },
  },
  'io.k8s.api.apps.v1.StatefulSetStatus': {
    conditions: { patch: 'merge', key: 'type', list: 'map', keys: ['type'] },
  },
  'io.k8s.api.autoscaling.v2.HPAScalingRules': {
    policies: { list: 'atomic' },
  },
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec': {
    metrics: { list: 'atomic' },
  },
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus': {
    currentMetrics: { list: 'atomic' },
    conditions: { patch: 'merge', key: 'type', list: 'map', keys: ['type'] },
  },
  'io.k8s.api.batch.v1.CronJobStatus': {
    active: { list: 'atomic' },
  },
  'io.k8s.api.batch.v1.JobStatus': {
    conditions: { patch: 'merge', key: 'type', list: 'atomic' },
  },
  'io.k8s.api.batch.v1.PodFailurePolicy': {
    rules: { list: 'atomic' },
  },
  'io.k8s.api.batch.v1.PodFailurePolicyOnExitCodesRequirement': {
    values: { list: 'set' },
  },
  'io.k8s.api.batch.v1.PodFailurePolicyRule': {
    onPodConditions: { list: 'atomic' },
  },
  'io.k8s.api.batch.v1.SuccessPolicy': {
    rules: { list: 'atomic' },
  },
  'io.k8s.api.batch.v1.UncountedTerminatedPods': {
    failed: { list: 'set' },
    succeeded: { list: 'set' },
  },
  'io.k8s.api.authentication.v1.TokenRequestSpec': {
    audiences: { list: 'atomic' },
  },
  'io.k8s.api.authentication.v1.TokenReviewSpec': {
    audiences: { list: 'atomic' },
  },
  'io.k8s.api.authentication.v1.TokenReviewStatus': {
    audiences: { list: 'atomic' },
  },
  'io.k8s.api.authentication.v1.UserInfo': {
    groups: { list: 'atomic' },
  },
  'io.k8s.api.authorization.v1.FieldSelectorAttributes': {
    requirements: { list: 'atomic' },
  },
  'io.k8s.api.authorization.v1.LabelSelectorAttributes': {
    requirements: { list: 'atomic' },
  },
  'io.k8s.api.authorization.v1.NonResourceRule': {
    nonResourceURLs: { list: 'atomic' },
    verbs: { list: 'atomic' },
  },
  'io.k8s.api.authorization.v1.ResourceRule': {
    apiGroups: { list: 'atomic' },
    resourceNames: { list: 'atomic' },
    resources: { list: 'atomic' },
    verbs: { list: 'atomic' },
  },
  'io.k8s.api.authorization.v1.SubjectAccessReviewSpec': {
    groups: { list: 'atomic' },
  },
  'io.k8s.api.authorization.v1.SubjectRulesReviewStatus': {
    nonResourceRules: { list: 'atomic' },
    resourceRules: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.Capabilities': {
    add: { list: 'atomic' },
    drop: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.CephFSVolumeSource': {
    monitors: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.ConfigMapProjection': {
    items: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.ConfigMapVolumeSource': {
    items: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.Container': {
    args: { list: 'atomic' },
    command: { list: 'atomic' },
    env: { patch: 'merge', key: 'name', list: 'map', keys: ['name'] },
    envFrom: { list: 'atomic' },
    ports: {
      patch: 'merge',
      key: 'containerPort',
      list: 'map',
      keys: ['containerPort', 'protocol'],
    },
    resizePolicy: { list: 'atomic' },
    volumeDevices: { patch: 'merge', key: 'devicePath', list: 'map', keys: ['devicePath'] },
    volumeMounts: { patch: 'merge', key: 'mountPath', list: 'map', keys: ['mountPath'] },
  },
  'io.k8s.api.core.v1.ContainerImage': {
    names: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.ContainerStatus': {
    allocatedResourcesStatus: { patch: 'merge', key: 'name', list: 'map', keys: ['name'] },
    volumeMounts: { patch: 'merge', key: 'mountPath', list: 'map', keys: ['mountPath'] },
  },
  'io.k8s.api.core.v1.DownwardAPIProjection': {
    items: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.DownwardAPIVolumeSource': {
    items: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.EndpointSubset': {
    addresses: { list: 'atomic' },
    notReadyAddresses: { list: 'atomic' },
    ports: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.Endpoints': {
    subsets: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.ExecAction': {
    command: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.FCVolumeSource': {
    targetWWNs: { list: 'atomic' },
    wwids: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.HTTPGetAction': {
    httpHeaders: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.HostAlias': {
    hostnames: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.ISCSIVolumeSource': {
    portals: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.LimitRangeSpec': {
    limits: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.LinuxContainerUser': {
    supplementalGroups: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.LoadBalancerIngress': {
    ports: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.LoadBalancerStatus': {
    ingress: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.NamespaceSpec': {
    finalizers: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.NamespaceStatus': {
    conditions: { patch: 'merge', key: 'type', list: 'map', keys: ['type'] },
  },
  'io.k8s.api.core.v1.NodeAffinity': {
    preferredDuringSchedulingIgnoredDuringExecution: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.NodeSelector': {
    nodeSelectorTerms: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.NodeSelectorRequirement': {
    values: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.NodeSelectorTerm': {
    matchExpressions: { list: 'atomic' },
    matchFields: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.NodeSpec': {
    podCIDRs: { patch: 'merge', list: 'set' },
    taints: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.NodeStatus': {
    addresses: { patch: 'merge', key: 'type', list: 'map', keys: ['type'] },
    conditions: { patch: 'merge', key: 'type', list: 'map', keys: ['type'] },
    images: { list: 'atomic' },
    runtimeHandlers: { list: 'atomic' },
    volumesAttached: { list: 'atomic' },
    volumesInUse: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.PersistentVolumeClaimSpec': {
    accessModes: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.PodAffinity': {
    preferredDuringSchedulingIgnoredDuringExecution: { list: 'atomic' },
    requiredDuringSchedulingIgnoredDuringExecution: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.PodAffinityTerm': {
    matchLabelKeys: { list: 'atomic' },
    mismatchLabelKeys: { list: 'atomic' },
    namespaces: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.PodAntiAffinity': {
    preferredDuringSchedulingIgnoredDuringExecution: { list: 'atomic' },
    requiredDuringSchedulingIgnoredDuringExecution: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.PodDNSConfig': {
    nameservers: { list: 'atomic' },
    options: { list: 'atomic' },
    searches: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.PodSecurityContext': {
    supplementalGroups: { list: 'atomic' },
    sysctls: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.PodSpec': {
    containers: { patch: 'merge', key: 'name', list: 'map', keys: ['name'] },
    ephemeralContainers: { patch: 'merge', key: 'name', list: 'map', keys: ['name'] },
    hostAliases: { patch: 'merge', key: 'ip', list: 'map', keys: ['ip'] },
    imagePullSecrets: { patch: 'merge', key: 'name', list: 'map', keys: ['name'] },
    initContainers: { patch: 'merge', key: 'name', list: 'map', keys: ['name'] },
    nodeSelector: { map: 'atomic' },
    readinessGates: { list: 'atomic' },
    resourceClaims: { patch: 'merge,retainKeys', key: 'name', list: 'map', keys: ['name'] },
    schedulingGates: { patch: 'merge', key: 'name', list: 'map', keys: ['name'] },
    tolerations: { list: 'atomic' },
    topologySpreadConstraints: {
      patch: 'merge',
      key: 'topologyKey',
      list: 'map',
      keys: ['topologyKey', 'whenUnsatisfiable'],
    },
    volumes: { patch: 'merge,retainKeys', key: 'name', list: 'map', keys: ['name'] },
  },
  'io.k8s.api.core.v1.PodStatus': {
    conditions: { patch: 'merge', key: 'type', list: 'map', keys: ['type'] },
    containerStatuses: { list: 'atomic' },
    ephemeralContainerStatuses: { list: 'atomic' },
    hostIPs: { patch: 'merge', key: 'ip', list: 'atomic' },
    initContainerStatuses: { list: 'atomic' },
    podIPs: { patch: 'merge', key: 'ip', list: 'map', keys: ['ip'] },
    resourceClaimStatuses: { patch: 'merge,retainKeys', key: 'name', list: 'map', keys: ['name'] },
  },
  'io.k8s.api.core.v1.ProjectedVolumeSource': {
    sources: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.RBDVolumeSource': {
    monitors: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.ReplicationControllerSpec': {
    selector: { map: 'atomic' },
  },
  'io.k8s.api.core.v1.ReplicationControllerStatus': {
    conditions: { patch: 'merge', key: 'type', list: 'map', keys: ['type'] },
  },
  'io.k8s.api.core.v1.ResourceRequirements': {
    claims: { list: 'map', keys: ['name'] },
  },
  'io.k8s.api.core.v1.ResourceQuotaSpec': {
    scopes: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.ResourceStatus': {
    resources: { list: 'map', keys: ['resourceID'] },
  },
  'io.k8s.api.core.v1.ScopeSelector': {
    matchExpressions: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.ScopedResourceSelectorRequirement': {
    values: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.SecretProjection': {
    items: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.SecretVolumeSource': {
    items: { list: 'atomic' },
  },
  'io.k8s.api.core.v1.ServiceAccount': {
    imagePullSecrets: { list: 'atomic' },
    secrets: { patch: 'merge', key: 'name', list: 'map', keys: ['name'] },
  },
  'io.k8s.api.core.v1.ServiceSpec': {
    clusterIPs: { list: 'atomic' },
    externalIPs: { list: 'atomic' },
    ipFamilies: { list: 'atomic' },
    loadBalancerSourceRanges: { list: 'atomic' },
    ports: { patch: 'merge', key: 'port', list: 'map', keys: ['port', 'protocol'] },
    selector: { map: 'atomic' },
  },
  'io.k8s.api.core.v1.ServiceStatus': {
    conditions: { patch: 'merge', key: 'type', list: 'map', keys: ['type'] },
  },
  'io.k8s.api.core.v1.TopologySpreadConstraint': {
    matchLabelKeys: { list: 'atomic' },
  },
  'io.k8s.api.discovery.v1.Endpoint': {
    addresses: { list: 'set' },
  },
  'io.k8s.api.discovery.v1.EndpointHints': {
    forNodes: { list: 'atomic' },
    forZones: { list: 'atomic' },
  },
  'io.k8s.api.discovery.v1.EndpointSlice': {
    endpoints: { list: 'atomic' },
    ports: { list: 'atomic' },
  },
  // The legacy Ingress versions (k8s.io/api extensions/v1beta1 and networking/v1beta1).
  ...legacyIngress('extensions'),
  ...legacyIngress('networking'),
  'io.k8s.api.networking.v1.HTTPIngressRuleValue': {
    paths: { list: 'atomic' },
  },
  'io.k8s.api.networking.v1.IngressLoadBalancerIngress': {
    ports: { list: 'atomic' },
  },
  'io.k8s.api.networking.v1.IngressLoadBalancerStatus': {
    ingress: { list: 'atomic' },
  },
  'io.k8s.api.networking.v1.IngressSpec': {
    rules: { list: 'atomic' },
    tls: { list: 'atomic' },
  },
  'io.k8s.api.networking.v1.IngressTLS': {
    hosts: { list: 'atomic' },
  },
  'io.k8s.api.networking.v1.IPBlock': {
    except: { list: 'atomic' },
  },
  'io.k8s.api.networking.v1.NetworkPolicyEgressRule': {
    ports: { list: 'atomic' },
    to: { list: 'atomic' },
  },
  'io.k8s.api.networking.v1.NetworkPolicyIngressRule': {
    from: { list: 'atomic' },
    ports: { list: 'atomic' },
  },
  'io.k8s.api.networking.v1.NetworkPolicySpec': {
    egress: { list: 'atomic' },
    ingress: { list: 'atomic' },
    policyTypes: { list: 'atomic' },
  },
  'io.k8s.api.policy.v1.PodDisruptionBudgetStatus': {
    conditions: { patch: 'merge', key: 'type', list: 'map', keys: ['type'] },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions': {
    dryRun: { list: 'atomic' },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldSelectorRequirement': {
    values: { list: 'atomic' },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector': {
    matchExpressions: { list: 'atomic' },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement': {
    values: { list: 'atomic' },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
    finalizers: { patch: 'merge', list: 'set' },
    managedFields: { list: 'atomic' },
    ownerReferences: { patch: 'merge', key: 'uid', list: 'map', keys: ['uid'] },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.Status': {
    details: { list: 'atomic' },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.StatusDetails': {
    causes: { list: 'atomic' },
  },
};

/** Definitions that are atomic as a whole (x-kubernetes-map-type: atomic). */
export const ATOMIC_DEFINITIONS: ReadonlySet<string> = new Set([
  'io.k8s.api.core.v1.ConfigMapKeySelector',
  'io.k8s.api.core.v1.EndpointAddress',
  'io.k8s.api.core.v1.EndpointPort',
  'io.k8s.api.core.v1.LocalObjectReference',
  'io.k8s.api.core.v1.NodeSelector',
  'io.k8s.api.core.v1.NodeSelectorTerm',
  'io.k8s.api.core.v1.ObjectFieldSelector',
  'io.k8s.api.core.v1.ObjectReference',
  'io.k8s.api.core.v1.ResourceFieldSelector',
  'io.k8s.api.core.v1.SecretKeySelector',
  'io.k8s.api.core.v1.TypedLocalObjectReference',
  'io.k8s.api.discovery.v1.EndpointPort',
  'io.k8s.api.networking.v1.ServiceBackendPort',
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
  'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference',
]);

// core/v1 pod template messages (PodSpec and what it holds), shared by Pod and every
// workload kind. Field numbers follow k8s.io/api core/v1 generated.proto; names are the
// JSON names. Not covered (a body using them is refused, see README.md): ephemeral
// containers, resource claims, the cloud/legacy volume plugins, Windows options.

export const CORE_POD_PROTO = `
syntax = "proto2";
package k8s.io.api.core.v1;

message PodTemplateSpec {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional PodSpec spec = 2;
}

message PodSpec {
  repeated Volume volumes = 1;
  repeated Container initContainers = 20;
  repeated Container containers = 2 [(json) = "always"];
  optional string restartPolicy = 3;
  optional int64 terminationGracePeriodSeconds = 4 [(json) = "ptr"];
  optional int64 activeDeadlineSeconds = 5 [(json) = "ptr"];
  optional string dnsPolicy = 6;
  map<string, string> nodeSelector = 7;
  optional string serviceAccountName = 8;
  optional string serviceAccount = 9;
  optional bool automountServiceAccountToken = 21 [(json) = "ptr"];
  optional string nodeName = 10;
  optional bool hostNetwork = 11;
  optional bool hostPID = 12;
  optional bool hostIPC = 13;
  optional bool shareProcessNamespace = 27 [(json) = "ptr"];
  optional PodSecurityContext securityContext = 14;
  repeated LocalObjectReference imagePullSecrets = 15;
  optional string hostname = 16;
  optional string subdomain = 17;
  optional Affinity affinity = 18;
  optional string schedulerName = 19;
  repeated Toleration tolerations = 22;
  repeated HostAlias hostAliases = 23;
  optional string priorityClassName = 24;
  optional int32 priority = 25 [(json) = "ptr"];
  optional PodDNSConfig dnsConfig = 26;
  repeated PodReadinessGate readinessGates = 28;
  optional string runtimeClassName = 29 [(json) = "ptr"];
  optional bool enableServiceLinks = 30 [(json) = "ptr"];
  optional string preemptionPolicy = 31 [(json) = "ptr"];
  map<string, .k8s.io.apimachinery.pkg.api.resource.Quantity> overhead = 32;
  repeated TopologySpreadConstraint topologySpreadConstraints = 33;
  optional bool setHostnameAsFQDN = 35 [(json) = "ptr"];
  optional PodOS os = 36;
  optional bool hostUsers = 37 [(json) = "ptr"];
  repeated PodSchedulingGate schedulingGates = 38;
  optional ResourceRequirements resources = 40;
}

message Container {
  optional string name = 1 [(json) = "always"];
  optional string image = 2;
  repeated string command = 3;
  repeated string args = 4;
  optional string workingDir = 5;
  repeated ContainerPort ports = 6;
  repeated EnvFromSource envFrom = 19;
  repeated EnvVar env = 7;
  optional ResourceRequirements resources = 8;
  repeated ContainerResizePolicy resizePolicy = 23;
  optional string restartPolicy = 24 [(json) = "ptr"];
  repeated VolumeMount volumeMounts = 9;
  repeated VolumeDevice volumeDevices = 21;
  optional Probe livenessProbe = 10;
  optional Probe readinessProbe = 11;
  optional Probe startupProbe = 22;
  optional Lifecycle lifecycle = 12;
  optional string terminationMessagePath = 13;
  optional string terminationMessagePolicy = 20;
  optional string imagePullPolicy = 14;
  optional SecurityContext securityContext = 15;
  optional bool stdin = 16;
  optional bool stdinOnce = 17;
  optional bool tty = 18;
}

message ContainerPort {
  optional string name = 1;
  optional int32 hostPort = 2;
  optional int32 containerPort = 3 [(json) = "always"];
  optional string protocol = 4;
  optional string hostIP = 5;
}

message EnvVar {
  optional string name = 1 [(json) = "always"];
  optional string value = 2;
  optional EnvVarSource valueFrom = 3;
}

message EnvVarSource {
  optional ObjectFieldSelector fieldRef = 1;
  optional ResourceFieldSelector resourceFieldRef = 2;
  optional ConfigMapKeySelector configMapKeyRef = 3;
  optional SecretKeySelector secretKeyRef = 4;
}

message ObjectFieldSelector {
  optional string apiVersion = 1;
  optional string fieldPath = 2 [(json) = "always"];
}

message ResourceFieldSelector {
  optional string containerName = 1;
  optional string resource = 2 [(json) = "always"];
  optional .k8s.io.apimachinery.pkg.api.resource.Quantity divisor = 3;
}

message ConfigMapKeySelector {
  optional LocalObjectReference localObjectReference = 1 [(json) = "inline"];
  optional string key = 2 [(json) = "always"];
  optional bool optional = 3 [(json) = "ptr"];
}

message SecretKeySelector {
  optional LocalObjectReference localObjectReference = 1 [(json) = "inline"];
  optional string key = 2 [(json) = "always"];
  optional bool optional = 3 [(json) = "ptr"];
}

message EnvFromSource {
  optional string prefix = 1;
  optional ConfigMapEnvSource configMapRef = 2;
  optional SecretEnvSource secretRef = 3;
}

message ConfigMapEnvSource {
  optional LocalObjectReference localObjectReference = 1 [(json) = "inline"];
  optional bool optional = 2 [(json) = "ptr"];
}

message SecretEnvSource {
  optional LocalObjectReference localObjectReference = 1 [(json) = "inline"];
  optional bool optional = 2 [(json) = "ptr"];
}

message ResourceRequirements {
  map<string, .k8s.io.apimachinery.pkg.api.resource.Quantity> limits = 1;
  map<string, .k8s.io.apimachinery.pkg.api.resource.Quantity> requests = 2;
  repeated ResourceClaim claims = 3;
}

message ResourceClaim {
  optional string name = 1 [(json) = "always"];
  optional string request = 2;
}

message ContainerResizePolicy {
  optional string resourceName = 1 [(json) = "always"];
  optional string restartPolicy = 2 [(json) = "always"];
}

message VolumeMount {
  optional string name = 1 [(json) = "always"];
  optional bool readOnly = 2;
  optional string recursiveReadOnly = 7 [(json) = "ptr"];
  optional string mountPath = 3 [(json) = "always"];
  optional string subPath = 4;
  optional string mountPropagation = 5 [(json) = "ptr"];
  optional string subPathExpr = 6;
}

message VolumeDevice {
  optional string name = 1 [(json) = "always"];
  optional string devicePath = 2 [(json) = "always"];
}

message Probe {
  optional ProbeHandler handler = 1 [(json) = "inline"];
  optional int32 initialDelaySeconds = 2;
  optional int32 timeoutSeconds = 3;
  optional int32 periodSeconds = 4;
  optional int32 successThreshold = 5;
  optional int32 failureThreshold = 6;
  optional int64 terminationGracePeriodSeconds = 7 [(json) = "ptr"];
}

message ProbeHandler {
  optional ExecAction exec = 1;
  optional HTTPGetAction httpGet = 2;
  optional TCPSocketAction tcpSocket = 3;
  optional GRPCAction grpc = 4;
}

message ExecAction {
  repeated string command = 1;
}

message HTTPGetAction {
  optional string path = 1;
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString port = 2 [(json) = "always"];
  optional string host = 3;
  optional string scheme = 4;
  repeated HTTPHeader httpHeaders = 5;
}

message HTTPHeader {
  optional string name = 1 [(json) = "always"];
  optional string value = 2 [(json) = "always"];
}

message TCPSocketAction {
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString port = 1 [(json) = "always"];
  optional string host = 2;
}

message GRPCAction {
  optional int32 port = 1 [(json) = "always"];
  optional string service = 2 [(json) = "nullable"];
}

message Lifecycle {
  optional LifecycleHandler postStart = 1;
  optional LifecycleHandler preStop = 2;
  optional string stopSignal = 3 [(json) = "ptr"];
}

message LifecycleHandler {
  optional ExecAction exec = 1;
  optional HTTPGetAction httpGet = 2;
  optional TCPSocketAction tcpSocket = 3;
  optional SleepAction sleep = 4;
}

message SleepAction {
  optional int64 seconds = 1 [(json) = "always"];
}

message SecurityContext {
  optional Capabilities capabilities = 1;
  optional bool privileged = 2 [(json) = "ptr"];
  optional SELinuxOptions seLinuxOptions = 3;
  optional int64 runAsUser = 4 [(json) = "ptr"];
  optional int64 runAsGroup = 8 [(json) = "ptr"];
  optional bool runAsNonRoot = 5 [(json) = "ptr"];
  optional bool readOnlyRootFilesystem = 6 [(json) = "ptr"];
  optional bool allowPrivilegeEscalation = 7 [(json) = "ptr"];
  optional string procMount = 9 [(json) = "ptr"];
  optional SeccompProfile seccompProfile = 11;
  optional AppArmorProfile appArmorProfile = 12;
}

message Capabilities {
  repeated string add = 1;
  repeated string drop = 2;
}

message SELinuxOptions {
  optional string user = 1;
  optional string role = 2;
  optional string type = 3;
  optional string level = 4;
}

message SeccompProfile {
  optional string type = 1 [(json) = "always"];
  optional string localhostProfile = 2 [(json) = "ptr"];
}

message AppArmorProfile {
  optional string type = 1 [(json) = "always"];
  optional string localhostProfile = 2 [(json) = "ptr"];
}

message PodSecurityContext {
  optional SELinuxOptions seLinuxOptions = 1;
  optional int64 runAsUser = 2 [(json) = "ptr"];
  optional int64 runAsGroup = 6 [(json) = "ptr"];
  optional bool runAsNonRoot = 3 [(json) = "ptr"];
  repeated int64 supplementalGroups = 4;
  optional string supplementalGroupsPolicy = 12 [(json) = "ptr"];
  optional int64 fsGroup = 5 [(json) = "ptr"];
  repeated Sysctl sysctls = 7;
  optional string fsGroupChangePolicy = 9 [(json) = "ptr"];
  optional SeccompProfile seccompProfile = 10;
  optional AppArmorProfile appArmorProfile = 11;
  optional string seLinuxChangePolicy = 13 [(json) = "ptr"];
}

message Sysctl {
  optional string name = 1 [(json) = "always"];
  optional string value = 2 [(json) = "always"];
}

message Volume {
  optional string name = 1 [(json) = "always"];
  optional VolumeSource volumeSource = 2 [(json) = "inline"];
}

message VolumeSource {
  optional HostPathVolumeSource hostPath = 1;
  optional EmptyDirVolumeSource emptyDir = 2;
  optional SecretVolumeSource secret = 6;
  optional NFSVolumeSource nfs = 7;
  optional PersistentVolumeClaimVolumeSource persistentVolumeClaim = 10;
  optional DownwardAPIVolumeSource downwardAPI = 16;
  optional ConfigMapVolumeSource configMap = 19;
  optional ProjectedVolumeSource projected = 26;
  optional CSIVolumeSource csi = 28;
  optional ImageVolumeSource image = 30;
}

message HostPathVolumeSource {
  optional string path = 1 [(json) = "always"];
  optional string type = 2 [(json) = "ptr"];
}

message EmptyDirVolumeSource {
  optional string medium = 1;
  optional .k8s.io.apimachinery.pkg.api.resource.Quantity sizeLimit = 2;
}

message SecretVolumeSource {
  optional string secretName = 1;
  repeated KeyToPath items = 2;
  optional int32 defaultMode = 3 [(json) = "ptr"];
  optional bool optional = 4 [(json) = "ptr"];
}

message ConfigMapVolumeSource {
  optional LocalObjectReference localObjectReference = 1 [(json) = "inline"];
  repeated KeyToPath items = 2;
  optional int32 defaultMode = 3 [(json) = "ptr"];
  optional bool optional = 4 [(json) = "ptr"];
}

message KeyToPath {
  optional string key = 1 [(json) = "always"];
  optional string path = 2 [(json) = "always"];
  optional int32 mode = 3 [(json) = "ptr"];
}

message NFSVolumeSource {
  optional string server = 1 [(json) = "always"];
  optional string path = 2 [(json) = "always"];
  optional bool readOnly = 3;
}

message PersistentVolumeClaimVolumeSource {
  optional string claimName = 1 [(json) = "always"];
  optional bool readOnly = 2;
}

message DownwardAPIVolumeSource {
  repeated DownwardAPIVolumeFile items = 1;
  optional int32 defaultMode = 2 [(json) = "ptr"];
}

message DownwardAPIVolumeFile {
  optional string path = 1 [(json) = "always"];
  optional ObjectFieldSelector fieldRef = 2;
  optional ResourceFieldSelector resourceFieldRef = 3;
  optional int32 mode = 4 [(json) = "ptr"];
}

message ProjectedVolumeSource {
  repeated VolumeProjection sources = 1 [(json) = "always"];
  optional int32 defaultMode = 2 [(json) = "ptr"];
}

message VolumeProjection {
  optional SecretProjection secret = 1;
  optional DownwardAPIProjection downwardAPI = 2;
  optional ConfigMapProjection configMap = 3;
  optional ServiceAccountTokenProjection serviceAccountToken = 4;
}

message SecretProjection {
  optional LocalObjectReference localObjectReference = 1 [(json) = "inline"];
  repeated KeyToPath items = 2;
  optional bool optional = 4 [(json) = "ptr"];
}

message ConfigMapProjection {
  optional LocalObjectReference localObjectReference = 1 [(json) = "inline"];
  repeated KeyToPath items = 2;
  optional bool optional = 4 [(json) = "ptr"];
}

message DownwardAPIProjection {
  repeated DownwardAPIVolumeFile items = 1;
}

message ServiceAccountTokenProjection {
  optional string audience = 1;
  optional int64 expirationSeconds = 2 [(json) = "ptr"];
  optional string path = 3 [(json) = "always"];
}

message CSIVolumeSource {
  optional string driver = 1 [(json) = "always"];
  optional bool readOnly = 2 [(json) = "ptr"];
  optional string fsType = 3 [(json) = "ptr"];
  map<string, string> volumeAttributes = 4;
  optional LocalObjectReference nodePublishSecretRef = 5;
}

message ImageVolumeSource {
  optional string reference = 1;
  optional string pullPolicy = 2;
}

message Toleration {
  optional string key = 1;
  optional string operator = 2;
  optional string value = 3;
  optional string effect = 4;
  optional int64 tolerationSeconds = 5 [(json) = "ptr"];
}

message HostAlias {
  optional string ip = 1 [(json) = "always"];
  repeated string hostnames = 2;
}

message PodDNSConfig {
  repeated string nameservers = 1;
  repeated string searches = 2;
  repeated PodDNSConfigOption options = 3;
}

message PodDNSConfigOption {
  optional string name = 1;
  optional string value = 2 [(json) = "ptr"];
}

message PodReadinessGate {
  optional string conditionType = 1 [(json) = "always"];
}

message PodOS {
  optional string name = 1 [(json) = "always"];
}

message PodSchedulingGate {
  optional string name = 1 [(json) = "always"];
}

message TopologySpreadConstraint {
  optional int32 maxSkew = 1 [(json) = "always"];
  optional string topologyKey = 2 [(json) = "always"];
  optional string whenUnsatisfiable = 3 [(json) = "always"];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector labelSelector = 4;
  optional int32 minDomains = 5 [(json) = "ptr"];
  optional string nodeAffinityPolicy = 6 [(json) = "ptr"];
  optional string nodeTaintsPolicy = 7 [(json) = "ptr"];
  repeated string matchLabelKeys = 8;
}

message Affinity {
  optional NodeAffinity nodeAffinity = 1;
  optional PodAffinity podAffinity = 2;
  optional PodAntiAffinity podAntiAffinity = 3;
}

message NodeAffinity {
  optional NodeSelector requiredDuringSchedulingIgnoredDuringExecution = 1;
  repeated PreferredSchedulingTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}

message NodeSelector {
  repeated NodeSelectorTerm nodeSelectorTerms = 1 [(json) = "always"];
}

message NodeSelectorTerm {
  repeated NodeSelectorRequirement matchExpressions = 1;
  repeated NodeSelectorRequirement matchFields = 2;
}

message NodeSelectorRequirement {
  optional string key = 1 [(json) = "always"];
  optional string operator = 2 [(json) = "always"];
  repeated string values = 3;
}

message PreferredSchedulingTerm {
  optional int32 weight = 1 [(json) = "always"];
  optional NodeSelectorTerm preference = 2 [(json) = "always"];
}

message PodAffinity {
  repeated PodAffinityTerm requiredDuringSchedulingIgnoredDuringExecution = 1;
  repeated WeightedPodAffinityTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}

message PodAntiAffinity {
  repeated PodAffinityTerm requiredDuringSchedulingIgnoredDuringExecution = 1;
  repeated WeightedPodAffinityTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}

message PodAffinityTerm {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector labelSelector = 1;
  repeated string namespaces = 2;
  optional string topologyKey = 3 [(json) = "always"];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector namespaceSelector = 4;
  repeated string matchLabelKeys = 5;
  repeated string mismatchLabelKeys = 6;
}

message WeightedPodAffinityTerm {
  optional int32 weight = 1 [(json) = "always"];
  optional PodAffinityTerm podAffinityTerm = 2 [(json) = "always"];
}
`;

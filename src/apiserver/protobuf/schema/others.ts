// The remaining kinds kubectl's typed clients write: policy/v1 PodDisruptionBudget and
// Eviction, networking.k8s.io/v1 Ingress, scheduling.k8s.io/v1 PriorityClass,
// autoscaling/v1 and v2 HorizontalPodAutoscaler (kubectl 1.33's autoscale writes v2). Field numbers follow the groups'
// generated.proto files; names are the JSON names.

export const POLICY_PROTO = `
syntax = "proto2";
package k8s.io.api.policy.v1;

message PodDisruptionBudget {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional PodDisruptionBudgetSpec spec = 2;
  optional PodDisruptionBudgetStatus status = 3;
}

message PodDisruptionBudgetSpec {
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString minAvailable = 1;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 2;
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString maxUnavailable = 3;
  optional string unhealthyPodEvictionPolicy = 4 [(json) = "ptr"];
}

message PodDisruptionBudgetStatus {
  optional int64 observedGeneration = 1;
  map<string, .k8s.io.apimachinery.pkg.apis.meta.v1.Time> disruptedPods = 2;
  optional int32 disruptionsAllowed = 3 [(json) = "always"];
  optional int32 currentHealthy = 4 [(json) = "always"];
  optional int32 desiredHealthy = 5 [(json) = "always"];
  optional int32 expectedPods = 6 [(json) = "always"];
  repeated .k8s.io.apimachinery.pkg.apis.meta.v1.Condition conditions = 7;
}

message Eviction {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions deleteOptions = 2;
}
`;

export const NETWORKING_PROTO = `
syntax = "proto2";
package k8s.io.api.networking.v1;

message Ingress {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional IngressSpec spec = 2;
  optional IngressStatus status = 3;
}

message IngressSpec {
  optional string ingressClassName = 4 [(json) = "ptr"];
  optional IngressBackend defaultBackend = 1;
  repeated IngressTLS tls = 2;
  repeated IngressRule rules = 3;
}

message IngressBackend {
  optional IngressServiceBackend service = 4;
  optional .k8s.io.api.core.v1.TypedLocalObjectReference resource = 3;
}

message IngressServiceBackend {
  optional string name = 1 [(json) = "always"];
  optional ServiceBackendPort port = 2;
}

message ServiceBackendPort {
  optional string name = 1;
  optional int32 number = 2;
}

message IngressTLS {
  repeated string hosts = 1;
  optional string secretName = 2;
}

message IngressRule {
  optional string host = 1;
  optional IngressRuleValue ingressRuleValue = 2 [(json) = "inline"];
}

message IngressRuleValue {
  optional HTTPIngressRuleValue http = 1;
}

message HTTPIngressRuleValue {
  repeated HTTPIngressPath paths = 1 [(json) = "always"];
}

message HTTPIngressPath {
  optional string path = 1;
  optional string pathType = 3 [(json) = "nullable"];
  optional IngressBackend backend = 2 [(json) = "always"];
}

message IngressStatus {
  optional IngressLoadBalancerStatus loadBalancer = 1;
}

message IngressLoadBalancerStatus {
  repeated IngressLoadBalancerIngress ingress = 1;
}

message IngressLoadBalancerIngress {
  optional string ip = 1;
  optional string hostname = 2;
  repeated IngressPortStatus ports = 4;
}

message IngressPortStatus {
  optional int32 port = 1 [(json) = "always"];
  optional string protocol = 2 [(json) = "always"];
  optional string error = 3 [(json) = "ptr"];
}
`;

export const SCHEDULING_PROTO = `
syntax = "proto2";
package k8s.io.api.scheduling.v1;

message PriorityClass {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional int32 value = 2 [(json) = "always"];
  optional bool globalDefault = 3;
  optional string description = 4;
  optional string preemptionPolicy = 5 [(json) = "ptr"];
}
`;

export const AUTOSCALING_PROTO = `
syntax = "proto2";
package k8s.io.api.autoscaling.v1;

message HorizontalPodAutoscaler {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional HorizontalPodAutoscalerSpec spec = 2;
  optional HorizontalPodAutoscalerStatus status = 3;
}

message HorizontalPodAutoscalerSpec {
  optional CrossVersionObjectReference scaleTargetRef = 1 [(json) = "always"];
  optional int32 minReplicas = 2 [(json) = "ptr"];
  optional int32 maxReplicas = 3 [(json) = "always"];
  optional int32 targetCPUUtilizationPercentage = 4 [(json) = "ptr"];
}

message CrossVersionObjectReference {
  optional string kind = 1 [(json) = "always"];
  optional string name = 2 [(json) = "always"];
  optional string apiVersion = 3;
}

message HorizontalPodAutoscalerStatus {
  optional int64 observedGeneration = 1 [(json) = "ptr"];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastScaleTime = 2;
  optional int32 currentReplicas = 3 [(json) = "always"];
  optional int32 desiredReplicas = 4 [(json) = "always"];
  optional int32 currentCPUUtilizationPercentage = 5 [(json) = "ptr"];
}
`;

export const AUTOSCALING_V2_PROTO = `
syntax = "proto2";
package k8s.io.api.autoscaling.v2;

message HorizontalPodAutoscaler {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional HorizontalPodAutoscalerSpec spec = 2;
  optional HorizontalPodAutoscalerStatus status = 3;
}

message HorizontalPodAutoscalerSpec {
  optional CrossVersionObjectReference scaleTargetRef = 1 [(json) = "always"];
  optional int32 minReplicas = 2 [(json) = "ptr"];
  optional int32 maxReplicas = 3 [(json) = "always"];
  repeated MetricSpec metrics = 4;
  optional HorizontalPodAutoscalerBehavior behavior = 5;
}

message CrossVersionObjectReference {
  optional string kind = 1 [(json) = "always"];
  optional string name = 2 [(json) = "always"];
  optional string apiVersion = 3;
}

message MetricSpec {
  optional string type = 1 [(json) = "always"];
  optional ObjectMetricSource object = 2;
  optional PodsMetricSource pods = 3;
  optional ResourceMetricSource resource = 4;
  optional ContainerResourceMetricSource containerResource = 7;
  optional ExternalMetricSource external = 5;
}

message ObjectMetricSource {
  optional CrossVersionObjectReference describedObject = 1 [(json) = "always"];
  optional MetricTarget target = 2 [(json) = "always"];
  optional MetricIdentifier metric = 3 [(json) = "always"];
}

message PodsMetricSource {
  optional MetricIdentifier metric = 1 [(json) = "always"];
  optional MetricTarget target = 2 [(json) = "always"];
}

message ResourceMetricSource {
  optional string name = 1 [(json) = "always"];
  optional MetricTarget target = 2 [(json) = "always"];
}

message ContainerResourceMetricSource {
  optional string name = 1 [(json) = "always"];
  optional MetricTarget target = 2 [(json) = "always"];
  optional string container = 3 [(json) = "always"];
}

message ExternalMetricSource {
  optional MetricIdentifier metric = 1 [(json) = "always"];
  optional MetricTarget target = 2 [(json) = "always"];
}

message MetricIdentifier {
  optional string name = 1 [(json) = "always"];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 2;
}

message MetricTarget {
  optional string type = 1 [(json) = "always"];
  optional .k8s.io.apimachinery.pkg.api.resource.Quantity value = 2;
  optional .k8s.io.apimachinery.pkg.api.resource.Quantity averageValue = 3;
  optional int32 averageUtilization = 4 [(json) = "ptr"];
}

message HorizontalPodAutoscalerBehavior {
  optional HPAScalingRules scaleUp = 1;
  optional HPAScalingRules scaleDown = 2;
}

message HPAScalingRules {
  optional int32 stabilizationWindowSeconds = 3 [(json) = "ptr"];
  optional string selectPolicy = 1 [(json) = "ptr"];
  repeated HPAScalingPolicy policies = 2;
  optional .k8s.io.apimachinery.pkg.api.resource.Quantity tolerance = 4;
}

message HPAScalingPolicy {
  optional string type = 1 [(json) = "always"];
  optional int32 value = 2 [(json) = "always"];
  optional int32 periodSeconds = 3 [(json) = "always"];
}

message HorizontalPodAutoscalerStatus {
  optional int64 observedGeneration = 1 [(json) = "ptr"];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastScaleTime = 2;
  optional int32 currentReplicas = 3;
  optional int32 desiredReplicas = 4 [(json) = "always"];
  repeated MetricStatus currentMetrics = 5 [(json) = "always"];
  repeated HorizontalPodAutoscalerCondition conditions = 6;
}

message MetricStatus {
  optional string type = 1 [(json) = "always"];
  optional ObjectMetricStatus object = 2;
  optional PodsMetricStatus pods = 3;
  optional ResourceMetricStatus resource = 4;
  optional ContainerResourceMetricStatus containerResource = 7;
  optional ExternalMetricStatus external = 5;
}

message MetricValueStatus {
  optional .k8s.io.apimachinery.pkg.api.resource.Quantity value = 1;
  optional .k8s.io.apimachinery.pkg.api.resource.Quantity averageValue = 2;
  optional int32 averageUtilization = 3 [(json) = "ptr"];
}

message ResourceMetricStatus {
  optional string name = 1 [(json) = "always"];
  optional MetricValueStatus current = 2 [(json) = "always"];
}

message ContainerResourceMetricStatus {
  optional string name = 1 [(json) = "always"];
  optional MetricValueStatus current = 2 [(json) = "always"];
  optional string container = 3 [(json) = "always"];
}

message PodsMetricStatus {
  optional MetricIdentifier metric = 1 [(json) = "always"];
  optional MetricValueStatus current = 2 [(json) = "always"];
}

message ObjectMetricStatus {
  optional MetricIdentifier metric = 1 [(json) = "always"];
  optional MetricValueStatus current = 2 [(json) = "always"];
  optional CrossVersionObjectReference describedObject = 3 [(json) = "always"];
}

message ExternalMetricStatus {
  optional MetricIdentifier metric = 1 [(json) = "always"];
  optional MetricValueStatus current = 2 [(json) = "always"];
}

message HorizontalPodAutoscalerCondition {
  optional string type = 1 [(json) = "always"];
  optional string status = 2 [(json) = "always"];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 3;
  optional string reason = 4;
  optional string message = 5;
  optional int64 observedGeneration = 6 [(json) = "ptr"];
}
`;

// certificates.k8s.io/v1 CertificateSigningRequest: kubectl's `certificate approve|deny`
// sends it to the approval subresource.
export const CERTIFICATES_PROTO = `
syntax = "proto2";
package k8s.io.api.certificates.v1;

message CertificateSigningRequest {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional CertificateSigningRequestSpec spec = 2;
  optional CertificateSigningRequestStatus status = 3;
}

message CertificateSigningRequestSpec {
  optional bytes request = 1 [(json) = "always"];
  optional string signerName = 7 [(json) = "always"];
  optional int32 expirationSeconds = 8 [(json) = "ptr"];
  repeated string usages = 5;
  optional string username = 2;
  optional string uid = 3;
  repeated string groups = 4;
  map<string, .k8s.io.api.authentication.v1.ExtraValue> extra = 6;
}

message CertificateSigningRequestStatus {
  repeated CertificateSigningRequestCondition conditions = 1;
  optional bytes certificate = 2;
}

message CertificateSigningRequestCondition {
  optional string type = 1 [(json) = "always"];
  optional string status = 6 [(json) = "always"];
  optional string reason = 2;
  optional string message = 3;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastUpdateTime = 4;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 5;
}
`;

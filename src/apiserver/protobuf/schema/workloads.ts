// apps/v1 Deployment, ReplicaSet and DaemonSet, batch/v1 Job and CronJob. Field numbers follow
// k8s.io/api apps/v1 and batch/v1 generated.proto; names are the JSON names.

export const APPS_PROTO = `
syntax = "proto2";
package k8s.io.api.apps.v1;

message Deployment {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional DeploymentSpec spec = 2;
  optional DeploymentStatus status = 3;
}

message DeploymentSpec {
  optional int32 replicas = 1 [(json) = "ptr"];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 2 [(json) = "nullable"];
  optional .k8s.io.api.core.v1.PodTemplateSpec template = 3 [(json) = "always"];
  optional DeploymentStrategy strategy = 4;
  optional int32 minReadySeconds = 5;
  optional int32 revisionHistoryLimit = 6 [(json) = "ptr"];
  optional bool paused = 7;
  optional int32 progressDeadlineSeconds = 9 [(json) = "ptr"];
}

message DeploymentStrategy {
  optional string type = 1;
  optional RollingUpdateDeployment rollingUpdate = 2;
}

message RollingUpdateDeployment {
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString maxUnavailable = 1;
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString maxSurge = 2;
}

message DeploymentStatus {
  optional int64 observedGeneration = 1;
  optional int32 replicas = 2;
  optional int32 updatedReplicas = 3;
  optional int32 readyReplicas = 7;
  optional int32 availableReplicas = 4;
  optional int32 unavailableReplicas = 5;
  optional int32 terminatingReplicas = 9 [(json) = "ptr"];
  repeated DeploymentCondition conditions = 6;
  optional int32 collisionCount = 8 [(json) = "ptr"];
}

message DeploymentCondition {
  optional string type = 1 [(json) = "always"];
  optional string status = 2 [(json) = "always"];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastUpdateTime = 6;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 7;
  optional string reason = 4;
  optional string message = 5;
}

message ReplicaSet {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional ReplicaSetSpec spec = 2;
  optional ReplicaSetStatus status = 3;
}

message ReplicaSetSpec {
  optional int32 replicas = 1 [(json) = "ptr"];
  optional int32 minReadySeconds = 4;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 2 [(json) = "nullable"];
  optional .k8s.io.api.core.v1.PodTemplateSpec template = 3;
}

message ReplicaSetStatus {
  optional int32 replicas = 1 [(json) = "always"];
  optional int32 fullyLabeledReplicas = 2;
  optional int32 readyReplicas = 4;
  optional int32 availableReplicas = 5;
  optional int32 terminatingReplicas = 7 [(json) = "ptr"];
  optional int64 observedGeneration = 3;
  repeated ReplicaSetCondition conditions = 6;
}

message ReplicaSetCondition {
  optional string type = 1 [(json) = "always"];
  optional string status = 2 [(json) = "always"];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 3;
  optional string reason = 4;
  optional string message = 5;
}
message DaemonSet {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional DaemonSetSpec spec = 2;
  optional DaemonSetStatus status = 3;
}

message DaemonSetSpec {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 1 [(json) = "nullable"];
  optional .k8s.io.api.core.v1.PodTemplateSpec template = 2 [(json) = "always"];
  optional DaemonSetUpdateStrategy updateStrategy = 3;
  optional int32 minReadySeconds = 4;
  optional int32 revisionHistoryLimit = 6 [(json) = "ptr"];
}

message DaemonSetUpdateStrategy {
  optional string type = 1;
  optional RollingUpdateDaemonSet rollingUpdate = 2;
}

message RollingUpdateDaemonSet {
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString maxUnavailable = 1 [(json) = "ptr"];
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString maxSurge = 2 [(json) = "ptr"];
}

message DaemonSetStatus {
  optional int32 currentNumberScheduled = 1 [(json) = "always"];
  optional int32 numberMisscheduled = 2 [(json) = "always"];
  optional int32 desiredNumberScheduled = 3 [(json) = "always"];
  optional int32 numberReady = 4 [(json) = "always"];
  optional int64 observedGeneration = 5;
  optional int32 updatedNumberScheduled = 6;
  optional int32 numberAvailable = 7;
  optional int32 numberUnavailable = 8;
  optional int32 collisionCount = 9 [(json) = "ptr"];
  repeated DaemonSetCondition conditions = 10;
}

message DaemonSetCondition {
  optional string type = 1 [(json) = "always"];
  optional string status = 2 [(json) = "always"];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 3;
  optional string reason = 4;
  optional string message = 5;
}
`;

export const BATCH_PROTO = `
syntax = "proto2";
package k8s.io.api.batch.v1;

message Job {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional JobSpec spec = 2;
  optional JobStatus status = 3;
}

message JobSpec {
  optional int32 parallelism = 1 [(json) = "ptr"];
  optional int32 completions = 2 [(json) = "ptr"];
  optional int64 activeDeadlineSeconds = 3 [(json) = "ptr"];
  optional PodFailurePolicy podFailurePolicy = 11;
  optional SuccessPolicy successPolicy = 16;
  optional int32 backoffLimit = 7 [(json) = "ptr"];
  optional int32 backoffLimitPerIndex = 12 [(json) = "ptr"];
  optional int32 maxFailedIndexes = 13 [(json) = "ptr"];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 4;
  optional bool manualSelector = 5 [(json) = "ptr"];
  optional .k8s.io.api.core.v1.PodTemplateSpec template = 6 [(json) = "always"];
  optional int32 ttlSecondsAfterFinished = 8 [(json) = "ptr"];
  optional string completionMode = 9 [(json) = "ptr"];
  optional bool suspend = 10 [(json) = "ptr"];
  optional string podReplacementPolicy = 14 [(json) = "ptr"];
  optional string managedBy = 15 [(json) = "ptr"];
}

message PodFailurePolicy {
  repeated PodFailurePolicyRule rules = 1 [(json) = "always"];
}

message PodFailurePolicyRule {
  optional string action = 1 [(json) = "always"];
  optional PodFailurePolicyOnExitCodesRequirement onExitCodes = 2;
  repeated PodFailurePolicyOnPodConditionsPattern onPodConditions = 3;
}

message PodFailurePolicyOnExitCodesRequirement {
  optional string containerName = 1 [(json) = "ptr"];
  optional string operator = 2 [(json) = "always"];
  repeated int32 values = 3 [(json) = "always"];
}

message PodFailurePolicyOnPodConditionsPattern {
  optional string type = 1 [(json) = "always"];
  optional string status = 2 [(json) = "always"];
}

message SuccessPolicy {
  repeated SuccessPolicyRule rules = 1 [(json) = "always"];
}

message SuccessPolicyRule {
  optional string succeededIndexes = 1 [(json) = "ptr"];
  optional int32 succeededCount = 2 [(json) = "ptr"];
}

message JobStatus {
  repeated JobCondition conditions = 1;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time startTime = 2;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time completionTime = 3;
  optional int32 active = 4;
  optional int32 succeeded = 5;
  optional int32 failed = 6;
  optional int32 terminating = 11 [(json) = "ptr"];
  optional string completedIndexes = 7;
  optional string failedIndexes = 10 [(json) = "ptr"];
  optional UncountedTerminatedPods uncountedTerminatedPods = 8;
  optional int32 ready = 9 [(json) = "ptr"];
}

message JobCondition {
  optional string type = 1 [(json) = "always"];
  optional string status = 2 [(json) = "always"];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastProbeTime = 3;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}

message UncountedTerminatedPods {
  repeated string succeeded = 1;
  repeated string failed = 2;
}

message CronJob {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional CronJobSpec spec = 2;
  optional CronJobStatus status = 3;
}

message CronJobSpec {
  optional string schedule = 1 [(json) = "always"];
  optional string timeZone = 8 [(json) = "ptr"];
  optional int64 startingDeadlineSeconds = 2 [(json) = "ptr"];
  optional string concurrencyPolicy = 3;
  optional bool suspend = 4 [(json) = "ptr"];
  optional JobTemplateSpec jobTemplate = 5 [(json) = "always"];
  optional int32 successfulJobsHistoryLimit = 6 [(json) = "ptr"];
  optional int32 failedJobsHistoryLimit = 7 [(json) = "ptr"];
}

message JobTemplateSpec {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional JobSpec spec = 2;
}

message CronJobStatus {
  repeated .k8s.io.api.core.v1.ObjectReference active = 1;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastScheduleTime = 4;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastSuccessfulTime = 5;
}
`;

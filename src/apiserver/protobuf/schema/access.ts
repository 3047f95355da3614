// Reviews and RBAC: authorization.k8s.io/v1 self reviews, authentication.k8s.io/v1
// SelfSubjectReview and TokenRequest, rbac.authorization.k8s.io/v1. Field numbers follow
// the groups' generated.proto files; names are the JSON names.

export const AUTHORIZATION_PROTO = `
syntax = "proto2";
package k8s.io.api.authorization.v1;

message SelfSubjectAccessReview {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional SelfSubjectAccessReviewSpec spec = 2 [(json) = "always"];
  optional SubjectAccessReviewStatus status = 3;
}

message SelfSubjectAccessReviewSpec {
  optional ResourceAttributes resourceAttributes = 1;
  optional NonResourceAttributes nonResourceAttributes = 2;
}

message ResourceAttributes {
  optional string namespace = 1;
  optional string verb = 2;
  optional string group = 3;
  optional string version = 4;
  optional string resource = 5;
  optional string subresource = 6;
  optional string name = 7;
  optional FieldSelectorAttributes fieldSelector = 8;
  optional LabelSelectorAttributes labelSelector = 9;
}

message FieldSelectorAttributes {
  optional string rawSelector = 1;
  repeated .k8s.io.apimachinery.pkg.apis.meta.v1.FieldSelectorRequirement requirements = 2;
}

message LabelSelectorAttributes {
  optional string rawSelector = 1;
  repeated .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement requirements = 2;
}

message NonResourceAttributes {
  optional string path = 1;
  optional string verb = 2;
}

message SubjectAccessReviewStatus {
  optional bool allowed = 1 [(json) = "always"];
  optional bool denied = 4;
  optional string reason = 2;
  optional string evaluationError = 3;
}

message SelfSubjectRulesReview {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional SelfSubjectRulesReviewSpec spec = 2 [(json) = "always"];
  optional SubjectRulesReviewStatus status = 3;
}

message SelfSubjectRulesReviewSpec {
  optional string namespace = 1;
}

message SubjectRulesReviewStatus {
  repeated ResourceRule resourceRules = 1 [(json) = "always"];
  repeated NonResourceRule nonResourceRules = 2 [(json) = "always"];
  optional bool incomplete = 3 [(json) = "always"];
  optional string evaluationError = 4;
}

message ResourceRule {
  repeated string verbs = 1 [(json) = "always"];
  repeated string apiGroups = 2;
  repeated string resources = 3;
  repeated string resourceNames = 4;
}

message NonResourceRule {
  repeated string verbs = 1 [(json) = "always"];
  repeated string nonResourceURLs = 2;
}
`;

export const AUTHENTICATION_PROTO = `
syntax = "proto2";
package k8s.io.api.authentication.v1;

message SelfSubjectReview {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional SelfSubjectReviewStatus status = 2;
}

message SelfSubjectReviewStatus {
  optional UserInfo userInfo = 1;
}

message UserInfo {
  optional string username = 1;
  optional string uid = 2;
  repeated string groups = 3;
  map<string, ExtraValue> extra = 4;
}

// Converted to a JSON array of strings.
message ExtraValue {
  repeated string items = 1;
}

message TokenRequest {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional TokenRequestSpec spec = 2 [(json) = "always"];
  optional TokenRequestStatus status = 3;
}

message TokenRequestSpec {
  repeated string audiences = 1 [(json) = "always"];
  optional int64 expirationSeconds = 4 [(json) = "nullable"];
  optional BoundObjectReference boundObjectRef = 3 [(json) = "nullable"];
}

message BoundObjectReference {
  optional string kind = 1;
  optional string apiVersion = 2;
  optional string name = 3;
  optional string uid = 4;
}

message TokenRequestStatus {
  optional string token = 1 [(json) = "always"];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time expirationTimestamp = 2 [(json) = "always"];
}
`;

export const RBAC_PROTO = `
syntax = "proto2";
package k8s.io.api.rbac.v1;

message Role {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  repeated PolicyRule rules = 2 [(json) = "always"];
}

message ClusterRole {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  repeated PolicyRule rules = 2 [(json) = "always"];
  optional AggregationRule aggregationRule = 3;
}

message AggregationRule {
  repeated .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector clusterRoleSelectors = 1;
}

message PolicyRule {
  repeated string verbs = 1 [(json) = "always"];
  repeated string apiGroups = 2;
  repeated string resources = 3;
  repeated string resourceNames = 4;
  repeated string nonResourceURLs = 5;
}

message RoleBinding {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  repeated Subject subjects = 2;
  optional RoleRef roleRef = 3 [(json) = "always"];
}

message ClusterRoleBinding {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  repeated Subject subjects = 2;
  optional RoleRef roleRef = 3 [(json) = "always"];
}

message Subject {
  optional string kind = 1 [(json) = "always"];
  optional string apiGroup = 2;
  optional string name = 3 [(json) = "always"];
  optional string namespace = 4;
}

message RoleRef {
  optional string apiGroup = 1 [(json) = "always"];
  optional string kind = 2 [(json) = "always"];
  optional string name = 3 [(json) = "always"];
}
`;

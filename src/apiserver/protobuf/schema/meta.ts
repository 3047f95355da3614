// apimachinery messages: the runtime envelope, object metadata and the small value types.
// Field numbers follow apimachinery's generated.proto files; field names are the JSON names.
// See README.md for the `(json)` field option.

export const META_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.runtime;

message TypeMeta {
  optional string apiVersion = 1;
  optional string kind = 2;
}

message Unknown {
  optional TypeMeta typeMeta = 1;
  optional bytes raw = 2;
  optional string contentEncoding = 3;
  optional string contentType = 4;
}
`;

export const INTSTR_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.util.intstr;

// Converted to a JSON number (type 0) or string (type 1).
message IntOrString {
  optional int64 type = 1;
  optional int32 intVal = 2;
  optional string strVal = 3;
}
`;

export const RESOURCE_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.api.resource;

// Converted to its canonical string.
message Quantity {
  optional string string = 1;
}
`;

export const META_V1_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.apis.meta.v1;

// Converted to an RFC 3339 string, or null when empty.
message Time {
  optional int64 seconds = 1;
  optional int32 nanos = 2;
}

// Converted to an RFC 3339 string with microseconds, or null when empty.
message MicroTime {
  optional int64 seconds = 1;
  optional int32 nanos = 2;
}

// Converted to the JSON document its bytes hold.
message FieldsV1 {
  optional bytes Raw = 1;
}

message ObjectMeta {
  optional string name = 1;
  optional string generateName = 2;
  optional string namespace = 3;
  optional string selfLink = 4;
  optional string uid = 5;
  optional string resourceVersion = 6;
  optional int64 generation = 7;
  optional Time creationTimestamp = 8;
  optional Time deletionTimestamp = 9;
  optional int64 deletionGracePeriodSeconds = 10 [(json) = "ptr"];
  map<string, string> labels = 11;
  map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13;
  repeated string finalizers = 14;
  repeated ManagedFieldsEntry managedFields = 17;
}

message OwnerReference {
  optional string apiVersion = 5 [(json) = "always"];
  optional string kind = 1 [(json) = "always"];
  optional string name = 3 [(json) = "always"];
  optional string uid = 4 [(json) = "always"];
  optional bool controller = 6 [(json) = "ptr"];
  optional bool blockOwnerDeletion = 7 [(json) = "ptr"];
}

message ManagedFieldsEntry {
  optional string manager = 1;
  optional string operation = 2;
  optional string apiVersion = 3;
  optional Time time = 4;
  optional string fieldsType = 6;
  optional FieldsV1 fieldsV1 = 7;
  optional string subresource = 8;
}

message LabelSelector {
  map<string, string> matchLabels = 1;
  repeated LabelSelectorRequirement matchExpressions = 2;
}

message LabelSelectorRequirement {
  optional string key = 1 [(json) = "always"];
  optional string operator = 2 [(json) = "always"];
  repeated string values = 3;
}

message FieldSelectorRequirement {
  optional string key = 1 [(json) = "always"];
  optional string operator = 2 [(json) = "always"];
  repeated string values = 3;
}

message Condition {
  optional string type = 1 [(json) = "always"];
  optional string status = 2 [(json) = "always"];
  optional int64 observedGeneration = 3;
  optional Time lastTransitionTime = 4 [(json) = "always"];
  optional string reason = 5 [(json) = "always"];
  optional string message = 6 [(json) = "always"];
}

message Preconditions {
  optional string uid = 1 [(json) = "ptr"];
  optional string resourceVersion = 2 [(json) = "ptr"];
}

message DeleteOptions {
  optional int64 gracePeriodSeconds = 1 [(json) = "ptr"];
  optional Preconditions preconditions = 2;
  optional bool orphanDependents = 3 [(json) = "ptr"];
  optional string propagationPolicy = 4 [(json) = "ptr"];
  repeated string dryRun = 5;
  optional bool ignoreStoreReadErrorWithClusterBreakingPotential = 6 [(json) = "ptr"];
}
`;

// Decoding of Kubernetes protobuf request bodies (kubectl 1.32+ typed clients send them)
// into the JSON object kube-apiserver would accept for the same request.

import { unsupportedMediaTypeWithMessage } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { decodeMessage, openEnvelope } from './envelope.js';
import { messageToJson } from './gojson.js';
import { typeForKind } from './kinds.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

export { decodableKinds } from './kinds.js';

/** Whether a Content-Type header names the Kubernetes protobuf encoding (parameters ignored). */
export function isKubernetesProtobuf(contentType: string): boolean {
  const base = contentType.split(';', 1)[0] ?? '';
  return base.trim().toLowerCase() === PROTOBUF_MEDIA_TYPE;
}

/**
 * Decodes a `k8s\0`-prefixed protobuf body into the JSON object Go's encoding/json would
 * write for it, `apiVersion` and `kind` included. Kinds this server has no schema for, and
 * fields its schemas lack, are refused with 415; malformed bodies with 400.
 * DeleteOptions bodies come back without `metadata`, as in JSON.
 */
export function decodeKubernetesProtobuf(body: Buffer): KubeObject {
  const { apiVersion, kind, raw } = openEnvelope(body);
  const type = typeForKind(apiVersion, kind);
  if (!type) {
    throw unsupportedMediaTypeWithMessage(
      `this server cannot decode ${kind} (${apiVersion || 'no apiVersion'}) from protobuf; send it as application/json`,
    );
  }
  const fields = messageToJson(type, decodeMessage(type, raw, kind), '') as Record<string, unknown>;
  // A Go sender always writes metadata; other senders may leave an empty one out.
  if (type.fields.metadata && !fields.metadata) fields.metadata = {};
  return { kind, apiVersion, ...fields } as KubeObject;
}

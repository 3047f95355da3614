// The Kubernetes protobuf envelope: the 4-byte magic `k8s\0` followed by a
// runtime.Unknown holding the type, the encoded object and how it is encoded.

import protobuf from 'protobufjs';
import type { Message, Type } from 'protobufjs';
import { badRequest, unsupportedMediaTypeWithMessage } from '../../api/errors.js';
import { schemaRoot } from './kinds.js';

export const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
}

/** Decodes `bytes` as `type`, keeping fields the schema lacks so they can be checked. */
export function decodeMessage(type: Type, bytes: Uint8Array, what: string): Message {
  const reader = protobuf.Reader.create(bytes);
  reader.discardUnknown = false;
  try {
    return type.decode(reader);
  } catch (err) {
    throw badRequest(
      `the protobuf ${what} could not be decoded: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export function openEnvelope(body: Uint8Array): Envelope {
  if (body.length < MAGIC.length || !MAGIC.equals(body.subarray(0, MAGIC.length))) {
    throw badRequest('the protobuf body does not start with the Kubernetes prefix "k8s\\x00"');
  }
  const unknownType = schemaRoot().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const u = decodeMessage(unknownType, body.subarray(MAGIC.length), 'envelope') as Message & {
    typeMeta?: { apiVersion?: string; kind?: string };
    raw?: Uint8Array;
    contentEncoding?: string;
    contentType?: string;
  };
  const apiVersion = u.typeMeta?.apiVersion ?? '';
  const kind = u.typeMeta?.kind ?? '';
  if (!kind) throw badRequest("Object 'Kind' is missing in the protobuf body");
  if (u.contentEncoding) {
    throw unsupportedMediaTypeWithMessage(
      `protobuf bodies with content encoding "${u.contentEncoding}" are not supported; send the object unencoded`,
    );
  }
  if (u.contentType && u.contentType !== 'application/vnd.kubernetes.protobuf') {
    throw unsupportedMediaTypeWithMessage(
      `a protobuf envelope holding "${u.contentType}" is not supported; send that content directly`,
    );
  }
  return { apiVersion, kind, raw: u.raw ?? new Uint8Array(0) };
}

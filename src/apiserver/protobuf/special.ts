// Kubernetes value types whose JSON form is not an object: times, quantities,
// int-or-string, managed-fields documents and the string lists of UserInfo.extra.

import type { Type } from 'protobufjs';
import { badRequest } from '../../api/errors.js';
import { formatTime } from '../../api/time.js';
import { JsonDepthError, scanJson } from '../json-scan.js';

type Decoded = Record<string, unknown>;

/** int64 fields arrive as Long objects (or plain numbers when Long is absent). */
export function longToNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object' && 'toNumber' in value) {
    return (value as { toNumber(): number }).toNumber();
  }
  return Number(value);
}

const META = '.k8s.io.apimachinery.pkg.apis.meta.v1';

const has = (msg: Decoded, name: string): boolean =>
  Object.prototype.hasOwnProperty.call(msg, name);

/** A protobuf Timestamp's seconds as metav1.Time writes them (RFC 3339, whole seconds). */
export function timeFromProto(seconds: number): string {
  return formatTime(new Date(seconds * 1000));
}

/** A protobuf Timestamp as metav1.MicroTime writes it: exactly six fractional digits. */
export function microTimeFromProto(seconds: number, nanos: number): string {
  const micros = Math.floor(nanos / 1000);
  return timeFromProto(seconds).replace(/Z$/, `.${String(micros).padStart(6, '0')}Z`);
}

const converters: Record<string, (msg: Decoded) => unknown> = {
  // An empty Time is Go's zero time, which metav1.Time writes as null. The receiving side
  // ignores nanos (apimachinery keeps JSON's second precision), so this does too.
  [`${META}.Time`]: (msg) =>
    has(msg, 'seconds') || has(msg, 'nanos') ? timeFromProto(longToNumber(msg.seconds ?? 0)) : null,
  [`${META}.MicroTime`]: (msg) =>
    has(msg, 'seconds') || has(msg, 'nanos')
      ? microTimeFromProto(longToNumber(msg.seconds ?? 0), Number(msg.nanos ?? 0))
      : null,
  [`${META}.FieldsV1`]: (msg) => {
    const raw = msg.Raw as Uint8Array | undefined;
    if (!raw || raw.length === 0) return null;
    const text = Buffer.from(raw).toString('utf8');
    try {
      // Bounded like a JSON body: the document is walked recursively later.
      scanJson(text);
      return JSON.parse(text) as unknown;
    } catch (e) {
      if (e instanceof JsonDepthError) throw badRequest(`metadata.managedFields: ${e.message}`);
      throw badRequest('metadata.managedFields: fieldsV1 does not hold a JSON document');
    }
  },
  '.k8s.io.apimachinery.pkg.api.resource.Quantity': (msg) => {
    const s = msg.string as string | undefined;
    return s ? s : '0';
  },
  '.k8s.io.apimachinery.pkg.util.intstr.IntOrString': (msg) =>
    longToNumber(msg.type ?? 0) === 1
      ? ((msg.strVal as string | undefined) ?? '')
      : Number(msg.intVal ?? 0),
  // UserInfo.extra values are plain string lists in JSON.
  '.k8s.io.api.authentication.v1.ExtraValue': (msg) => {
    const items = msg.items as string[] | undefined;
    return items && items.length > 0 ? [...items] : null;
  },
};

// Type#fullName is recomputed on every read, so the lookup is remembered per type.
const byType = new WeakMap<Type, ((msg: Decoded) => unknown) | null>();

/** The JSON form of `msg` when `type` is one of the value types, else undefined. */
export function convertSpecial(type: Type, msg: Decoded): unknown {
  let convert = byType.get(type);
  if (convert === undefined) {
    convert = converters[type.fullName] ?? null;
    byType.set(type, convert);
  }
  return convert ? convert(msg) : undefined;
}

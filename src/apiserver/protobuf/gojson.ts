// Turns a decoded protobuf message into the JSON Go's encoding/json would write for the
// same Kubernetes object. Protobuf cannot tell "unset" from "zero" for value fields, and
// Go's JSON depends on whether a field is a pointer and whether its tag has omitempty, so
// each field carries a `(json)` option in the schema (see README.md):
//   (none)    value with omitempty: zero values are left out
//   ptr       pointer with omitempty: written whenever the sender set it, zero included
//   always    no omitempty: written even when zero (nil lists and maps as null)
//   nullable  pointer without omitempty: null when the sender did not set it
//   inline    embedded struct: its fields are merged into the parent object

import protobuf from 'protobufjs';
import type { Field, Message, Type } from 'protobufjs';
import { unsupportedMediaTypeWithMessage } from '../../api/errors.js';
import { convertSpecial, longToNumber } from './special.js';

type Mode = 'omitempty' | 'ptr' | 'always' | 'nullable' | 'inline';
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Decoded = Message & Record<string, unknown> & { $unknowns?: Uint8Array[] };

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** Converts `msg` (a decoded `type`) to Go-style JSON. `path` names it in errors. */
export function messageToJson(type: Type, msg: Message, path: string): Json {
  const decoded = msg as Decoded;
  refuseUnknownFields(type, decoded, path);
  const special = convertSpecial(type, decoded);
  if (special !== undefined) return special as Json;

  const out: { [key: string]: Json } = {};
  for (const field of type.fieldsArray) {
    const mode = modeOf(field);
    const name = field.name;
    const at = path ? `${path}.${name}` : name;
    const value = decoded[name];
    const present = Object.prototype.hasOwnProperty.call(decoded, name);

    if (field.map) {
      const entries = present ? Object.entries(value as Record<string, unknown>) : [];
      if (entries.length === 0) {
        if (mode === 'always' || mode === 'nullable') out[name] = null;
        continue;
      }
      // encoding/json writes map keys sorted.
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      out[name] = Object.fromEntries(
        entries.map(([k, v]) => [k, valueToJson(field, v, `${at}[${k}]`)]),
      );
      continue;
    }
    if (field.repeated) {
      const items = present ? (value as unknown[]) : [];
      if (items.length === 0) {
        if (mode === 'always' || mode === 'nullable') out[name] = null;
        continue;
      }
      out[name] = items.map((v, i) => valueToJson(field, v, `${at}[${i}]`));
      continue;
    }
    const messageType = field.resolvedType instanceof protobuf.Type ? field.resolvedType : null;
    if (messageType) {
      if (!present || value == null) {
        if (mode === 'nullable') out[name] = null;
        // A non-pointer struct without omitempty is written as its zero value.
        else if (mode === 'always')
          out[name] = messageToJson(messageType, messageType.create(), at);
        continue;
      }
      const converted = messageToJson(messageType, value as Message, at);
      if (mode === 'inline') {
        if (converted && typeof converted === 'object' && !Array.isArray(converted))
          Object.assign(out, converted);
      } else {
        out[name] = converted;
      }
      continue;
    }
    if (!present) {
      if (mode === 'always') out[name] = zeroOf(field.type);
      else if (mode === 'nullable') out[name] = null;
      continue;
    }
    const scalar = scalarToJson(field.type, value);
    if (mode === 'omitempty' && isZero(scalar)) continue;
    out[name] = scalar;
  }
  return out;
}

function valueToJson(field: Field, value: unknown, path: string): Json {
  const t = field.resolvedType;
  if (t instanceof protobuf.Type) return messageToJson(t, value as Message, path);
  return scalarToJson(field.type, value);
}

function scalarToJson(type: string, value: unknown): Json {
  if (LONG_TYPES.has(type)) return longToNumber(value);
  if (type === 'bytes') {
    // A map entry without a value decodes to the default, a plain empty array.
    const bytes = value instanceof Uint8Array ? value : Uint8Array.from(value as ArrayLike<number>);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  }
  return value as Json;
}

function zeroOf(type: string): Json {
  if (type === 'string' || type === 'bytes') return '';
  if (type === 'bool') return false;
  return 0;
}

function isZero(v: Json): boolean {
  return v === '' || v === 0 || v === false;
}

function modeOf(field: Field): Mode {
  const m = field.options?.['(json)'] as Mode | undefined;
  return m ?? 'omitempty';
}

/**
 * Fields this server's schema does not know are kept by the decoder as raw bytes. A Go
 * sender writes every non-pointer field even when empty, so empty ones are ignored; any
 * other is refused rather than dropped without a word.
 */
function refuseUnknownFields(type: Type, msg: Decoded, path: string): void {
  for (const raw of msg.$unknowns ?? []) {
    const r = protobuf.Reader.create(raw);
    const tag = r.uint32();
    const wireType = tag & 7;
    let empty: boolean;
    switch (wireType) {
      case 0:
        empty = longToNumber(r.uint64()) === 0;
        break;
      case 2:
        empty = r.uint32() === 0;
        break;
      default:
        empty = false;
    }
    if (empty) continue;
    const where = path ? ` (at ${path})` : '';
    throw unsupportedMediaTypeWithMessage(
      `protobuf field ${tag >>> 3} of ${type.fullName.slice(1)}${where} is not supported by this server; send the object as application/json`,
    );
  }
}

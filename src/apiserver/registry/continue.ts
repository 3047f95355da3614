// The `continue` token of a chunked list: the revision the first page was read at and the
// key to start after, base64-encoded JSON like kube-apiserver's (opaque to clients). A token
// is client input: every malformed one is a 400 with kube-apiserver's words, never a 500.

import { posix } from 'node:path';
import { badRequest, type ApiError } from '../../api/errors.js';

export interface ContinueToken {
  /** The revision to read at; -1: the newest (a token handed out with an expired-list 410). */
  rv: number;
  start: string;
}

const VERSION = 'meta.k8s.io/v1';
const NOT_VALID = 'continue key is not valid';

export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: VERSION, rv: t.rv, start: t.start })).toString(
    'base64url',
  );
}

const invalidToken = (why: string): ApiError => badRequest(`invalid continue token: ${why}`);

/** Decodes a token, refusing malformed ones as kube-apiserver's storage does. */
export function decodeContinue(token: string): ContinueToken {
  const fields = tokenFields(decodeJson(decodeBase64(token)));
  if (fields.v !== VERSION)
    throw invalidToken(`${NOT_VALID}: server does not recognize this encoded version ${fields.v}`);
  if (fields.rv === 0)
    throw invalidToken(
      `${NOT_VALID}: incorrect encoded start resourceVersion (version ${VERSION})`,
    );
  if (fields.start === '')
    throw invalidToken(`${NOT_VALID}: encoded start key empty (version ${VERSION})`);
  // The start key may not climb out of the listed prefix (`../secrets/…`).
  const key = fields.start.startsWith('/') ? fields.start : `/${fields.start}`;
  if (cleanPath(key) !== key) throw invalidToken(`${NOT_VALID}: ${fields.start}`);
  // Any negative revision means "the newest", as kube-apiserver reads it.
  return { rv: fields.rv < 0 ? -1 : fields.rv, start: fields.start };
}

/**
 * Decodes a token before listing with it: also refuses a revision this server has not reached
 * (a token from another server, or forged), which it could never list at.
 */
export function checkContinue(token: string, currentRevision: number): ContinueToken {
  const t = decodeContinue(token);
  if (t.rv > currentRevision)
    throw invalidToken(
      `${NOT_VALID}: incorrect encoded start resourceVersion (version ${VERSION})`,
    );
  return t;
}

/** Unpadded base64url, strictly: Buffer.from would skip what it cannot read. */
function decodeBase64(token: string): string {
  const bad = token.search(/[^A-Za-z0-9_-]/);
  if (bad >= 0) throw invalidToken(`${NOT_VALID}: illegal base64 data at input byte ${bad}`);
  if (token.length % 4 === 1)
    throw invalidToken(`${NOT_VALID}: illegal base64 data at input byte ${token.length - 1}`);
  return Buffer.from(token, 'base64url').toString('utf8');
}

function decodeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const first = text.trimStart()[0];
    throw invalidToken(
      `${NOT_VALID}: ${first === undefined ? 'unexpected end of JSON input' : `invalid character ${JSON.stringify(first)} in continue token`}`,
    );
  }
}

/** The token's fields, typed as Go's encoding/json fills its struct (keys match in any case). */
function tokenFields(o: unknown): { v: string; rv: number; start: string } {
  const out = { v: '', rv: 0, start: '' };
  if (o === null) return out;
  if (typeof o !== 'object' || Array.isArray(o))
    throw invalidToken(
      `${NOT_VALID}: json: cannot unmarshal ${goType(o)} into Go value of type storage.continueToken`,
    );
  const mismatch = (field: string, value: unknown, type: string): ApiError =>
    invalidToken(
      `${NOT_VALID}: json: cannot unmarshal ${goType(value)} into Go struct field continueToken.${field} of type ${type}`,
    );
  for (const [k, value] of Object.entries(o)) {
    const field = k.toLowerCase();
    if (value === null || !['v', 'rv', 'start'].includes(field)) continue;
    if (field === 'rv') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value))
        throw mismatch(field, value, 'int64');
      out.rv = value;
    } else {
      if (typeof value !== 'string') throw mismatch(field, value, 'string');
      out[field as 'v' | 'start'] = value;
    }
  }
  return out;
}

function goType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'number' : `number ${v}`;
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : 'string';
}

/** Go's path.Clean for an absolute path. */
function cleanPath(p: string): string {
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

// What a write request would store, worked out before its handler runs: the decoded body of a
// create or update, or the live object with a patch applied (as the handlers apply it). A
// body that does not decode gives undefined: the handler refuses it with its own error.

import type { KubeObject } from '../../../api/types.js';
import { ApiError } from '../../../api/errors.js';
import { decodeObjectBody, decodePatchBody, decodeYamlWithStrictError } from '../../negotiate.js';
import { applyPatch } from '../../patch/index.js';
import type { ApiRequest } from '../../types.js';

type Obj = Record<string, any>;

const contentType = (req: ApiRequest): string =>
  (String(req.headers['content-type'] ?? '').split(';')[0] ?? '').trim().toLowerCase();

/** The request's body as an object, or undefined when it does not decode (the handler says why). */
export function bodyObject(req: ApiRequest, kind: string): KubeObject | undefined {
  try {
    return decodeObjectBody(req.headers['content-type'], req.body, kind);
  } catch (e) {
    if (e instanceof ApiError) return undefined;
    throw e;
  }
}

/** The object an update or patch of `current` would write, or undefined when that is unclear. */
export function proposed(
  req: ApiRequest,
  current: KubeObject,
  kind: string,
): KubeObject | undefined {
  if (req.method === 'PUT') return bodyObject(req, kind);
  const ct = contentType(req);
  try {
    if (ct === 'application/apply-patch+yaml') {
      // Server-side apply: the configuration's fields over the live object.
      const applied = decodeYamlWithStrictError(req.body).value as Obj | null;
      if (!applied || typeof applied !== 'object') return undefined;
      const merged = structuredClone(current) as Obj;
      merged['metadata'] = { ...merged['metadata'] };
      if (applied['metadata']?.['labels'])
        merged['metadata']['labels'] = {
          ...merged['metadata']['labels'],
          ...applied['metadata']['labels'],
        };
      if (applied['spec'] !== undefined)
        merged['spec'] = { ...(merged['spec'] ?? {}), ...applied['spec'] };
      return merged as KubeObject;
    }
    const patch = decodePatchBody(ct, req.body).value;
    const [group, version] = current.apiVersion?.includes('/')
      ? current.apiVersion.split('/')
      : ['', current.apiVersion ?? 'v1'];
    return applyPatch(current, patch, ct, { group: group ?? '', version: version ?? 'v1', kind });
  } catch (e) {
    if (e instanceof ApiError) return undefined;
    throw e;
  }
}

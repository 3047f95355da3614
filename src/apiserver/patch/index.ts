// The patch engines of the API server: JSON patch (RFC 6902), merge patch (RFC 7386),
// strategic merge patch, and server-side apply with field ownership. All are pure.

import { ApiError, badRequest } from '../../api/errors.js';
import type { GroupVersionKind, KubeObject } from '../../api/types.js';
import { isObject } from './json.js';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { applyStrategicMergePatch } from './strategic-merge.js';

export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic-merge.js';
export { serverSideApply, updateManagedFields, BEFORE_FIRST_APPLY } from './apply.js';
export type { ApplyOptions, UpdateOptions } from './apply.js';

export const JSON_PATCH = 'application/json-patch+json';
export const MERGE_PATCH = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';

/**
 * Applies a PATCH body of the given content type (parameters such as `; charset=utf-8` are
 * ignored) to `doc`. Server-side apply is not handled here: see `serverSideApply`.
 */
export function applyPatch(
  doc: KubeObject,
  patchBody: unknown,
  contentType: string,
  gvk: GroupVersionKind,
): KubeObject {
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  let result: unknown;
  switch (type) {
    case JSON_PATCH:
      try {
        result = applyJsonPatch(doc, patchBody);
      } catch (e) {
        // kube-apiserver answers an operation that does not apply with a generic 422 whose
        // message leaves out the JSON patch library's words.
        if (e instanceof ApiError && e.code === 422)
          throw new ApiError(
            422,
            'Invalid',
            'the server rejected our request due to an error in our request',
            {},
          );
        throw e;
      }
      break;
    case MERGE_PATCH:
      if (!isObject(patchBody)) throw badRequest('Invalid JSON Patch');
      result = applyMergePatch(doc, patchBody);
      break;
    case STRATEGIC_MERGE_PATCH:
      result = applyStrategicMergePatch(doc, patchBody, gvk);
      break;
    default:
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${JSON_PATCH}, ${MERGE_PATCH}, ${APPLY_PATCH}, ${STRATEGIC_MERGE_PATCH}`,
      );
  }
  if (!isObject(result)) {
    throw new ApiError(
      422,
      'Invalid',
      'patch: Invalid value: the patched document is not a JSON object',
    );
  }
  return result as KubeObject;
}

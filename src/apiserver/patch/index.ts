// The patch engines of the API server: JSON patch (RFC 6902), merge patch (RFC 7386),
// strategic merge patch, and server-side apply with field ownership. All are pure.

import {
  ApiError,
  badRequest,
  invalidWithMessage,
  unsupportedMediaTypeWithMessage,
} from '../../api/errors.js';
import type { GroupVersionKind, KubeObject } from '../../api/types.js';
import { truncateForMessage } from '../json-scan.js';
import { isJsonObject } from '../../api/json.js';
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
  try {
    result = applyByType(doc, patchBody, type, gvk);
  } catch (e) {
    // Nesting is bounded when bodies are decoded; should anything still recurse too deep, the
    // request fails as a bad patch rather than as a server error.
    if (e instanceof RangeError) throw badRequest(`unable to apply patch: ${e.message}`);
    throw e;
  }
  if (!isJsonObject(result)) {
    throw invalidWithMessage('patch: Invalid value: the patched document is not a JSON object');
  }
  checkPatchedMetadata(doc, result, gvk);
  return result as KubeObject;
}

/**
 * A patch may not take away what identifies the object. kube-apiserver decodes the patched
 * document into the typed object and then compares its name with the URL's: metadata that is
 * not an object fails the decode (422), a missing or changed name fails the name check (400).
 */
function checkPatchedMetadata(
  doc: KubeObject,
  result: Record<string, unknown>,
  gvk: GroupVersionKind,
): void {
  const urlName = doc.metadata?.name ?? '';
  const meta = result.metadata;
  if (meta !== undefined && meta !== null && !isJsonObject(meta)) {
    const what = Array.isArray(meta) ? 'array' : typeof meta === 'boolean' ? 'bool' : typeof meta;
    const body = `Invalid value: ${JSON.stringify(truncateForMessage(JSON.stringify(result)))}: json: cannot unmarshal ${what} into Go struct field ${gvk.kind}.metadata of type v1.ObjectMeta`;
    throw invalidWithMessage(` "" is invalid: patch: ${body}`, {
      causes: [{ reason: 'FieldValueInvalid', message: body, field: 'patch' }],
    });
  }
  const name = isJsonObject(meta) && typeof meta.name === 'string' ? meta.name : '';
  if (!urlName) return;
  if (name === '')
    throw badRequest(
      `the name of the object (${urlName} based on URL) was undeterminable: name must be provided`,
    );
  if (name !== urlName)
    throw badRequest(
      `the name of the object (${name}) does not match the name on the URL (${urlName})`,
    );
}

function applyByType(
  doc: KubeObject,
  patchBody: unknown,
  type: string,
  gvk: GroupVersionKind,
): unknown {
  let result: unknown;
  switch (type) {
    case JSON_PATCH:
      try {
        result = applyJsonPatch(doc, patchBody);
      } catch (e) {
        // kube-apiserver answers an operation that does not apply with a generic 422 whose
        // message leaves out the JSON patch library's words.
        if (e instanceof ApiError && e.code === 422)
          throw invalidWithMessage(
            'the server rejected our request due to an error in our request',
            {},
          );
        throw e;
      }
      break;
    case MERGE_PATCH:
      if (!isJsonObject(patchBody)) throw badRequest('Invalid JSON Patch');
      result = applyMergePatch(doc, patchBody);
      break;
    case STRATEGIC_MERGE_PATCH:
      result = applyStrategicMergePatch(doc, patchBody, gvk);
      break;
    default:
      throw unsupportedMediaTypeWithMessage(
        `the body of the request was in an unknown format - accepted media types include: ${JSON_PATCH}, ${MERGE_PATCH}, ${APPLY_PATCH}, ${STRATEGIC_MERGE_PATCH}`,
      );
  }
  return result;
}

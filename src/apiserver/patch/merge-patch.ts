import { deepCopy, isJsonObject, type JsonObject } from '../../api/json.js';
// RFC 7386 JSON Merge Patch: objects merge key by key, `null` deletes, anything else replaces.

/** Applies a merge patch and returns the result; neither input is modified. */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  return merge(deepCopy(doc), patch);
}

/** Merges into `target`, which the caller owns. */
function merge(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return deepCopy(patch);
  const out: JsonObject = isJsonObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = merge(out[key], value);
  }
  return out;
}

// Hooks are written for a kind's stored shape; a version served from that storage through a
// conversion (src/api/versions.ts) runs them on its objects converted, and takes back what
// they change.

import type { ResourceDef } from '../../../api/types.js';
import { inStoredShape, replaceContents } from '../../../api/versions.js';
import type { ResourceHooks } from '../types.js';

type Conversion = NonNullable<ResourceDef['storageConversion']>;

export function convertedHooks(h: ResourceHooks, c: Conversion): ResourceHooks {
  const to = c.toStorage;
  const out: ResourceHooks = {};
  const { beforeCreate, beforeUpdate, afterDelete, gracePeriodSeconds } = h;
  const { pendingFinalization, onDeleting, beforeDelete } = h;
  if (beforeCreate)
    out.beforeCreate = async (obj, ctx) => {
      const stored = to(obj);
      const finish = await beforeCreate(stored, ctx);
      replaceContents(obj, c.fromStorage(stored));
      return finish && ((written) => finish(written && to(written)));
    };
  if (beforeUpdate)
    out.beforeUpdate = async (obj, old, ctx) => {
      const stored = to(obj);
      const finish = await beforeUpdate(stored, to(old), ctx);
      replaceContents(obj, c.fromStorage(stored));
      return finish && ((written) => finish(written && to(written)));
    };
  if (afterDelete) out.afterDelete = (obj, ctx) => afterDelete(to(obj), ctx);
  if (gracePeriodSeconds) out.gracePeriodSeconds = (obj, r) => gracePeriodSeconds(to(obj), r);
  if (pendingFinalization) out.pendingFinalization = (obj) => pendingFinalization(to(obj));
  if (onDeleting) out.onDeleting = inStoredShape(c, onDeleting);
  if (beforeDelete) out.beforeDelete = (obj) => beforeDelete(to(obj));
  if (h.returnDeletedObject !== undefined) out.returnDeletedObject = h.returnDeletedObject;
  return out;
}

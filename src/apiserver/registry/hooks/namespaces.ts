// Namespace deletion: Terminating until spec.finalizers is emptied (by the namespace
// controller through the finalize subresource); the system namespaces stay.

import { forbidden } from '../../../api/errors.js';
import type { KubeObject } from '../../../api/types.js';
import type { ResourceHooks } from '../types.js';

const UNDELETABLE = new Set(['default', 'kube-system', 'kube-public']);

const specFinalizers = (ns: KubeObject): string[] =>
  ((ns['spec'] ?? {}) as { finalizers?: string[] }).finalizers ?? [];

export const namespaceHooks: ResourceHooks = {
  beforeDelete(ns) {
    const name = ns.metadata.name ?? '';
    if (UNDELETABLE.has(name))
      throw forbidden(
        { group: '', resource: 'namespaces' },
        name,
        'this namespace may not be deleted',
      );
  },
  pendingFinalization: (ns) => specFinalizers(ns).length > 0,
  onDeleting(ns) {
    const status = (ns['status'] ??= {}) as { phase?: string };
    status.phase = 'Terminating';
  },
  returnDeletedObject: true,
};

// Pod writes on an owner's behalf, with the Events kube-controller-manager records for them.

import type { KubeObject, OwnerReference } from '../../api/types.js';
import { isNotFound, resources, StatusError, type Client } from '../../client/index.js';
import type { EventRecorder } from '../../client/index.js';
import type { OwnerKind } from './kinds.js';
import type { Pod, ReplicaOwner } from './types.js';
import { newControllerRef } from '../../api/owners.js';

export const controllerRef = (kind: OwnerKind, owner: ReplicaOwner): OwnerReference =>
  newControllerRef(owner, kind.apiVersion, kind.kind);

/**
 * A new pod from the owner's template: its labels, annotations and finalizers, the spec as
 * it is, a generated name (`<owner>-xxxxx`) and the owner as controller.
 */
export function podFromTemplate(kind: OwnerKind, owner: ReplicaOwner): Pod {
  const t = owner.spec?.template ?? {};
  const meta = t.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${owner.metadata.name ?? ''}-`,
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers?.length ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [controllerRef(kind, owner)],
    },
    spec: structuredClone(t.spec ?? {}),
  };
}

/** A namespace being deleted refuses new pods; nothing to report then. */
export function isNamespaceTerminating(e: unknown): boolean {
  if (!(e instanceof StatusError)) return false;
  const causes = (e.status['details'] as { causes?: { type?: string }[] } | undefined)?.causes;
  if (causes?.some((c) => c.type === 'NamespaceTerminating')) return true;
  return e.code === 403 && e.message.includes('because it is being terminated');
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export interface PodControl {
  /** Creates one pod from the template; returns its name. */
  create(owner: ReplicaOwner): Promise<string>;
  delete(owner: ReplicaOwner, pod: Pod): Promise<void>;
  patch(pod: Pod, patch: unknown): Promise<void>;
}

export function createPodControl(
  client: Client,
  kind: OwnerKind,
  recorder: EventRecorder,
): PodControl {
  return {
    async create(owner) {
      const pod = podFromTemplate(kind, owner);
      if (!Object.keys(pod.metadata.labels ?? {}).length)
        throw new Error('unable to create pods, no labels');
      let created: KubeObject;
      try {
        created = await client.create(resources.pods, owner.metadata.namespace ?? '', pod);
      } catch (e) {
        if (!isNamespaceTerminating(e))
          recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${errorText(e)}`);
        throw e;
      }
      const name = created.metadata.name ?? '';
      recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${name}`);
      return name;
    },
    async delete(owner, pod) {
      const name = pod.metadata.name ?? '';
      try {
        await client.delete(resources.pods, pod.metadata.namespace ?? '', name);
      } catch (e) {
        if (isNotFound(e)) throw e;
        recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${errorText(e)}`);
        throw new Error(`unable to delete pods: ${errorText(e)}`, { cause: e });
      }
      recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
    },
    async patch(pod, patch) {
      await client.patch(
        resources.pods,
        pod.metadata.namespace ?? '',
        pod.metadata.name ?? '',
        'strategic',
        patch,
      );
    },
  };
}

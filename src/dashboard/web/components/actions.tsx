// What a user can do to an object from its page: scale (the scale subresource), restart (as
// `kubectl rollout restart`: a new restartedAt annotation on the pod template), edit (the
// YAML editor's page) and delete (background propagation, as kubectl). Each asks before it
// acts and says what the server answered; a button the user's rights do not allow is
// disabled with the reason as its tooltip.

import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, ApiError } from '../api/client.js';
import type { KObject } from '../api/reducer.js';
import { RESOURCES, resourcePath, type ResourceName } from '../api/resources.js';
import type { Action } from '../pages/views/types.js';
import { useAccess, type AccessCheck } from './data.js';

type Open = 'scale' | 'restart' | 'delete' | undefined;

/** The patch `kubectl rollout restart` sends: RFC 3339 in whole seconds. */
export function restartPatch(now = new Date()): object {
  const at = `${now.toISOString().slice(0, 19)}Z`;
  return {
    spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at } } } },
  };
}

export function Actions({
  resource,
  object,
  actions,
}: {
  resource: ResourceName;
  object: KObject;
  actions: Action[];
}) {
  const res = RESOURCES[resource];
  const ns = object.metadata.namespace;
  const name = object.metadata.name;
  const [open, setOpen] = useState<Open>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const [replicas, setReplicas] = useState(String(object.spec?.replicas ?? 1));
  const [, navigate] = useLocation();
  const check = (verb: string, subresource?: string): AccessCheck => ({
    verb,
    group: res.group,
    resource: res.plural,
    ...(subresource ? { subresource } : {}),
    ...(ns ? { namespace: ns } : {}),
  });
  const canScale = useAccess(check('patch', 'scale'));
  const canPatch = useAccess(check('patch'));
  const canUpdate = useAccess(check('update'));
  const canDelete = useAccess(check('delete'));
  const path = resourcePath(res, ns, name);
  const kindWord = res.kind.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

  const run = async (
    what: string,
    f: () => Promise<unknown>,
    after?: () => void,
  ): Promise<void> => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      await f();
      setOpen(undefined);
      setDone(what);
      after?.();
    } catch (e) {
      setError(e instanceof ApiError ? `${e.status.reason}: ${e.message}` : String(e));
    } finally {
      setBusy(false);
    }
  };

  const scale = (e: Event): void => {
    e.preventDefault();
    const n = Number(replicas);
    if (!/^\d+$/.test(replicas.trim()) || !Number.isSafeInteger(n)) {
      setError('The number of replicas must be a whole number, 0 or more.');
      return;
    }
    void run(`Scaled to ${n}.`, () =>
      api(`${path}/scale`, {
        method: 'PATCH',
        body: { spec: { replicas: n } },
        contentType: 'application/merge-patch+json',
      }),
    );
  };
  const restart = (): Promise<void> =>
    run('Restart requested: its pods are being replaced.', () =>
      api(path, {
        method: 'PATCH',
        body: restartPatch(),
        contentType: 'application/strategic-merge-patch+json',
      }),
    );
  const remove = (): Promise<void> =>
    run(
      `Deleted ${kindWord} ${name}.`,
      () =>
        api(path, {
          method: 'DELETE',
          body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
        }),
      () => navigate(`/${resource}`),
    );

  const button = (
    action: Action,
    label: string,
    access: { allowed: boolean | undefined; reason: string },
    onClick: () => void,
  ) =>
    actions.includes(action) && (
      <button
        type="button"
        disabled={access.allowed === false || busy}
        title={access.allowed === false ? access.reason : undefined}
        onClick={onClick}
      >
        {label}
      </button>
    );

  const editHref = `/edit/${resource}/${encodeURIComponent(ns || '_')}/${encodeURIComponent(name)}`;
  return (
    <div class="actions">
      <div class="buttons" role="toolbar" aria-label="Actions">
        {button('scale', 'Scale', canScale, () => {
          setReplicas(String(object.spec?.replicas ?? 1));
          setOpen('scale');
        })}
        {button('restart', 'Restart', canPatch, () => setOpen('restart'))}
        {actions.includes('edit') &&
          (canUpdate.allowed === false ? (
            <button type="button" disabled title={canUpdate.reason}>
              Edit
            </button>
          ) : (
            <Link href={editHref} class="button">
              Edit
            </Link>
          ))}
        {button('delete', 'Delete', canDelete, () => setOpen('delete'))}
      </div>
      {open === 'scale' && (
        <form class="confirm" role="dialog" aria-label={`Scale ${name}`} onSubmit={scale}>
          <label>
            Replicas{' '}
            <input
              name="replicas"
              type="number"
              min={0}
              value={replicas}
              onInput={(e) => setReplicas((e.target as HTMLInputElement).value)}
            />
          </label>{' '}
          <button type="submit" class="primary" disabled={busy}>
            Scale
          </button>{' '}
          <button type="button" onClick={() => setOpen(undefined)}>
            Cancel
          </button>
        </form>
      )}
      {open === 'restart' && (
        <div class="confirm" role="dialog" aria-label={`Restart ${name}`}>
          <p>
            Restart {kindWord} <strong>{name}</strong>? Its pods are replaced as in a rollout.
          </p>
          <button type="button" class="primary" disabled={busy} onClick={() => void restart()}>
            Restart
          </button>{' '}
          <button type="button" onClick={() => setOpen(undefined)}>
            Cancel
          </button>
        </div>
      )}
      {open === 'delete' && (
        <div class="confirm" role="dialog" aria-label={`Delete ${name}`}>
          <p>
            Delete {kindWord} <strong>{name}</strong>? What it owns is deleted in the background.
          </p>
          <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>
            Delete
          </button>{' '}
          <button type="button" onClick={() => setOpen(undefined)}>
            Cancel
          </button>
        </div>
      )}
      {error && (
        <p class="notice error" role="alert">
          {error}
        </p>
      )}
      {done && (
        <p class="notice" role="status">
          {done}
        </p>
      )}
    </div>
  );
}

// The token controller (kube-controller-manager's serviceaccount-token-controller):
// - a `kubernetes.io/service-account-token` secret naming a service account gets a legacy,
//   non-expiring token, `ca.crt`, `namespace` and the account's uid annotation;
// - such a secret whose account does not exist (or has another uid) is deleted, and so are an
//   account's token secrets when the account goes; a deleted token secret leaves the
//   account's `.secrets`;
// - with `autoGenerate` (`skiff up --legacy-service-account-token-secrets`, the behaviour
//   before Kubernetes 1.24) every account gets a `NAME-token-XXXXX` secret listed in `.secrets`.

import type { KubeObject } from '../../api/types.js';
import {
  createWorkQueue,
  isConflict,
  isNotFound,
  keyOf,
  resources,
  splitKey,
} from '../../client/index.js';
import { signLegacyServiceAccountToken, type KeyInput } from '../../pki/index.js';
import type { Controller, ControllerContext } from '../types.js';
import {
  SA_NAME_ANNOTATION,
  SA_TOKEN_TYPE,
  SA_UID_ANNOTATION,
  isTokenOf,
  secretData,
  tokenSecretName,
} from './secrets.js';

export { SA_NAME_ANNOTATION, SA_TOKEN_TYPE, SA_UID_ANNOTATION } from './secrets.js';

export interface TokensControllerOptions {
  /** The service-account signing key (private). */
  signingKey: KeyInput;
  /** The cluster CA, written as `ca.crt`. */
  caPem: string;
  /** Create a token secret for every service account (pre-1.24 behaviour). */
  autoGenerate?: boolean;
}

interface ServiceAccount extends KubeObject {
  secrets?: { name?: string }[];
}

export function tokensController(o: TokensControllerOptions): Controller {
  return {
    name: 'serviceaccount-token-controller',
    start(ctx: ControllerContext) {
      const accounts = ctx.informers.for<ServiceAccount>(resources.serviceAccounts);
      const secrets = ctx.informers.for(resources.secrets);
      const accountQueue = createWorkQueue({ baseDelayMs: 100 });
      const secretQueue = createWorkQueue({ baseDelayMs: 100 });
      // A deleted account is remembered by key with its uid, to find its secrets by.
      const goneAccounts = new Map<string, string>();
      // Secrets this controller created, until its cache sees them (kube adds them to its store).
      const created = new Set<string>();
      const isToken = (s: KubeObject): boolean => s['type'] === SA_TOKEN_TYPE;

      accounts.on({
        add: (sa) => accountQueue.add(keyOf(sa)),
        update: (_old, sa) => accountQueue.add(keyOf(sa)),
        delete: (sa) => {
          goneAccounts.set(keyOf(sa), sa.metadata.uid ?? '');
          accountQueue.add(keyOf(sa));
        },
      });
      secrets.on({
        add: (s) => {
          created.delete(keyOf(s));
          if (isToken(s)) secretQueue.add(keyOf(s));
        },
        update: (_old, s) => {
          if (isToken(s)) secretQueue.add(keyOf(s));
        },
        delete: (s) => {
          if (!isToken(s)) return;
          const account = s.metadata.annotations?.[SA_NAME_ANNOTATION];
          if (account) void removeReference(ctx, s.metadata.namespace ?? '', account, s);
        },
      });

      const syncAccount = async (key: string): Promise<void> => {
        // Whether an account has its token is read from the secrets cache: never before it
        // is filled (at a restart that would give every account a second secret).
        await secrets.synced();
        const [ns, name] = splitKey(key);
        const sa = accounts.get(ns, name);
        if (!sa) {
          const uid = goneAccounts.get(key);
          goneAccounts.delete(key);
          for (const s of secrets.list(ns))
            if (isToken(s) && isTokenOf(s, name, uid)) await deleteSecret(ctx, s);
          return;
        }
        if (o.autoGenerate && !sa.metadata.deletionTimestamp) await ensureReferencedToken(sa);
      };

      /** kube's ensureReferencedToken: one auto-generated token secret, listed by the account. */
      const ensureReferencedToken = async (cached: ServiceAccount): Promise<void> => {
        const ns = cached.metadata.namespace ?? '';
        const name = cached.metadata.name ?? '';
        const hasToken = (sa: ServiceAccount): boolean =>
          (sa.secrets ?? []).some((ref) => {
            const s = ref.name ? secrets.get(ns, ref.name) : undefined;
            if (!s) return created.has(`${ns}/${ref.name ?? ''}`);
            return isToken(s) && isTokenOf(s, name, sa.metadata.uid);
          });
        if (hasToken(cached)) return;
        const live = await ctx.client.get<ServiceAccount>(resources.serviceAccounts, ns, name);
        if (live.metadata.uid !== cached.metadata.uid || hasToken(live)) return;
        const secretName = tokenSecretName(name);
        const token = signLegacyServiceAccountToken(o.signingKey, {
          namespace: ns,
          serviceAccountName: name,
          serviceAccountUid: live.metadata.uid ?? '',
          secretName,
        });
        const secret = await ctx.client.create(resources.secrets, ns, {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: {
            name: secretName,
            namespace: ns,
            annotations: {
              [SA_NAME_ANNOTATION]: name,
              [SA_UID_ANNOTATION]: live.metadata.uid ?? '',
            },
          },
          type: SA_TOKEN_TYPE,
          data: secretData(token, ns, o.caPem),
        });
        // Reference it from the account; if that cannot be done, the secret goes again.
        for (let attempt = 0; ; attempt++) {
          try {
            const sa = await ctx.client.get<ServiceAccount>(resources.serviceAccounts, ns, name);
            if (sa.metadata.uid !== live.metadata.uid) throw new Error('service account replaced');
            sa.secrets = [...(sa.secrets ?? []), { name: secretName }];
            created.add(keyOf(secret));
            await ctx.client.update(resources.serviceAccounts, sa);
            return;
          } catch (e) {
            if (isConflict(e) && attempt < 5) continue;
            created.delete(keyOf(secret));
            await deleteSecret(ctx, secret).catch(() => undefined);
            throw e;
          }
        }
      };

      const syncSecret = async (key: string): Promise<void> => {
        const [ns, name] = splitKey(key);
        const s = secrets.get(ns, name);
        if (!s || !isToken(s) || s.metadata.deletionTimestamp) return;
        const annotations = s.metadata.annotations ?? {};
        const accountName = annotations[SA_NAME_ANNOTATION] ?? '';
        const wantUid = annotations[SA_UID_ANNOTATION] ?? '';
        // The account is read from the API, not the cache: a secret created right after its
        // account must not be deleted because the cache has not seen the account yet.
        let sa: ServiceAccount | undefined;
        if (accountName) {
          try {
            sa = await ctx.client.get<ServiceAccount>(resources.serviceAccounts, ns, accountName);
          } catch (e) {
            if (!isNotFound(e)) throw e;
          }
        }
        if (!sa || (wantUid && sa.metadata.uid !== wantUid)) {
          await deleteSecret(ctx, s);
          return;
        }
        await fillToken(s, sa);
      };

      /** kube's generateTokenIfNeeded: token (when missing), ca.crt, namespace, uid annotation. */
      const fillToken = async (s: KubeObject, sa: ServiceAccount): Promise<void> => {
        const ns = s.metadata.namespace ?? '';
        const data = (s['data'] ?? {}) as Record<string, string>;
        const uid = sa.metadata.uid ?? '';
        const caB64 = Buffer.from(o.caPem).toString('base64');
        const nsB64 = Buffer.from(ns).toString('base64');
        const annotations = s.metadata.annotations ?? {};
        if (
          data['token'] &&
          data['ca.crt'] === caB64 &&
          data['namespace'] === nsB64 &&
          annotations[SA_UID_ANNOTATION] === uid
        )
          return;
        const live = await ctx.client.get(resources.secrets, ns, s.metadata.name ?? '');
        if (live.metadata.uid !== s.metadata.uid) return;
        const liveData = { ...((live['data'] ?? {}) as Record<string, string>) };
        const token = liveData['token']
          ? Buffer.from(liveData['token'], 'base64').toString('utf8')
          : signLegacyServiceAccountToken(o.signingKey, {
              namespace: ns,
              serviceAccountName: sa.metadata.name ?? '',
              serviceAccountUid: uid,
              secretName: live.metadata.name ?? '',
            });
        live['data'] = { ...liveData, ...secretData(token, ns, o.caPem) };
        live.metadata.annotations = {
          ...live.metadata.annotations,
          [SA_NAME_ANNOTATION]: sa.metadata.name ?? '',
          [SA_UID_ANNOTATION]: uid,
        };
        try {
          await ctx.client.update(resources.secrets, live);
        } catch (e) {
          // A newer version will come through the informer and be synced again.
          if (!isConflict(e) && !isNotFound(e)) throw e;
        }
      };

      void accountQueue.run(1, syncAccount, ctx.signal, (key, err) =>
        ctx.logger.warn('token controller: service account sync failed', { key, err }),
      );
      void secretQueue.run(1, syncSecret, ctx.signal, (key, err) =>
        ctx.logger.warn('token controller: secret sync failed', { key, err }),
      );
    },
  };
}

async function deleteSecret(ctx: ControllerContext, s: KubeObject): Promise<void> {
  try {
    await ctx.client.delete(resources.secrets, s.metadata.namespace ?? '', s.metadata.name ?? '', {
      ...(s.metadata.uid ? { preconditions: { uid: s.metadata.uid } } : {}),
    });
  } catch (e) {
    if (!isNotFound(e) && !isConflict(e)) throw e;
  }
}

/** kube's removeSecretReference: a deleted token secret leaves its account's `.secrets`. */
async function removeReference(
  ctx: ControllerContext,
  ns: string,
  account: string,
  secret: KubeObject,
): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const sa = await ctx.client.get<ServiceAccount>(resources.serviceAccounts, ns, account);
      const wantUid = secret.metadata.annotations?.[SA_UID_ANNOTATION];
      if (wantUid && sa.metadata.uid !== wantUid) return;
      const kept = (sa.secrets ?? []).filter((r) => r.name !== secret.metadata.name);
      if (kept.length === (sa.secrets ?? []).length) return;
      sa.secrets = kept;
      await ctx.client.update(resources.serviceAccounts, sa);
      return;
    } catch (e) {
      if (isNotFound(e)) return;
      if (!isConflict(e)) {
        ctx.logger.warn('token controller: removing a secret reference failed', {
          account,
          err: e,
        });
        return;
      }
    }
  }
}

// Every active namespace gets a `default` service account (the serviceaccounts-controller)
// and the `kube-root-ca.crt` config map holding the cluster CA (root-ca-cert-publisher),
// which pods' service-account volumes read.

import type { KubeObject } from '../../api/types.js';
import { createWorkQueue, isAlreadyExists, resources } from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

export function serviceAccountController(options: { caPem?: string } = {}): Controller {
  return {
    name: 'serviceaccount-controller',
    start(ctx: ControllerContext) {
      const namespaces = ctx.informers.for(resources.namespaces);
      const accounts = ctx.informers.for(resources.serviceAccounts);
      const configMaps = ctx.informers.for(resources.configMaps);
      const queue = createWorkQueue({ baseDelayMs: 100 });
      const byNamespace = (o: KubeObject): void =>
        queue.add(o.metadata.namespace || o.metadata.name || '');
      namespaces.on({ add: byNamespace, update: (_o, n) => byNamespace(n) });
      accounts.on({ delete: byNamespace });
      configMaps.on({ delete: byNamespace, update: (_o, n) => byNamespace(n) });
      const sync = async (ns: string): Promise<void> => {
        const namespace = namespaces.get('', ns);
        if (!namespace || namespace.metadata.deletionTimestamp) return;
        if (!accounts.get(ns, 'default')) {
          try {
            await ctx.client.create(resources.serviceAccounts, ns, {
              apiVersion: 'v1',
              kind: 'ServiceAccount',
              metadata: { name: 'default', namespace: ns },
            });
          } catch (e) {
            if (!isAlreadyExists(e)) throw e;
          }
        }
        if (options.caPem) {
          const cm = configMaps.get(ns, ROOT_CA_CONFIGMAP);
          const data = { 'ca.crt': options.caPem };
          if (!cm) {
            try {
              await ctx.client.create(resources.configMaps, ns, {
                apiVersion: 'v1',
                kind: 'ConfigMap',
                metadata: {
                  name: ROOT_CA_CONFIGMAP,
                  namespace: ns,
                  annotations: {
                    'kubernetes.io/description':
                      'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
                  },
                },
                data,
              });
            } catch (e) {
              if (!isAlreadyExists(e)) throw e;
            }
          } else if (
            (cm['data'] as Record<string, string> | undefined)?.['ca.crt'] !== options.caPem
          ) {
            await ctx.client.patch(resources.configMaps, ns, ROOT_CA_CONFIGMAP, 'merge', { data });
          }
        }
      };
      void queue.run(2, sync, ctx.signal, (key, err) =>
        ctx.logger.warn('service account sync failed', { namespace: key, err }),
      );
    },
  };
}

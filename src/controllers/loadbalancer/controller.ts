// The built-in load-balancer controller: every LoadBalancer service it serves gets addresses
// in status.loadBalancer.ingress (see placement.ts), or stays <pending> with a Warning event
// saying why; a service that stops being a LoadBalancer gives its addresses back.

import type { KubeObject } from '../../api/types.js';
import { createWorkQueue, keyOf, resources, splitKey } from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { place, type Holder, type NodeAddress } from './placement.js';
import { parseAddressPool } from './pool.js';
import { NODE_HOST_PORTS_ANNOTATION, parseHostPorts } from '../../api/host-ports.js';
import {
  ingressIPs,
  portKey,
  servedHere,
  type EndpointSlice,
  type Node,
  type Service,
} from './types.js';

export interface LoadBalancerOptions {
  /** `--lb-pool`: hand out addresses of this IPv4 CIDR instead of the nodes' addresses. */
  pool?: string;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const isReady = (n: Node): boolean =>
  !n.metadata.deletionTimestamp &&
  (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/**
 * The ports a node's own processes hold on its addresses: the kubelet's (daemonEndpoints)
 * and those its agent publishes (API server, DNS).
 */
export function nodeHeldPorts(n: Node): Record<string, string> {
  const held: Record<string, string> = {
    ...parseHostPorts(n.metadata.annotations?.[NODE_HOST_PORTS_ANNOTATION]),
  };
  const kubelet = n.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (typeof kubelet === 'number' && kubelet > 0) held[`${kubelet}/TCP`] ??= 'kubelet';
  return held;
}

const heldText = (n: Node): string => JSON.stringify(nodeHeldPorts(n));

/** Each Ready node's address: ExternalIP when any node has one, else InternalIP (as k3s). */
export function nodeAddresses(nodes: Node[]): NodeAddress[] {
  const ready = nodes.filter(isReady);
  const anyExternal = ready.some((n) =>
    (n.status?.addresses ?? []).some((a) => a.type === 'ExternalIP'),
  );
  const type = anyExternal ? 'ExternalIP' : 'InternalIP';
  return ready.flatMap((n) =>
    (n.status?.addresses ?? [])
      .filter((a) => a.type === type)
      .map((a) => ({ node: n.metadata.name ?? '', ip: a.address, held: nodeHeldPorts(n) })),
  );
}

const holderOf = (svc: Service, ips: string[]): Holder => ({
  key: keyOf(svc),
  created: svc.metadata.creationTimestamp ?? '',
  ips,
  ports: (svc.spec?.ports ?? []).map(portKey),
});

const sameIPs = (a: string[], b: string[]): boolean =>
  a.length === b.length && a.every((ip, i) => ip === b[i]);

export function createLoadBalancerController(o: LoadBalancerOptions = {}): Controller {
  const pool = o.pool ? parseAddressPool(o.pool) : undefined;
  return {
    name: 'service-lb-controller',
    start(ctx: ControllerContext) {
      const services = ctx.informers.for<Service>(resources.services);
      const nodes = ctx.informers.for<Node>(resources.nodes);
      const slices = ctx.informers.for<EndpointSlice>(resources.endpointSlices);
      const recorder = ctx.recorder('service-lb-controller');
      const queue = createWorkQueue({ baseDelayMs: 50, maxDelayMs: 30_000 });
      // What we wrote last, per service, until the informer shows a newer object: the next
      // sync of another service must see it even if the cache has not caught up.
      const written = new Map<string, { ips: string[]; overResourceVersion: string }>();
      // The last Warning per service, so a pending service is reported once per reason.
      const warned = new Map<string, string>();
      // The services this controller has given addresses to.
      const serving = new Set<string>();

      const heldBy = (svc: Service): string[] => {
        const w = written.get(keyOf(svc));
        return w && w.overResourceVersion === svc.metadata.resourceVersion
          ? w.ips
          : ingressIPs(svc);
      };
      // Services are retried oldest first, so the first-come one gets a freed port.
      const enqueueAllServed = (): void => {
        const all = services.list().filter(servedHere);
        all.sort((a, b) =>
          (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
        );
        for (const s of all) queue.add(keyOf(s));
      };
      const onService = (svc: Service): void => {
        queue.add(keyOf(svc));
        // What one service gives up (or takes) can change what another may have.
        enqueueAllServed();
      };
      services.on({
        add: (s) => queue.add(keyOf(s)),
        update: (old, s) => {
          if (
            JSON.stringify(old.spec) !== JSON.stringify(s.spec) ||
            !sameIPs(heldBy(s), ingressIPs(old))
          )
            onService(s);
          else queue.add(keyOf(s));
        },
        delete: (s) => {
          written.delete(keyOf(s));
          serving.delete(keyOf(s));
          warned.delete(keyOf(s));
          enqueueAllServed();
        },
      });
      const onNodes = (): void => enqueueAllServed();
      nodes.on({
        add: onNodes,
        update: (a, b) => {
          if (
            isReady(a) !== isReady(b) ||
            JSON.stringify(a.status?.addresses) !== JSON.stringify(b.status?.addresses) ||
            heldText(a) !== heldText(b)
          )
            onNodes();
        },
        delete: onNodes,
      });
      // Local policy: the nodes with ready endpoints decide the addresses.
      const onSlice = (s: KubeObject): void => {
        const name = s.metadata.labels?.[SERVICE_NAME_LABEL];
        if (!name) return;
        const svc = services.get(s.metadata.namespace ?? '', name);
        if (svc && servedHere(svc) && svc.spec?.externalTrafficPolicy === 'Local')
          queue.add(keyOf(svc));
      };
      slices.on({ add: onSlice, update: (_a, b) => onSlice(b), delete: onSlice });

      const nodesWithReadyEndpoints = (svc: Service): Set<string> => {
        const out = new Set<string>();
        for (const s of slices.list(svc.metadata.namespace)) {
          if (s.metadata.labels?.[SERVICE_NAME_LABEL] !== svc.metadata.name) continue;
          for (const e of s.endpoints ?? [])
            if (e.targetRef?.kind === 'Pod' && e.conditions?.ready && e.nodeName)
              out.add(e.nodeName);
        }
        return out;
      };

      const writeIngress = async (svc: Service, ips: string[]): Promise<void> => {
        const ingress = ips.length ? ips.map((ip) => ({ ip, ipMode: 'VIP' })) : null;
        await ctx.client.patch(
          resources.services,
          svc.metadata.namespace ?? '',
          svc.metadata.name ?? '',
          'merge',
          { status: { loadBalancer: { ingress } } },
          { subresource: 'status' },
        );
        written.set(keyOf(svc), { ips, overResourceVersion: svc.metadata.resourceVersion ?? '' });
      };

      const sync = async (key: string): Promise<void> => {
        const [ns, name] = splitKey(key);
        const svc = services.get(ns, name);
        if (!svc) return;
        const current = heldBy(svc);
        if (current.length && servedHere(svc)) serving.add(key);
        if (!servedHere(svc)) {
          // Another class's service is not ours to touch; a service that stopped being a
          // LoadBalancer gives its addresses back (the API server drops them from the status
          // on a type change; anything left is cleared here).
          warned.delete(key);
          if (svc.spec?.type === 'LoadBalancer') return;
          if (!serving.has(key) && current.length === 0) return;
          recorder.event(svc, 'Normal', 'DeletingLoadBalancer', 'Deleting load balancer');
          if (current.length) await writeIngress(svc, []);
          serving.delete(key);
          recorder.event(svc, 'Normal', 'DeletedLoadBalancer', 'Deleted load balancer');
          return;
        }
        const local = svc.spec?.externalTrafficPolicy === 'Local' && !pool;
        const localNodes = local ? nodesWithReadyEndpoints(svc) : undefined;
        const candidates = nodeAddresses(nodes.list()).filter(
          (n) => !localNodes || localNodes.has(n.node),
        );
        const others = services
          .list()
          .filter((s) => servedHere(s) && keyOf(s) !== key)
          .map((s) => holderOf(s, heldBy(s)))
          .filter((h) => h.ips.length > 0);
        const requestedIP = svc.spec?.loadBalancerIP;
        const placement = place({
          service: {
            ...holderOf(svc, current),
            families: svc.spec?.ipFamilies ?? ['IPv4'],
            ...(requestedIP ? { requestedIP } : {}),
          },
          others,
          nodes: candidates,
          pool,
        });
        let pending = 'pending' in placement ? placement.pending : undefined;
        if (pending && local && candidates.length === 0)
          pending =
            'no Ready node has a ready endpoint of the service (externalTrafficPolicy: Local)';
        if (!sameIPs(placement.ips, current)) {
          if (placement.ips.length)
            recorder.event(svc, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer');
          await writeIngress(svc, placement.ips);
          if (placement.ips.length) serving.add(key);
          else serving.delete(key);
          if (placement.ips.length) {
            warned.delete(key);
            recorder.event(svc, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer');
          }
        }
        if (pending && warned.get(key) !== pending) {
          warned.set(key, pending);
          recorder.event(
            svc,
            'Warning',
            'SyncLoadBalancerFailed',
            `Error syncing load balancer: failed to ensure load balancer: ${pending}`,
          );
        }
      };

      void (async () => {
        await Promise.all([services.synced(), nodes.synced(), slices.synced()]);
        if (ctx.signal.aborted) return;
        enqueueAllServed();
        // Services left with addresses after they stopped being LoadBalancers while no
        // controller ran.
        for (const s of services.list())
          if (!servedHere(s) && ingressIPs(s).length) queue.add(keyOf(s));
        // One worker: each decision sees every earlier one.
        await queue.run(1, sync, ctx.signal, (key, err) =>
          ctx.logger.warn('load balancer sync failed', { service: key, err }),
        );
      })();
    },
  };
}

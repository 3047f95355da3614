// Which endpoints a service port's traffic may go to, as kube-proxy's CategorizeEndpoints
// decides: ready endpoints, else (when none is ready) serving-and-terminating ones; traffic
// policy Local narrows either set to this node's endpoints.

import type { ProxyEndpoint, ProxyServicePort } from './types.js';

export interface UsableEndpoints {
  /** For traffic to the cluster IP (internalTrafficPolicy applied). */
  cluster: ProxyEndpoint[];
  /** For NodePort, externalIPs and load-balancer traffic (externalTrafficPolicy applied). */
  external: ProxyEndpoint[];
}

function usable(endpoints: ProxyEndpoint[], localOnly: boolean): ProxyEndpoint[] {
  const scope = localOnly ? endpoints.filter((e) => e.local) : endpoints;
  const ready = scope.filter((e) => e.ready);
  if (ready.length > 0) return ready;
  return scope.filter((e) => e.serving && e.terminating);
}

export function usableEndpoints(sp: ProxyServicePort): UsableEndpoints {
  return {
    cluster: usable(sp.endpoints, sp.internalTrafficPolicy === 'Local'),
    external: usable(sp.endpoints, sp.externalTrafficPolicy === 'Local'),
  };
}

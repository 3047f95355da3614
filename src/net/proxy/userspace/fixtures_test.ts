// Builders shared by this folder's tests (a _test file, so it never ships).

import type { ProxyEndpoint, ProxyServicePort } from '../types.js';

export function servicePort(over: Partial<ProxyServicePort> = {}): ProxyServicePort {
  return {
    namespace: 'default',
    name: 'kubia',
    portName: '',
    protocol: 'TCP',
    clusterIPs: ['10.96.0.10'],
    port: 80,
    externalIPs: [],
    loadBalancerIPs: [],
    loadBalancerSourceRanges: [],
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
    endpoints: [],
    ...over,
  };
}

export const endpoint = (ip: string, o: Partial<ProxyEndpoint> = {}): ProxyEndpoint => ({
  ip,
  port: 8080,
  ready: true,
  serving: true,
  terminating: false,
  local: true,
  ...o,
});

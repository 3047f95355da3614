import { test } from 'node:test';
import assert from 'node:assert/strict';
import { announcedAddresses } from './lb-addresses.js';
import type { ProxyServicePort } from './types.js';

const port = (loadBalancerIPs: string[]): ProxyServicePort =>
  ({ loadBalancerIPs }) as unknown as ProxyServicePort;

test("load-balancer IPs are announced once each, except the node's own and IPv6", () => {
  const state = new Map([
    ['a/web:http', port(['192.168.88.241', '192.168.88.1'])],
    ['a/web:https', port(['192.168.88.241'])],
    ['b/db:sql', port(['fd00::5'])],
    ['c/plain:80', port([])],
  ]);
  assert.deepEqual(
    [...announcedAddresses(state, ['192.168.88.1', '10.244.0.1'])],
    ['192.168.88.241'],
  );
});

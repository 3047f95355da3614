import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SKIFF_IDENTITIES } from '../apiserver/index.js';
import { NODE_COMPONENTS } from './node-components.js';

void describe('the node components’ identities', () => {
  void it('are the users the bootstrap policy binds for DNS, ingress and network policy', () => {
    assert.equal(NODE_COMPONENTS.dns.user, SKIFF_IDENTITIES.nodeDns);
    assert.equal(NODE_COMPONENTS.ingress.user, SKIFF_IDENTITIES.ingress);
    assert.equal(NODE_COMPONENTS.ingress.role, SKIFF_IDENTITIES.ingress);
    assert.equal(NODE_COMPONENTS.proxy.user, 'system:kube-proxy');
    assert.equal(NODE_COMPONENTS.netpol.user, SKIFF_IDENTITIES.networkPolicy);
    assert.equal(NODE_COMPONENTS.netpol.role, SKIFF_IDENTITIES.networkPolicy);
  });
});

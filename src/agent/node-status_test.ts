import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NODE_HOST_PORTS_ANNOTATION } from '../api/host-ports.js';
import { nodeObject } from './node-status.js';

test('the Node an agent registers carries its host ports', () => {
  const node = nodeObject(
    {
      name: 'n1',
      podCIDR: '10.244.0.0/24',
      internalIP: '10.0.0.1',
      kubeletVersion: 'v1',
      containerRuntimeVersion: 'x',
      hostPorts: { '6443/TCP': 'API server' },
    },
    new Date(0),
    { ready: true, reason: 'KubeletReady', message: '' },
  );
  assert.equal(
    node.metadata.annotations?.[NODE_HOST_PORTS_ANNOTATION],
    '{"6443/TCP":"API server"}',
  );
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { advertisedAddress, podNetworkGateway } from './address.js';

describe('advertised address', () => {
  it('is the bind address when that is a real address', () => {
    assert.deepEqual(advertisedAddress('192.0.2.5', '10.244.0.0/24', '192.0.2.9'), {
      address: '192.0.2.5',
      listen: false,
    });
  });
  it("is the machine's address with a wildcard bind", () => {
    assert.deepEqual(advertisedAddress('0.0.0.0', '10.244.0.0/24', '192.0.2.9'), {
      address: '192.0.2.9',
      listen: false,
    });
  });
  it("is the node's pod-network gateway, listened on, with a loopback bind and a node", () => {
    for (const primary of ['192.0.2.9', '127.0.0.1'])
      assert.deepEqual(advertisedAddress('127.0.0.1', '10.244.0.0/24', primary), {
        address: '10.244.0.1',
        listen: true,
      });
    // A wildcard bind on a machine with nothing but loopback covers the gateway already.
    assert.deepEqual(advertisedAddress('0.0.0.0', '10.244.0.0/24', '127.0.0.1'), {
      address: '10.244.0.1',
      listen: false,
    });
  });
  it('stays as before without a node', () => {
    assert.deepEqual(advertisedAddress('127.0.0.1', undefined, '192.0.2.9'), {
      address: '192.0.2.9',
      listen: false,
    });
  });
  it('computes the gateway of a pod CIDR', () => {
    assert.equal(podNetworkGateway('10.244.3.0/24'), '10.244.3.1');
    assert.equal(podNetworkGateway('10.88.0.0/16'), '10.88.0.1');
  });
});

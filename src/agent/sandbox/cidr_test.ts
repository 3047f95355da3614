import { test } from 'node:test';
import assert from 'node:assert/strict';
import { broadcast, formatCidr, gatewayOf, intToIp, ipToInt, parseCidr } from './cidr.js';

test('parses a pod CIDR and finds its gateway and broadcast', () => {
  const s = parseCidr('10.244.3.0/24');
  assert.equal(formatCidr(s), '10.244.3.0/24');
  assert.equal(intToIp(gatewayOf(s)), '10.244.3.1');
  assert.equal(intToIp(broadcast(s)), '10.244.3.255');
  assert.equal(intToIp(ipToInt('255.255.255.255')), '255.255.255.255');
});

test('refuses malformed prefixes and addresses', () => {
  for (const bad of ['10.244.0.1/24', '10.244.0.0', '10.244.0.0/33', '10.256.0.0/16', 'a.b.c.d/8'])
    assert.throws(() => parseCidr(bad), /invalid/);
});

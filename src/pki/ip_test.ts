import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToIp, canonicalIp, ipToBytes } from './ip.js';

describe('IP addresses in certificates', () => {
  it('encodes IPv4 as 4 bytes and IPv6 as 16', () => {
    assert.deepEqual([...ipToBytes('10.96.0.1')], [10, 96, 0, 1]);
    assert.equal(ipToBytes('2001:db8::1').toString('hex'), '20010db8000000000000000000000001');
    assert.equal(ipToBytes('::').toString('hex'), '0'.repeat(32));
    assert.equal(ipToBytes('fe80::1:2%eth0').toString('hex'), 'fe800000000000000000000000010002');
  });

  it('encodes IPv4-mapped IPv6 as IPv4, as Go does', () => {
    assert.deepEqual([...ipToBytes('::ffff:192.0.2.1')], [192, 0, 2, 1]);
  });

  it('prints canonical forms', () => {
    assert.equal(canonicalIp('2001:0DB8:0:0:0:0:0:1'), '2001:db8::1');
    assert.equal(canonicalIp('1:0:0:2:0:0:0:3'), '1:0:0:2::3');
    assert.equal(canonicalIp('1:0:2:3:4:5:6:7'), '1:0:2:3:4:5:6:7');
    assert.equal(canonicalIp('::1'), '::1');
    assert.equal(bytesToIp(Buffer.from([127, 0, 0, 1])), '127.0.0.1');
  });

  it('rejects what is not an address', () => {
    assert.throws(() => ipToBytes('node-a'), /"node-a" is not a valid IP address/);
    assert.throws(() => ipToBytes('10.0.0.256'), /not a valid IP address/);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { KubeObject, StrategyContext } from '../types.js';
import { endpointsResource } from './endpoints.js';

const ctx: StrategyContext = { namespace: 'default', now: new Date('2024-01-01T00:05:00Z') };
const s = endpointsResource.strategy;
const ep = (subsets: unknown[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
  subsets,
});
const create = (obj: KubeObject): string[] => {
  s.defaults?.(obj, ctx);
  return (s.validate?.(obj, ctx) ?? []).map(fieldErrorText);
};

void describe('Endpoints', () => {
  void it('defaults port protocols to TCP', () => {
    const obj = ep([{ addresses: [{ ip: '10.244.0.5' }], ports: [{ port: 8080 }] }]);
    assert.deepEqual(create(obj), []);
    assert.deepEqual(obj.subsets, [
      { addresses: [{ ip: '10.244.0.5' }], ports: [{ port: 8080, protocol: 'TCP' }] },
    ]);
  });

  void it('validates subsets, addresses and ports', () => {
    assert.deepEqual(create(ep([{ ports: [{ port: 80 }] }])), [
      'subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`',
    ]);
    assert.deepEqual(
      create(
        ep([{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 80 }, { name: 'b', port: 81 }] }]),
      ),
      [
        'subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
        'subsets[0].ports[0].name: Required value',
      ],
    );
    assert.deepEqual(create(ep([{ addresses: [{ ip: 'nope' }] }])), [
      'subsets[0].addresses[0].ip: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'subsets[0].addresses[0].ip: Invalid value: "nope": must be a valid IP address',
    ]);
  });

  void it('prints the first three endpoints, then a count', () => {
    const obj = ep([
      {
        addresses: [{ ip: '10.244.0.5' }, { ip: '10.244.0.6' }],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
      {
        addresses: [{ ip: '10.244.0.7' }, { ip: '10.244.0.8' }],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
    ]);
    assert.deepEqual(s.row?.(obj, ctx.now), [
      'web',
      '10.244.0.5:8080,10.244.0.6:8080,10.244.0.7:8080 + 1 more...',
      '5m',
    ]);
    assert.equal(s.row?.(ep([]), ctx.now)[1], '<none>');
    assert.equal(s.row?.(ep([{ addresses: [{ ip: 'fd00::1' }] }]), ctx.now)[1], 'fd00::1');
    assert.equal(
      s.row?.(ep([{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }]), ctx.now)[1],
      '[fd00::1]:80',
    );
  });
});

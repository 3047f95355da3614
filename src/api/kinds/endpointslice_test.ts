import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { KubeObject, StrategyContext } from '../types.js';
import { endpointSliceResource } from './endpointslice.js';

const ctx: StrategyContext = { namespace: 'default', now: new Date('2024-01-01T00:00:45Z') };
const s = endpointSliceResource.strategy;
const slice = (extra: Partial<KubeObject>): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'web-abc12', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
  ...extra,
});
const create = (obj: KubeObject): string[] => {
  s.defaults?.(obj, ctx);
  s.prepareForCreate?.(obj, ctx);
  return (s.validate?.(obj, ctx) ?? []).map(fieldErrorText);
};

void describe('EndpointSlice', () => {
  void it('defaults port name and protocol and starts at generation 1', () => {
    const obj = slice({
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.0.5'] }],
      ports: [{ port: 80 }],
    });
    assert.deepEqual(create(obj), []);
    assert.deepEqual(obj.ports, [{ port: 80, name: '', protocol: 'TCP' }]);
    assert.equal(obj.metadata.generation, 1);
  });

  void it('requires a supported address type and matching addresses', () => {
    assert.deepEqual(create(slice({})), ['addressType: Required value']);
    assert.deepEqual(create(slice({ addressType: 'IP' })), [
      'addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"',
    ]);
    assert.deepEqual(
      create(slice({ addressType: 'IPv4', endpoints: [{ addresses: ['fd00::1'] }] })),
      ['endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address'],
    );
    assert.deepEqual(create(slice({ addressType: 'IPv4', endpoints: [{ addresses: [] }] })), [
      'endpoints[0].addresses: Required value: must contain at least 1 address',
    ]);
    assert.deepEqual(
      create(slice({ addressType: 'FQDN', endpoints: [{ addresses: ['localhost'] }] })),
      [
        'endpoints[0].addresses[0]: Invalid value: "localhost": should be a domain with at least two segments separated by dots',
      ],
    );
  });

  void it('rejects duplicate port names and an address type change', () => {
    assert.deepEqual(create(slice({ addressType: 'IPv4', ports: [{ port: 80 }, { port: 81 }] })), [
      'ports[1].name: Duplicate value: ""',
    ]);
    const old = slice({ addressType: 'IPv4' });
    assert.deepEqual(
      (s.validateUpdate?.(slice({ addressType: 'IPv6' }), old, ctx) ?? []).map(fieldErrorText),
      ['addressType: Invalid value: "IPv6": field is immutable'],
    );
  });

  void it('bumps the generation on any change besides metadata', () => {
    const old = slice({ addressType: 'IPv4', endpoints: [{ addresses: ['10.244.0.5'] }] });
    old.metadata.generation = 3;
    const same = structuredClone(old);
    same.metadata.annotations = { a: 'b' };
    s.prepareForUpdate?.(same, old, ctx);
    assert.equal(same.metadata.generation, 3);
    const changed = structuredClone(old);
    changed.endpoints = [{ addresses: ['10.244.0.6'] }];
    s.prepareForUpdate?.(changed, old, ctx);
    assert.equal(changed.metadata.generation, 4);
  });

  void it('prints address type, ports and endpoints', () => {
    const obj = slice({
      addressType: 'IPv4',
      ports: [
        { name: 'http', port: 80, protocol: 'TCP' },
        { name: 'https', port: 443, protocol: 'TCP' },
      ],
      endpoints: [
        { addresses: ['10.244.0.5'] },
        { addresses: ['10.244.0.6'] },
        { addresses: ['10.244.0.7'] },
        { addresses: ['10.244.0.8'] },
      ],
    });
    assert.deepEqual(s.row?.(obj, ctx.now), [
      'web-abc12',
      'IPv4',
      '80,443',
      '10.244.0.5,10.244.0.6,10.244.0.7 + 1 more...',
      '45s',
    ]);
    assert.deepEqual(s.row?.(slice({ addressType: 'IPv4' }), ctx.now).slice(2, 4), [
      '<unset>',
      '<unset>',
    ]);
    assert.deepEqual(
      s.columns?.map((c) => c.name),
      ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age'],
    );
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fnv128aHex, goInt, goPtr, goSlice, goString, goStruct, spewSharpV } from './gohash.js';
import { repackSubsets } from './repack.js';
import type { EndpointAddress, EndpointSubset } from './types.js';

const addr = (ip: string, uid = `uid-${ip}`): EndpointAddress => ({
  ip,
  targetRef: { kind: 'Pod', namespace: 'default', name: `pod-${ip}`, uid },
});
const port = (name: string, p: number) => ({ name, port: p, protocol: 'TCP' });

describe('repackSubsets', () => {
  it('groups ports by the addresses offering them, sorted by IP', () => {
    const out = repackSubsets([
      { addresses: [addr('10.0.0.2')], ports: [port('http', 80)] },
      { addresses: [addr('10.0.0.1')], ports: [port('http', 80)] },
      { addresses: [addr('10.0.0.1')], ports: [port('https', 443)] },
      { addresses: [addr('10.0.0.2')], ports: [port('https', 443)] },
      { addresses: [addr('10.0.0.3')], ports: [port('metrics', 9090)] },
    ]);
    assert.equal(out.length, 2);
    const both = out.find((s) => s.ports?.length === 2);
    assert.deepEqual(
      both?.addresses?.map((a) => a.ip),
      ['10.0.0.1', '10.0.0.2'],
    );
    const httpOnly = out.find((s) => s.ports?.length === 1);
    assert.deepEqual(
      httpOnly?.addresses?.map((a) => a.ip),
      ['10.0.0.3'],
    );
  });

  it('lets not-ready win over ready and de-duplicates by IP and pod', () => {
    const out = repackSubsets([
      { addresses: [addr('10.0.0.1')], ports: [port('', 80)] },
      { notReadyAddresses: [addr('10.0.0.1')], ports: [port('', 80)] },
      { addresses: [addr('10.0.0.1')], ports: [port('', 80)] },
      // Same IP, another pod (host-network pods): a separate address.
      { addresses: [addr('10.0.0.1', 'other')], ports: [port('', 80)] },
    ]);
    assert.equal(out.length, 1);
    assert.deepEqual(
      out[0]?.addresses?.map((a) => a.targetRef?.uid),
      ['other'],
    );
    assert.deepEqual(
      out[0]?.notReadyAddresses?.map((a) => a.targetRef?.uid),
      ['uid-10.0.0.1'],
    );
  });

  it('keeps addresses of subsets without ports', () => {
    const out = repackSubsets([
      { addresses: [addr('10.0.0.2')] },
      { addresses: [addr('10.0.0.1')] },
    ]);
    assert.deepEqual(out, [{ addresses: [addr('10.0.0.1'), addr('10.0.0.2')] }]);
  });

  it('gives the same layout whatever the input order', () => {
    const subsets: EndpointSubset[] = [];
    for (let i = 1; i <= 6; i++)
      subsets.push({
        addresses: [addr(`10.0.1.${i}`)],
        ports: i % 2 ? [port('a', 1000 + i), port('b', 81)] : [port('a', 80), port('b', 81)],
      });
    const first = JSON.stringify(repackSubsets(structuredClone(subsets)));
    const second = JSON.stringify(repackSubsets(structuredClone(subsets).reverse()));
    assert.equal(first, second);
  });
});

describe('Go hashing', () => {
  it('prints values as go-spew %#v does', () => {
    const value = goStruct('v1.EndpointSubset', [
      [
        'Addresses',
        goSlice('[]v1.EndpointAddress', [
          goStruct('v1.EndpointAddress', [
            ['IP', goString('10.0.0.1')],
            ['NodeName', goPtr('string', goString('node-1'))],
            ['TargetRef', goPtr('v1.ObjectReference', null)],
          ]),
        ]),
      ],
      ['NotReadyAddresses', goSlice('[]v1.EndpointAddress', null)],
      ['Port', goInt(80)],
    ]);
    assert.equal(
      spewSharpV(value),
      '(v1.EndpointSubset){Addresses:([]v1.EndpointAddress)[{IP:(string)10.0.0.1 NodeName:(*string)node-1 TargetRef:(*v1.ObjectReference)<nil>}] NotReadyAddresses:([]v1.EndpointAddress)<nil> Port:(int32)80}',
    );
  });

  it('computes FNV-1a 128', () => {
    assert.equal(fnv128aHex(''), '6c62272e07bb014262b821756295c58d');
    assert.equal(fnv128aHex('a'), 'd228cb696f1a8caf78912b704e4a8964');
  });
});

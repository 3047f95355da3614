import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../api/errors.js';
import { checkResourceVersionParam } from './context.js';
import { boolParam, optionalBoolParam } from '../query-params.js';

const q = (s: string): URLSearchParams => new URLSearchParams(s);

describe('boolParam', () => {
  it('is false only when absent, 0 or false in any case', () => {
    for (const s of ['x=false', 'x=FALSE', 'x=fAlSe', 'x=0', 'y=1', 'x=fal%C5%BFe'])
      assert.equal(boolParam(q(s), 'x'), false, s);
    for (const s of ['x=true', 'x=True', 'x=1', 'x=', 'x', 'x=yes', 'x=f', 'x=00', 'x=no'])
      assert.equal(boolParam(q(s), 'x'), true, s);
  });

  it('reads the first value', () => {
    assert.equal(boolParam(q('x=false&x=true'), 'x'), false);
    assert.equal(boolParam(q('x=true&x=false'), 'x'), true);
  });

  it('leaves an optional one unset when absent', () => {
    assert.equal(optionalBoolParam(q(''), 'x'), undefined);
    assert.equal(optionalBoolParam(q('x=False'), 'x'), false);
  });
});

describe('checkResourceVersionParam', () => {
  it('accepts unsigned integers, empty and absent', () => {
    for (const s of ['', 'resourceVersion=', 'resourceVersion=0', 'resourceVersion=0012'])
      checkResourceVersionParam(q(s));
  });

  it('refuses anything else with a 400', () => {
    for (const [s, why] of [
      ['abc', 'invalid syntax'],
      ['-1', 'invalid syntax'],
      ['18446744073709551616', 'value out of range'],
    ] as const) {
      assert.throws(
        () => checkResourceVersionParam(q(`resourceVersion=${s}`)),
        (e: unknown) =>
          e instanceof ApiError &&
          e.code === 400 &&
          e.message ===
            `invalid resource version: resourceVersion: Invalid value: "${s}": strconv.ParseUint: parsing "${s}": ${why}`,
      );
    }
  });
});

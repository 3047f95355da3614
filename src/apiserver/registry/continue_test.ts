import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../api/errors.js';
import { checkContinue, decodeContinue, encodeContinue } from './continue.js';

const token = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 400);
    return e.message;
  }
  assert.fail('not refused');
}

describe('continue tokens', () => {
  it('round-trip', () => {
    assert.deepEqual(decodeContinue(encodeContinue({ rv: 7, start: 'ns/a' })), {
      rv: 7,
      start: 'ns/a',
    });
  });

  it('read any negative revision as the newest', () => {
    assert.equal(decodeContinue(token({ v: 'meta.k8s.io/v1', rv: -5, start: 'a' })).rv, -1);
  });

  it('refuse malformed tokens with kube-apiserver words', () => {
    const p = 'invalid continue token: continue key is not valid';
    assert.equal(
      refusal(() => decodeContinue('a.b')),
      `${p}: illegal base64 data at input byte 1`,
    );
    assert.equal(
      refusal(() => decodeContinue('abcde')),
      `${p}: illegal base64 data at input byte 4`,
    );
    assert.equal(
      refusal(() => decodeContinue(token({ v: 'meta.k8s.io/v1', rv: '1', start: 'a' }))),
      `${p}: json: cannot unmarshal string into Go struct field continueToken.rv of type int64`,
    );
    assert.equal(
      refusal(() => decodeContinue(token({ v: 'meta.k8s.io/v1', rv: true, start: 'a' }))),
      `${p}: json: cannot unmarshal bool into Go struct field continueToken.rv of type int64`,
    );
    assert.equal(
      refusal(() => decodeContinue(token({ v: 'x', rv: 1, start: 'a' }))),
      `${p}: server does not recognize this encoded version x`,
    );
    assert.equal(
      refusal(() => decodeContinue(token({ v: 'meta.k8s.io/v1', rv: 1, start: 'a/../../b' }))),
      `${p}: a/../../b`,
    );
    assert.equal(
      refusal(() => decodeContinue(token(null))),
      `${p}: server does not recognize this encoded version `,
    );
  });

  it('refuse a revision the server has not reached', () => {
    const t = token({ v: 'meta.k8s.io/v1', rv: 11, start: 'a' });
    assert.equal(checkContinue(t, 11).rv, 11);
    assert.match(
      refusal(() => checkContinue(t, 10)),
      /incorrect encoded start resourceVersion/,
    );
  });
});

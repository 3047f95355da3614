import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { KubeObject, StrategyContext } from '../types.js';
import { secretDecodeError, secretResource } from './secret.js';

const ctx: StrategyContext = { namespace: 'default', now: new Date('2024-01-02T00:00:00Z') };
const s = secretResource.strategy;
const b64 = (v: string): string => Buffer.from(v).toString('base64');
const secret = (extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'creds', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
  ...extra,
});
const create = (obj: KubeObject): string[] => {
  s.defaults?.(obj, ctx);
  s.prepareForCreate?.(obj, ctx);
  return (s.validate?.(obj, ctx) ?? []).map(fieldErrorText);
};

void describe('Secret', () => {
  void it('defaults the type to Opaque and folds stringData into data', () => {
    const obj = secret({ data: { a: b64('old'), b: b64('keep') }, stringData: { a: 'new' } });
    assert.deepEqual(create(obj), []);
    assert.equal(obj.type, 'Opaque');
    assert.deepEqual(obj.data, { a: b64('new'), b: b64('keep') });
    assert.equal(obj.stringData, undefined);
  });

  void it('requires tls.crt and tls.key for kubernetes.io/tls', () => {
    assert.deepEqual(create(secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c') } })), [
      'data[tls.key]: Required value',
    ]);
    assert.deepEqual(create(secret({ type: 'kubernetes.io/tls' })), [
      'data[tls.crt]: Required value',
      'data[tls.key]: Required value',
    ]);
  });

  void it('checks the other typed secrets', () => {
    assert.deepEqual(create(secret({ type: 'kubernetes.io/service-account-token' })), [
      'metadata.annotations[kubernetes.io/service-account.name]: Required value',
    ]);
    assert.deepEqual(
      create(
        secret({
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': b64('{"auths":{}}') },
        }),
      ),
      [],
    );
    assert.deepEqual(
      create(
        secret({
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': b64('nope') },
        }),
      ),
      [
        'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character \'n\' looking for beginning of value',
      ],
    );
    assert.deepEqual(create(secret({ type: 'kubernetes.io/basic-auth', data: {} })), [
      'data[username]: Required value',
      'data[password]: Required value',
    ]);
  });

  void it('validates keys and the 1 MiB limit', () => {
    assert.match(
      create(secret({ data: { 'a/b': b64('x') } }))[0] ?? '',
      /^data\[a\/b\]: Invalid value: "a\/b": a valid config key/,
    );
    const big = Buffer.alloc(1024 * 1024 + 1).toString('base64');
    assert.deepEqual(create(secret({ data: { big } })), [
      'data: Too long: may not be more than 1048576 bytes',
    ]);
  });

  void it('reports undecodable data the way the decoder does', () => {
    assert.equal(
      secretDecodeError(secret({ data: { a: 'ab!d' } })),
      'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 2',
    );
    assert.equal(secretDecodeError(secret({ data: { a: b64('fine') } })), undefined);
  });

  void it('keeps the type and, when immutable, the data', () => {
    const old = secret({ type: 'Opaque', data: { a: b64('1') }, immutable: true });
    const next = secret({ type: 'kubernetes.io/tls', data: { a: b64('2') }, immutable: true });
    assert.deepEqual((s.validateUpdate?.(next, old, ctx) ?? []).map(fieldErrorText), [
      'type: Invalid value: "kubernetes.io/tls": field is immutable',
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
  });

  void it('prints type and key count and selects by type', () => {
    const obj = secret({
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': b64('c'), 'tls.key': b64('k') },
    });
    assert.deepEqual(s.row?.(obj, ctx.now), ['creds', 'kubernetes.io/tls', 2, '24h']);
    assert.deepEqual(
      s.columns?.map((c) => c.name),
      ['Name', 'Type', 'Data', 'Age'],
    );
    assert.deepEqual(s.selectableFields?.(obj), { type: 'kubernetes.io/tls' });
    assert.equal(secretResource.shortNames, undefined);
  });
});

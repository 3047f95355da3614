import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { KubeObject, StrategyContext } from '../types.js';
import { configMapResource } from './configmap.js';

const ctx: StrategyContext = { namespace: 'default', now: new Date('2024-01-01T00:00:30Z') };
const s = configMapResource.strategy;
const cm = (extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
  ...extra,
});
const validate = (obj: KubeObject): string[] => (s.validate?.(obj, ctx) ?? []).map(fieldErrorText);

void describe('ConfigMap', () => {
  void it('validates keys', () => {
    assert.deepEqual(validate(cm({ data: { 'app.properties': 'a=b', KEY_1: 'x' } })), []);
    assert.deepEqual(validate(cm({ data: { 'bad key': 'x' } })), [
      "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]);
    assert.deepEqual(validate(cm({ data: { '..x': 'x' } })), [
      'data[..x]: Invalid value: "..x": must not start with \'..\'',
    ]);
    assert.deepEqual(validate(cm({ data: { a: 'x' }, binaryData: { a: 'eA==' } })), [
      'data[a]: Invalid value: "a": duplicate of key present in binaryData',
    ]);
  });

  void it('limits the payload to 1 MiB', () => {
    assert.deepEqual(validate(cm({ data: { big: 'x'.repeat(1024 * 1024 + 1) } })), [
      '[]: Too long: may not be more than 1048576 bytes',
    ]);
  });

  void it('freezes data once immutable', () => {
    const old = cm({ data: { a: '1' }, immutable: true });
    const errs = (s.validateUpdate?.(cm({ data: { a: '2' } }), old, ctx) ?? []).map(fieldErrorText);
    assert.deepEqual(errs, [
      'immutable: Forbidden: field is immutable when `immutable` is set',
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
    assert.deepEqual(
      s.validateUpdate?.(
        cm({ data: { a: '1' }, immutable: true, metadata: { name: 'cfg', labels: { x: 'y' } } }),
        old,
        ctx,
      ),
      [],
    );
  });

  void it('prints the number of keys', () => {
    assert.deepEqual(
      s.row?.(cm({ data: { a: '1', b: '2' }, binaryData: { c: 'eA==' } }), ctx.now),
      ['cfg', 3, '30s'],
    );
    assert.deepEqual(s.row?.(cm(), ctx.now), ['cfg', 0, '30s']);
    assert.deepEqual(configMapResource.shortNames, ['cm']);
  });
});

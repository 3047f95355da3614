import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorText } from '../errors.js';
import { isDNS1123Label, validateObjectMeta } from './common.js';

const errorsOf = (
  metadata: Record<string, unknown>,
  rule = undefined as undefined | typeof isDNS1123Label,
): string[] =>
  validateObjectMeta({ apiVersion: 'v1', kind: 'ConfigMap', metadata }, false, rule).map(
    fieldErrorText,
  );

void describe('validateObjectMeta: generateName', () => {
  void it('checks the prefix like a name whose trailing dash is allowed', () => {
    assert.deepEqual(errorsOf({ generateName: 'web-', name: 'web-abcde' }), []);
    assert.deepEqual(errorsOf({ generateName: 'Web_', name: 'web-abcde' }), [
      "metadata.generateName: Invalid value: \"Web_\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
  });

  void it('bounds its length by the kind name rule', () => {
    const long = 'a'.repeat(300);
    assert.deepEqual(errorsOf({ generateName: long, name: 'a'.repeat(63) }), [
      `metadata.generateName: Invalid value: "${long}": must be no more than 253 characters`,
    ]);
    assert.deepEqual(errorsOf({ generateName: `${'n'.repeat(70)}-`, name: 'n' }, isDNS1123Label), [
      `metadata.generateName: Invalid value: "${'n'.repeat(70)}-": must be no more than 63 characters`,
    ]);
  });
});

void describe('quoted values', () => {
  void it('are cut so that an error never echoes a huge input', () => {
    const errs = errorsOf({ name: 'ok', labels: { a: 'v'.repeat(1_000_000) } });
    assert.equal(errs.length, 1);
    assert.ok((errs[0] ?? '').length < 2000, String(errs[0]?.length));
    assert.match(
      errs[0] ?? '',
      /^metadata\.labels: Invalid value: "v+\.\.\.\(truncated\)": must be no more than 63 characters/,
    );
  });
});

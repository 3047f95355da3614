import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addQuantity,
  approximateNumber,
  compareQuantity,
  formatQuantity,
  integerValue,
  milliValue,
  parseQuantity,
  roundUpMilli,
} from './quantity.js';
import type { Quantity } from './quantity.js';

const q = (v: unknown): Quantity => {
  const parsed = parseQuantity(v);
  assert.ok(parsed, `${String(v)} should parse`);
  return parsed;
};

void test('parsing keeps the exact value and the format its suffix asks for', () => {
  const cases: [unknown, bigint, number, Quantity['format']][] = [
    ['100m', 100n, -3, 'DecimalSI'],
    ['1.5Gi', 15n * 1024n ** 3n, -1, 'BinarySI'],
    ['1e3', 1n, 3, 'DecimalExponent'],
    ['0.1', 1n, -1, 'DecimalSI'],
    ['129M', 129n, 6, 'DecimalSI'],
    ['-2k', -2n, 3, 'DecimalSI'],
    ['+5', 5n, 0, 'DecimalSI'],
    ['.5', 5n, -1, 'DecimalSI'],
    [3, 3n, 0, 'DecimalSI'],
    [0.25, 25n, -2, 'DecimalSI'],
  ];
  for (const [input, n, exp, format] of cases)
    assert.deepEqual(parseQuantity(input), { n, exp, format }, String(input));
});

void test('invalid quantities do not parse', () => {
  for (const input of ['', 'abc', '1Zi', '1.5.5', 'm', '1 Gi', ' 1', '1e', '--1', null, {}, NaN])
    assert.equal(parseQuantity(input), undefined, String(input));
});

void test('canonical text is what kube-apiserver writes back', () => {
  const cases: [string, string][] = [
    ['100m', '100m'],
    ['1.5Gi', '1536Mi'],
    ['1e3', '1e3'],
    ['0.1', '100m'],
    ['129M', '129M'],
    ['-2k', '-2k'],
    ['1024Mi', '1Gi'],
    ['0.5Ki', '512'],
    ['1000m', '1'],
    ['2000', '2k'],
    ['0', '0'],
    ['1n', '1n'],
    ['1.0001m', '1000100n'],
  ];
  for (const [input, out] of cases) assert.equal(formatQuantity(q(input)), out, input);
});

void test('rounding up to milli precision goes away from zero', () => {
  assert.equal(formatQuantity(roundUpMilli(q('1.0001m'))), '2m');
  assert.equal(formatQuantity(roundUpMilli(q('-1.0001m'))), '-2m');
  assert.equal(formatQuantity(roundUpMilli(q('1n'))), '1m');
  assert.equal(formatQuantity(roundUpMilli(q('5'))), '5');
});

void test('comparisons are exact, where floats are not', () => {
  const cases: [string, string, number][] = [
    ['100m', '0.1', 0],
    ['1Gi', '1073741824', 0],
    ['1e3', '1k', 0],
    ['129M', '123Mi', 1],
    ['-1', '0', -1],
    ['999999999n', '1', -1],
    ['1000000001n', '1', 1],
    // Beyond 2^53 a float cannot tell these apart.
    ['9007199254740993', '9007199254740992', 1],
  ];
  for (const [a, b, want] of cases) assert.equal(compareQuantity(q(a), q(b)), want, `${a} ? ${b}`);
  // 0.1 + 0.2 is exactly 0.3 (in floats it is not).
  assert.equal(compareQuantity(addQuantity(q('0.1'), q('0.2')), q('0.3')), 0);
});

void test('integer and milli values round away from zero, as Value and MilliValue do', () => {
  assert.equal(milliValue(q('1.5')), 1500n);
  assert.equal(milliValue(q('100m')), 100n);
  assert.equal(milliValue(q('1n')), 1n);
  assert.equal(milliValue(q('-1n')), -1n);
  assert.equal(integerValue(q('1Gi')), 1073741824n);
  assert.equal(integerValue(q('1500m')), 2n);
  assert.equal(integerValue(q('1e3')), 1000n);
  assert.equal(approximateNumber(q('250m')), 0.25);
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatCpu, formatMemory, parseQuantity, percent } from './quantity.js';

describe('quantities', () => {
  it('reads binary, decimal and exponent suffixes', () => {
    assert.equal(parseQuantity('128Mi'), 128 * 2 ** 20);
    assert.equal(parseQuantity('1.5Gi'), 1.5 * 2 ** 30);
    assert.equal(parseQuantity('12345Ki'), 12345 * 1024);
    assert.equal(parseQuantity('250m'), 0.25);
    assert.equal(parseQuantity('2'), 2);
    assert.equal(parseQuantity('1k'), 1000);
    assert.equal(parseQuantity('2e3'), 2000);
    assert.ok(Math.abs(parseQuantity('196721311n') - 0.196721311) < 1e-12);
    assert.equal(parseQuantity('1000'), 1000);
    assert.ok(Number.isNaN(parseQuantity('12Qi')));
    assert.ok(Number.isNaN(parseQuantity(undefined)));
    assert.ok(Number.isNaN(parseQuantity('')));
  });
  it('writes memory in the largest binary unit', () => {
    assert.equal(formatMemory(128 * 2 ** 20), '128Mi');
    assert.equal(formatMemory(1.5 * 2 ** 30), '1.5Gi');
    assert.equal(formatMemory(512 * 1024), '512Ki');
    assert.equal(formatMemory(3.25 * 2 ** 20), '3.3Mi');
    assert.equal(formatMemory(1000), '1000');
    assert.equal(formatMemory(NaN), '—');
  });
  it('writes CPU in millicores below a core', () => {
    assert.equal(formatCpu(0.25), '250m');
    assert.equal(formatCpu(parseQuantity('196721311n')), '197m');
    assert.equal(formatCpu(1.5), '1.5');
    assert.equal(formatCpu(4), '4');
    assert.equal(formatCpu(0), '0m');
  });
  it('says shares as percentages', () => {
    assert.equal(percent(1, 4), '25%');
    assert.equal(percent(1, 0), '');
  });
});

describe('quantities, generated', () => {
  it('reads what it writes, within rounding (seeded, 400 cases)', () => {
    let seed = 42;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 400; i++) {
      const bytes = Math.floor(rand() * 2 ** (10 + rand() * 40)) + 1024;
      const back = parseQuantity(formatMemory(bytes));
      assert.ok(Math.abs(back - bytes) / bytes < 0.05, `${bytes} → ${formatMemory(bytes)}`);
      const cores = rand() * 64;
      const c = parseQuantity(formatCpu(cores));
      assert.ok(Math.abs(c - cores) < 0.006, `${cores} → ${formatCpu(cores)}`);
      const n = Math.floor(rand() * 100000);
      for (const [suffix, mult] of [
        ['Ki', 1024],
        ['Mi', 2 ** 20],
        ['m', 0.001],
        ['k', 1000],
        ['', 1],
      ] as const)
        assert.equal(parseQuantity(`${n}${suffix}`), n * mult);
    }
  });
});

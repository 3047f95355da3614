import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, stringFlag, stringFlags, UsageError } from './args.js';

describe('flags given more than once', () => {
  it('keeps every value in order; the single-value reading sees the last', () => {
    const p = parseArgs(
      ['node-credentials', '--address', '10.0.0.1', '--address=10.0.0.2', '--out', 'x'],
      new Set(['help']),
    );
    assert.deepEqual(stringFlags(p, 'address'), ['10.0.0.1', '10.0.0.2']);
    assert.equal(stringFlag(p, 'address'), '10.0.0.2');
    assert.deepEqual(stringFlags(p, 'server'), []);
  });

  it('a boolean given where values are wanted is a usage error', () => {
    const p = parseArgs(['agent', '--address'], new Set(['address']));
    assert.throws(() => stringFlags(p, 'address'), UsageError);
  });
});

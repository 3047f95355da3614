// Seeded fuzzing of the editor's pure parts: whatever is typed, half-typed or pasted, the
// cursor's path and the checks answer (never throw), and every mark lies inside the text.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkYaml, kindAt } from './yaml-check.js';
import { objectPathAt } from './yaml-path.js';
import { configMapSchema, random } from '../testing.js';

const PIECES = [
  'apiVersion: v1\n',
  'kind: ConfigMap\n',
  'metadata:\n',
  '  name: x\n',
  'data:\n',
  '  a: "1"\n',
  '  b: 2\n',
  '- ',
  '  - x: 1\n',
  '---\n',
  '...\n',
  '# note\n',
  'bogus: [1, 2\n',
  '{a: b}\n',
  ': \n',
  '"quoted key": v\n',
  "'single': v\n",
  '|\n  block\n',
  '\t',
  ' ',
  '\n',
  'immutable: yes\n',
  '&anchor x\n',
  '*alias\n',
  'key: value # comment\n',
  '\u00e9t\u00e9: \u2603\n',
];

describe('editor fuzz (seeded, 300 texts)', () => {
  it('answers for any text and cursor, with marks inside the text', async () => {
    const next = random(20261207);
    for (let round = 0; round < 300; round++) {
      let text = '';
      const n = 1 + Math.floor(next() * 12);
      for (let i = 0; i < n; i++) text += PIECES[Math.floor(next() * PIECES.length)];
      // sometimes cut mid-way, as while typing
      if (next() < 0.3) text = text.slice(0, Math.floor(next() * text.length));
      const lines = text.split('\n');
      const line = Math.floor(next() * lines.length);
      const column = Math.floor(next() * ((lines[line]?.length ?? 0) + 1));
      const at = objectPathAt(text, line, column);
      assert.ok(Array.isArray(at.path) && Array.isArray(at.siblings), text);
      kindAt(text, Math.floor(next() * (text.length + 1)));
      const problems = await checkYaml(text, async () => configMapSchema);
      for (const p of problems) {
        assert.ok(p.from >= 0 && p.from <= p.to && p.to <= text.length, JSON.stringify([text, p]));
        assert.ok(p.message.length > 0);
      }
    }
  });
});

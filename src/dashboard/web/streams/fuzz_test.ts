// Seeded fuzzing of the streams' pure parts: a log cut into chunks anywhere reads the same
// lines, and any received message or end status is taken without throwing.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execEnd, parseFrame } from './channels.js';
import { highlight, LogLines } from './log-lines.js';
import { random } from '../testing.js';

describe('streams fuzz (seeded)', () => {
  it('a log in random chunks gives the lines of the whole (200 logs)', () => {
    const next = random(7);
    const alphabet = ['a', 'b', ' ', '\n', '\r\n', 'é', '\t', 'line'];
    for (let round = 0; round < 200; round++) {
      let log = '';
      const n = Math.floor(next() * 200);
      for (let i = 0; i < n; i++) log += alphabet[Math.floor(next() * alphabet.length)];
      const max = 1 + Math.floor(next() * 50);
      const whole = new LogLines(max);
      whole.push(log);
      whole.end();
      const chunked = new LogLines(max);
      for (let at = 0; at < log.length;) {
        const size = 1 + Math.floor(next() * 20);
        chunked.push(log.slice(at, at + size));
        at += size;
      }
      chunked.end();
      assert.deepEqual(chunked.lines(), whole.lines(), JSON.stringify(log));
      assert.equal(chunked.dropped, whole.dropped);
      assert.ok(whole.lines().length <= max);
      // and the search pieces always put the line back together
      const line = whole.lines()[0] ?? '';
      const needle = line.slice(0, Math.floor(next() * 3));
      assert.equal(
        highlight(line, needle)
          .map((s) => s.text)
          .join(''),
        line,
      );
    }
  });

  it('any message and any status text are taken without throwing (300 each)', () => {
    const next = random(11);
    for (let round = 0; round < 300; round++) {
      const bytes = new Uint8Array(Math.floor(next() * 16));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
      const m = parseFrame(bytes);
      assert.equal(m === undefined, bytes.length === 0);
      const status = new TextDecoder().decode(bytes);
      const end = execEnd(next() < 0.5 ? status : `{"status":"Failure","details":${status}}`);
      assert.equal(typeof end.message, 'string');
    }
  });
});

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  attemptLogPath,
  criLine,
  formatTimestamp,
  parseCriLine,
  readLogFile,
  LogNotFoundError,
} from './logs.js';
import type { LogOptions } from './types.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-logs-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const LOG =
  [
    '2026-11-22T05:42:07.123456789Z stdout F first line',
    '2026-11-22T05:42:08.000000001Z stderr F an error',
    '2026-11-22T05:42:09.5Z stdout P part one, ',
    '2026-11-22T05:42:09.6Z stdout F part two',
    // The monitor we run writes offsets rather than Z.
    '2026-11-22T05:42:10.250000000+00:00 stdout F with offset',
    '2026-11-22T07:42:11.000000000+02:00 stdout F two hours east',
    'garbage that is not a log line',
    '2026-11-22T05:42:12.000000000Z stdout F last',
  ].join('\n') + '\n';

/** Resolves once `done()` holds, or after 5 s (the assertion after it then fails). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
}

async function read(path: string, opts: LogOptions = {}, active = false): Promise<string> {
  let out = '';
  for await (const b of readLogFile(path, opts, { isActive: async () => active }))
    out += b.toString();
  return out;
}

describe('CRI log format', () => {
  it('parses stream, partial flag, time and content', () => {
    const e = parseCriLine(Buffer.from('2026-11-22T05:42:07.123456789Z stderr P hello world'));
    assert.ok(e);
    assert.equal(e.stream, 'stderr');
    assert.equal(e.partial, true);
    assert.equal(e.content.toString(), 'hello world');
    assert.equal(e.time.toISOString(), '2026-11-22T05:42:07.123Z');
    assert.equal(formatTimestamp(e.rawTime, e.time), '2026-11-22T05:42:07.123456789Z');
    const off = parseCriLine(Buffer.from('2026-11-22T07:42:11.5+02:00 stdout F:x y'));
    assert.ok(off);
    assert.equal(formatTimestamp(off.rawTime, off.time), '2026-11-22T05:42:11.500000000Z');
    assert.equal(parseCriLine(Buffer.from('2026-11-22T05:42:07Z stdout F '))?.content.length, 0);
    assert.equal(parseCriLine(Buffer.from('not a line')), undefined);
    assert.equal(parseCriLine(Buffer.from('2026-11-22T05:42:07Z stdin F x')), undefined);
    assert.equal(parseCriLine(Buffer.from('2026-11-22T05:42:07Z stdout X x')), undefined);
  });

  it('writes lines readers parse back', () => {
    const line = criLine(new Date('2026-11-22T05:42:07.123Z'), 'stdout', 'hi');
    assert.equal(line, '2026-11-22T05:42:07.123000000Z stdout F hi\n');
    assert.equal(criLine(new Date(0), 'stderr', 'x', true).split(' ')[2], 'P');
  });
});

describe('log reader', () => {
  let path: string;
  before(() => {
    path = join(dir, 'plain.log');
    writeFileSync(path, LOG);
  });

  it('shows the messages, joining partial lines, skipping bad lines', async () => {
    assert.equal(
      await read(path),
      'first line\nan error\npart one, part two\nwith offset\ntwo hours east\nlast\n',
    );
  });

  it('prefixes timestamps in UTC with nanoseconds, once per joined line', async () => {
    const out = (await read(path, { timestamps: true })).split('\n');
    assert.equal(out[0], '2026-11-22T05:42:07.123456789Z first line');
    assert.equal(out[2], '2026-11-22T05:42:09.500000000Z part one, part two');
    assert.equal(out[4], '2026-11-22T05:42:11.000000000Z two hours east');
  });

  it('tails the last lines of the file', async () => {
    assert.equal(await read(path, { tailLines: 2 }), 'last\n');
    assert.equal(await read(path, { tailLines: 3 }), 'two hours east\nlast\n');
    assert.equal(await read(path, { tailLines: 0 }), '');
    assert.equal(await read(path, { tailLines: -1 }), await read(path));
    assert.equal(await read(path, { tailLines: 1000 }), await read(path));
  });

  it('keeps entries since a time, one stream, and a byte limit', async () => {
    assert.equal(
      await read(path, { sinceTime: new Date('2026-11-22T05:42:10.000Z') }),
      'with offset\ntwo hours east\nlast\n',
    );
    assert.equal(await read(path, { stream: 'stderr' }), 'an error\n');
    assert.equal(await read(path, { limitBytes: 7 }), 'first l');
  });

  it('reads a file larger than its read buffer, tail included', async () => {
    const big = join(dir, 'big.log');
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++)
      lines.push(criLine(new Date(1_700_000_000_000 + i), 'stdout', `line ${i} ${'x'.repeat(40)}`));
    writeFileSync(big, lines.join(''));
    const all = await read(big);
    assert.equal(all.split('\n').length, 5001);
    assert.equal(
      await read(big, { tailLines: 2 }),
      `line 4998 ${'x'.repeat(40)}\nline 4999 ${'x'.repeat(40)}\n`,
    );
  });

  // conmon writes a P record wherever a read of the container's pipe ended mid-line: the
  // records of one line are one line of the tail, which never begins inside a line.
  it('tails lines, not records: partial records join the line they begin', async () => {
    const f = join(dir, 'split.log');
    const t = new Date('2026-11-22T05:42:07Z');
    writeFileSync(
      f,
      [
        criLine(t, 'stdout', 'a'),
        criLine(t, 'stdout', 'b1', true),
        criLine(t, 'stdout', 'b2'),
        criLine(t, 'stdout', 'c'),
        criLine(t, 'stdout', 'd1', true),
        criLine(t, 'stdout', 'd2', true),
        criLine(t, 'stdout', 'd3'),
        criLine(t, 'stdout', 'e'),
      ].join(''),
    );
    assert.equal(await read(f, { tailLines: 1 }), 'e\n');
    assert.equal(await read(f, { tailLines: 2 }), 'd1d2d3\ne\n');
    assert.equal(await read(f, { tailLines: 3 }), 'c\nd1d2d3\ne\n');
    assert.equal(await read(f, { tailLines: 4 }), 'b1b2\nc\nd1d2d3\ne\n');
    assert.equal(await read(f, { tailLines: 5 }), await read(f));
    assert.equal(await read(f, { tailLines: 9 }), await read(f));
  });

  it('tails complete lines: the line being written is not one yet', async () => {
    const f = join(dir, 'writing.log');
    const t = new Date('2026-11-22T05:42:07Z');
    // a record whose content is still being written, and a line still in partial records
    for (const unfinished of [
      '2026-11-22T05:42:08.000000000+00:00 stdout F 1999',
      criLine(t, 'stdout', '1999', true),
    ]) {
      writeFileSync(
        f,
        criLine(t, 'stdout', '199997') + criLine(t, 'stdout', '199998') + unfinished,
      );
      assert.equal(await read(f, { tailLines: 1 }), '199998\n');
      assert.equal(await read(f, { tailLines: 2 }), '199997\n199998\n');
      assert.equal(await read(f, { tailLines: 0 }), '');
    }
  });

  it('follows from the tail: the line being written comes whole once written', async () => {
    const f = join(dir, 'follow-tail.log');
    const t = new Date('2026-11-22T05:42:07Z');
    writeFileSync(
      f,
      criLine(t, 'stdout', 'one') + criLine(t, 'stdout', 'two') + criLine(t, 'stdout', 'thr', true),
    );
    let active = true;
    let out = '';
    const done = (async () => {
      for await (const b of readLogFile(
        f,
        { follow: true, tailLines: 1 },
        { isActive: async () => active, pollMs: 20 },
      ))
        out += b.toString();
    })();
    await until(() => out === 'two\nthr');
    // the next record arrives in two writes
    appendFileSync(f, '2026-11-22T05:42:08.000000000+00:00 stdout F e');
    appendFileSync(f, 'e\n' + criLine(t, 'stdout', 'four'));
    await until(() => out.endsWith('four\n'));
    active = false;
    await done;
    assert.equal(out, 'two\nthree\nfour\n');
  });

  it('tails any split of lines into records, across read buffers (seeded)', async () => {
    const f = join(dir, 'fuzz.log');
    const t = new Date('2026-11-22T05:42:07Z');
    let seed = 7;
    const random = (k: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % k;
    };
    for (let round = 0; round < 12; round++) {
      const lines: string[] = [];
      let file = '';
      const count = 2000 + random(20_000);
      for (let i = 0; i < count; i++) {
        const line = `${i} ${'x'.repeat(random(round % 3 === 0 ? 300 : 20))}`;
        lines.push(line);
        // cut the line into records where a pipe read might have ended
        let at = 0;
        while (random(4) === 0 && at < line.length - 1) {
          const cut = at + 1 + random(line.length - 1 - at);
          file += criLine(t, 'stdout', line.slice(at, cut), true);
          at = cut;
        }
        file += criLine(t, 'stdout', line.slice(at));
      }
      writeFileSync(f, file);
      for (const n of [1, random(50), random(count), count - 1, count, count + 3]) {
        const want = lines
          .slice(Math.max(0, count - n))
          .map((l) => `${l}\n`)
          .join('');
        assert.equal(await read(f, { tailLines: n }), want, `round ${round}, tail ${n}`);
      }
    }
  });

  it('follows new lines until the writer is no longer active', async () => {
    const f = join(dir, 'follow.log');
    writeFileSync(f, criLine(new Date(), 'stdout', 'one'));
    let active = true;
    const chunks: string[] = [];
    const done = (async () => {
      for await (const b of readLogFile(
        f,
        { follow: true },
        { isActive: async () => active, pollMs: 50 },
      ))
        chunks.push(b.toString());
    })();
    await new Promise((r) => setTimeout(r, 100));
    appendFileSync(f, criLine(new Date(), 'stdout', 'two'));
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(chunks, ['one\n', 'two\n']);
    appendFileSync(f, criLine(new Date(), 'stdout', 'three'));
    active = false;
    await done;
    assert.deepEqual(chunks, ['one\n', 'two\n', 'three\n']);
  });

  it('stops following when the signal aborts', async () => {
    const f = join(dir, 'abort.log');
    writeFileSync(f, criLine(new Date(), 'stdout', 'one'));
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(), 100);
    const out = await (async () => {
      let s = '';
      for await (const b of readLogFile(
        f,
        { follow: true, signal: ac.signal },
        { isActive: async () => true },
      ))
        s += b.toString();
      return s;
    })();
    assert.equal(out, 'one\n');
    assert.ok(Date.now() - started < 2000);
  });

  it('picks the newest attempt, or the previous one', async () => {
    const d = join(dir, 'attempts');
    mkdirSync(d, { recursive: true });
    for (const n of [0, 2, 10])
      writeFileSync(join(d, `${n}.log`), criLine(new Date(), 'stdout', `attempt ${n}`));
    assert.equal(await attemptLogPath(d, false), join(d, '10.log'));
    assert.equal(await attemptLogPath(d, true), join(d, '2.log'));
    const one = join(dir, 'one-attempt');
    mkdirSync(one, { recursive: true });
    writeFileSync(join(one, '0.log'), '');
    await assert.rejects(attemptLogPath(one, true), LogNotFoundError);
    await assert.rejects(attemptLogPath(join(dir, 'none'), false), LogNotFoundError);
  });
});

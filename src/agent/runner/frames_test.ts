// The command runner's frames, without a process: bytes as command-runner.pl reads and
// writes them, split and joined as pipes deliver them.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeResponse,
  encodeKill,
  encodeRequest,
  exitOf,
  FrameReader,
  KILL_MARK,
  type CommandRequest,
} from './frames.js';

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** A response frame as the Perl side packs it. */
function responseFrame(id: number, status: number, out: Buffer, err: Buffer): Buffer {
  const body = Buffer.concat([u32(id), u32(status), u32(out.length), out, u32(err.length), err]);
  return Buffer.concat([u32(body.length), body]);
}

/** Reads a request frame back as the Perl side unpacks it. */
function readRequest(frame: Buffer): CommandRequest & { length: number } {
  const length = frame.readUInt32BE(0);
  let o = 4;
  const next = () => {
    const n = frame.readUInt32BE(o);
    o += 4;
    return n;
  };
  const bytes = () => {
    const n = next();
    const b = frame.subarray(o, o + n);
    o += n;
    return b;
  };
  const id = next();
  const argv = Array.from({ length: next() }, () => bytes().toString());
  const cwd = bytes().toString();
  const input = Buffer.from(bytes());
  assert.equal(o, frame.length, 'nothing after the input');
  return { length, id, argv, cwd, input };
}

describe('encodeRequest', () => {
  it('lays out id, argv, cwd and input, each with its length', () => {
    const frame = encodeRequest({ id: 7, argv: ['ip', '-j'], cwd: '/', input: Buffer.from('x') });
    assert.equal(
      frame.toString('hex'),
      [
        '0000001e', // length of what follows: 30 bytes
        '00000007', // id
        '00000002', // argc
        '00000002',
        Buffer.from('ip').toString('hex'),
        '00000002',
        Buffer.from('-j').toString('hex'),
        '00000001',
        Buffer.from('/').toString('hex'),
        '00000001',
        Buffer.from('x').toString('hex'),
      ].join(''),
    );
  });

  it('counts bytes, not characters, and round-trips empty and binary parts', () => {
    const input = Buffer.from([0, 255, 10, 0]);
    const req = { id: 0xfffffffe, argv: ['echo', 'héllo ✓', ''], cwd: '', input };
    const back = readRequest(encodeRequest(req));
    assert.deepEqual({ ...back, length: undefined }, { ...req, length: undefined });
    assert.equal(back.length, encodeRequest(req).length - 4);
  });

  it('carries a large input whole', () => {
    const input = Buffer.alloc(5_000_000, 0x61);
    const back = readRequest(encodeRequest({ id: 1, argv: ['cat'], cwd: '', input }));
    assert.equal(back.input.length, 5_000_000);
    assert.ok(back.input.equals(input));
  });
});

it('encodeKill names the command to kill after the kill mark', () => {
  assert.equal(
    encodeKill(9, 4).toString('hex'),
    '0000000c' + '00000009' + KILL_MARK.toString(16) + '00000004',
  );
});

describe('decodeResponse and exitOf', () => {
  it('reads id, status, stdout and stderr', () => {
    const [body] = new FrameReader().push(
      responseFrame(3, 3 << 8, Buffer.from('hello\n'), Buffer.from('oops\n')),
    );
    const r = decodeResponse(body!);
    assert.deepEqual(
      [r.id, r.status, r.stdout.toString(), r.stderr.toString()],
      [3, 768, 'hello\n', 'oops\n'],
    );
    assert.deepEqual(exitOf(r.status), { code: 3, signal: null });
  });

  it('a signal ends a command without an exit code', () => {
    assert.deepEqual(exitOf(9), { code: null, signal: 9 });
    assert.deepEqual(exitOf(0), { code: 0, signal: null });
    // A core dump sets bit 7; the signal is still the low seven bits.
    assert.deepEqual(exitOf(0x80 | 11), { code: null, signal: 11 });
  });

  it('copies its output out of the read buffer', () => {
    const frame = responseFrame(1, 0, Buffer.from('out'), Buffer.alloc(0));
    const r = decodeResponse(frame.subarray(4));
    frame.fill(0);
    assert.equal(r.stdout.toString(), 'out');
    assert.equal(r.stderr.length, 0);
  });
});

describe('FrameReader', () => {
  const frames = [
    responseFrame(1, 0, Buffer.from('one'), Buffer.alloc(0)),
    responseFrame(2, 1 << 8, Buffer.alloc(0), Buffer.from('two')),
    responseFrame(3, 0, Buffer.alloc(0), Buffer.alloc(0)),
  ];
  const stream = Buffer.concat(frames);
  const ids = (bodies: Buffer[]) => bodies.map((b) => decodeResponse(b).id);

  it('returns every frame of one chunk, in order', () => {
    const reader = new FrameReader();
    assert.deepEqual(ids(reader.push(stream)), [1, 2, 3]);
    assert.equal(reader.buffered, 0);
  });

  it('waits for a frame split anywhere, even inside its length', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new FrameReader();
      const got = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      assert.deepEqual(ids(got), [1, 2, 3], `cut at ${cut}`);
      assert.equal(reader.buffered, 0);
    }
  });

  it('assembles a stream delivered one byte at a time', () => {
    const reader = new FrameReader();
    const got: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) got.push(...reader.push(stream.subarray(i, i + 1)));
    assert.deepEqual(ids(got), [1, 2, 3]);
  });

  it('holds a partial frame until it is whole', () => {
    const reader = new FrameReader();
    assert.deepEqual(reader.push(frames[0]!.subarray(0, 6)), []);
    assert.equal(reader.buffered, 6);
  });

  it('assembles a large output from pipe-sized chunks', () => {
    const out = Buffer.alloc(3_000_000);
    for (let i = 0; i < out.length; i++) out[i] = i % 251;
    const frame = responseFrame(42, 0, out, Buffer.from('done'));
    const reader = new FrameReader();
    const got: Buffer[] = [];
    for (let o = 0; o < frame.length; o += 65536)
      got.push(...reader.push(frame.subarray(o, o + 65536)));
    assert.equal(got.length, 1);
    const r = decodeResponse(got[0]!);
    assert.equal(r.id, 42);
    assert.ok(r.stdout.equals(out));
    assert.equal(r.stderr.toString(), 'done');
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readTar, type TarHeader } from './tar.js';
import { tarBuffer } from './tar-writer.js';

async function entries(buf: Buffer, chunk = 7): Promise<{ h: TarHeader; data: string }[]> {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let i = 0; i < buf.length; i += chunk) yield buf.subarray(i, i + chunk);
  }
  const out: { h: TarHeader; data: string }[] = [];
  for await (const e of readTar(chunks())) {
    let data = '';
    for await (const c of e.body) data += c.toString();
    out.push({ h: e.header, data });
  }
  return out;
}

test('reads names, long names, links, modes and times, in any chunking', async () => {
  const long = 'deep/'.repeat(40) + 'file.txt';
  const buf = tarBuffer([
    { name: 'etc/', type: 'directory', mode: 0o755, mtime: 1_700_000_000 },
    { name: 'etc/motd', data: 'hello\n', mode: 0o4755, uid: 1000, gid: 50, mtime: 1_700_000_001.5 },
    { name: long, data: 'x'.repeat(1000) },
    { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
    { name: 'bin/ash', type: 'link', linkname: 'bin/sh' },
    { name: 'dev/null', type: 'char', devmajor: 1, devminor: 3 },
  ]);
  for (const chunk of [3, 7, 512, 100_000]) {
    const got = await entries(buf, chunk);
    assert.deepEqual(
      got.map((e) => [e.h.name, e.h.type]),
      [
        ['etc/', 'directory'],
        ['etc/motd', 'file'],
        [long, 'file'],
        ['bin/sh', 'symlink'],
        ['bin/ash', 'link'],
        ['dev/null', 'char'],
      ],
    );
    const motd = got[1]!;
    assert.equal(motd.data, 'hello\n');
    assert.equal(motd.h.mode, 0o4755);
    assert.equal(motd.h.uid, 1000);
    assert.equal(motd.h.gid, 50);
    assert.equal(motd.h.mtime, 1_700_000_001.5);
    assert.equal(got[2]!.data.length, 1000);
    assert.equal(got[3]!.h.linkname, '/bin/busybox');
    assert.equal(got[5]!.h.devmajor, 1);
    assert.equal(got[5]!.h.devminor, 3);
  }
});

test('skips bodies the reader does not consume', async () => {
  const buf = tarBuffer([
    { name: 'a', data: 'A'.repeat(3000) },
    { name: 'b', data: 'B' },
  ]);
  const names: string[] = [];
  async function* one(): AsyncGenerator<Buffer> {
    yield buf;
  }
  for await (const e of readTar(one())) names.push(e.header.name);
  assert.deepEqual(names, ['a', 'b']);
});

test('refuses truncated archives, a missing end marker and bad checksums', async () => {
  const buf = tarBuffer([{ name: 'a', data: 'A'.repeat(3000) }]);
  await assert.rejects(entries(buf.subarray(0, 1000)), /unexpected end of archive/);
  await assert.rejects(entries(buf.subarray(0, 512 + 3072)), /no end-of-archive marker/);
  await assert.rejects(entries(buf.subarray(0, 300)), /truncated header/);
  const bad = Buffer.from(buf);
  bad[10] = 0x41;
  await assert.rejects(entries(bad), /checksum mismatch/);
  await assert.rejects(entries(Buffer.from('not a tar file at all'.repeat(40))), /checksum|octal/);
});

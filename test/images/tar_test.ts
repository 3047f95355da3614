import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readTar, writeTar, type TarEntry } from './tar.js';
import { FileTree, cleanPath } from './tree.js';

const longDir = 'a'.repeat(120);
const veryLong = `${'d'.repeat(60)}/${'e'.repeat(130)}/file-with-a-name-longer-than-the-ustar-name-field-allows-${'x'.repeat(60)}`;

const entries: TarEntry[] = [
  { path: 'bin', type: 'dir', mode: 0o755 },
  { path: 'bin/busybox', type: 'file', mode: 0o755, data: Buffer.from('#!/bin/sh\necho hi\n') },
  { path: 'bin/sh', type: 'symlink', mode: 0o777, linkname: 'busybox' },
  { path: 'tmp', type: 'dir', mode: 0o1777 },
  { path: `${longDir}/short`, type: 'file', mode: 0o644, data: Buffer.from('split into prefix') },
  { path: veryLong, type: 'file', mode: 0o600, data: Buffer.alloc(1000, 7) },
  { path: 'link', type: 'symlink', mode: 0o777, linkname: `/${'t'.repeat(150)}` },
  { path: 'ünïcode', type: 'file', mode: 0o644, data: Buffer.from('x') },
  {
    path: `${'ü'.repeat(70)}/${'é'.repeat(60)}`,
    type: 'file',
    mode: 0o644,
    data: Buffer.from('y'),
  },
];

test('writeTar output reads back entry for entry, long and non-ASCII names included', () => {
  const back = readTar(writeTar(entries));
  assert.deepEqual(
    back.map((e) => [e.path, e.type, e.mode, e.linkname, e.data?.toString('base64')]),
    entries.map((e) => [e.path, e.type, e.mode, e.linkname, e.data?.toString('base64')]),
  );
});

test('GNU tar extracts what writeTar wrote, with modes and links intact', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-tar-'));
  try {
    writeFileSync(join(dir, 'a.tar'), writeTar(entries));
    const r = spawnSync('tar', ['-xf', 'a.tar', '-C', '.', '--no-same-owner'], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'bin/busybox'), 'utf8'), '#!/bin/sh\necho hi\n');
    assert.equal(statSync(join(dir, 'bin/busybox')).mode & 0o7777, 0o755);
    assert.equal(statSync(join(dir, 'tmp')).mode & 0o7777, 0o1777);
    assert.equal(readlinkSync(join(dir, 'bin/sh')), 'busybox');
    assert.equal(readlinkSync(join(dir, 'link')), `/${'t'.repeat(150)}`);
    assert.equal(readFileSync(join(dir, veryLong)).length, 1000);
    assert.equal(readFileSync(join(dir, 'ünïcode'), 'utf8'), 'x');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readTar refuses a truncated archive and a corrupted header', () => {
  const tar = writeTar(entries);
  assert.throws(() => readTar(tar.subarray(0, 700)), /truncated/);
  const bad = Buffer.from(tar);
  bad[0] = 'z'.charCodeAt(0);
  assert.throws(() => readTar(bad), /checksum/);
});

test('FileTree orders a directory before its contents and creates parents', () => {
  const t = new FileTree();
  t.file('/usr/bin/env', Buffer.from(''));
  t.file('/usr-local', Buffer.from(''));
  t.symlink('/bin/sh', 'busybox');
  t.dir('/tmp', 0o1777);
  assert.deepEqual(
    t.entries().map((e) => e.path),
    ['bin', 'bin/sh', 'tmp', 'usr', 'usr/bin', 'usr/bin/env', 'usr-local'],
  );
  assert.ok(t.entries().every((e) => e.uid === 0 && e.gid === 0 && e.mtime === 0));
  assert.throws(() => t.file('/bin/sh/x', Buffer.from('')), /not a directory/);
  assert.throws(() => cleanPath('/a/../../etc'), /leaves the root/);
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ImageError } from './errors.js';
import { createImageService, type ImageService } from './service.js';
import { readTar } from './tar.js';
import {
  buildImage,
  dockerSaveArchive,
  ociLayoutArchive,
  tarBuffer,
  type BuiltImage,
  type TarWriteEntry,
} from '../../test/support/images.js';

const T = 1_600_000_000;
const isRoot = process.getuid?.() === 0;

const base: TarWriteEntry[] = [
  { name: './', type: 'directory' },
  { name: 'etc/', type: 'directory', mtime: T },
  { name: 'etc/motd', data: 'welcome\n', mtime: T + 1 },
  { name: 'etc/conf.d/', type: 'directory' },
  { name: 'etc/conf.d/a.conf', data: 'a=1\n' },
  { name: 'etc/conf.d/b.conf', data: 'b=1\n' },
  { name: 'bin/', type: 'directory' },
  { name: 'bin/busybox', data: '#!busybox\n', mode: 0o755, mtime: T + 2 },
  { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
  { name: 'bin/ash', type: 'link', linkname: 'bin/busybox' },
  { name: 'usr/lib/libc.so', data: 'libc' },
  { name: 'lib', type: 'symlink', linkname: '/usr/lib' },
  { name: 'dev/', type: 'directory' },
  { name: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 },
  { name: 'home/user/', type: 'directory', mode: 0o700, uid: 1000, gid: 1000 },
  { name: 'home/user/.profile', data: 'export PS1=$\n', uid: 1000, gid: 1000, mode: 0o600 },
  { name: 'tmp/', type: 'directory', mode: 0o1777 },
  { name: 'sbin/su', data: 'su', mode: 0o4755 },
  { name: 'var/cache/old-1', data: 'old' },
  { name: 'var/cache/old-2', data: 'old' },
];
const change: TarWriteEntry[] = [
  { name: 'etc/', type: 'directory', mtime: T },
  { name: 'etc/.wh.motd', data: '' },
  { name: 'etc/conf.d/b.conf', data: 'b=2\n' },
  { name: 'var/cache/', type: 'directory' },
  { name: 'var/cache/.wh..wh..opq', data: '' },
  { name: 'var/cache/new', data: 'new' },
];
const app: TarWriteEntry[] = [{ name: 'app/server.js', data: 'console.log("hi")\n', mode: 0o644 }];

const demoConfig = {
  Entrypoint: ['/bin/sh', '-c'],
  Cmd: ['node /app/server.js'],
  Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'APP=demo'],
  WorkingDir: '/app',
  User: '1000:1000',
  ExposedPorts: { '8080/tcp': {} },
  Labels: { team: 'skiff' },
};

function demo(name = 'demo:1.0'): BuiltImage {
  return buildImage({
    name,
    config: demoConfig,
    layers: [{ entries: base }, { entries: change }, { entries: app, gzip: false }],
  });
}

/** Every path under dir with its type, size and mode: what "the store as it was" means. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const st = lstatSync(p);
      out.push(`${p.slice(dir.length)} ${st.mode.toString(8)} ${st.isDirectory() ? '' : st.size}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

let work: string;
let svc: ImageService;
let seq = 0;

function file(buf: Buffer): string {
  const p = join(work, `archive-${seq++}.tar`);
  writeFileSync(p, buf);
  return p;
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'skiff-images-'));
  svc = createImageService({ dir: join(work, 'store') });
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('docker save archives', () => {
  let dirs: string[];

  test('import lists the image with its tags, ID, size and config', async () => {
    const img = demo();
    const imported = await svc.importArchive(file(dockerSaveArchive([img])));
    assert.equal(imported.length, 1);
    const [info] = await svc.listImages();
    assert.ok(info);
    assert.equal(info.id, img.configDigest);
    assert.deepEqual(info.repoTags, ['docker.io/library/demo:1.0']);
    assert.deepEqual(info.repoDigests, []);
    assert.deepEqual(info.config, demoConfig);
    assert.equal(info.layers.length, 3);
    assert.ok(info.size > 0);
    assert.equal((await svc.getImage('demo:1.0'))?.id, img.configDigest);
    assert.equal((await svc.getImage(img.configDigest.slice(7, 19)))?.id, img.configDigest);
    dirs = await svc.layerDirs(info);
    assert.equal(dirs.length, 3);
    assert.ok(dirs.every((d) => d.endsWith('/fs')));
  });

  test('the base layer keeps links, modes, owners and times; devices are skipped', () => {
    const l1 = dirs[0] as string;
    assert.equal(readlinkSync(join(l1, 'bin/sh')), 'busybox');
    assert.equal(readlinkSync(join(l1, 'lib')), '/usr/lib');
    assert.equal(statSync(join(l1, 'bin/ash')).ino, statSync(join(l1, 'bin/busybox')).ino);
    assert.equal(statSync(join(l1, 'bin/busybox')).mode & 0o7777, 0o755);
    assert.equal(statSync(join(l1, 'sbin/su')).mode & 0o7777, 0o4755);
    assert.equal(statSync(join(l1, 'tmp')).mode & 0o7777, 0o1777);
    assert.equal(statSync(join(l1, 'home/user')).mode & 0o7777, 0o700);
    assert.equal(statSync(join(l1, 'etc/motd')).mtimeMs, (T + 1) * 1000);
    assert.equal(statSync(join(l1, 'etc')).mtimeMs, T * 1000);
    assert.equal(statSync(join(l1, 'bin/busybox')).mtimeMs, (T + 2) * 1000);
    if (isRoot) {
      assert.equal(statSync(join(l1, 'home/user/.profile')).uid, 1000);
      assert.equal(statSync(join(l1, 'home/user')).gid, 1000);
    }
    assert.equal(existsSync(join(l1, 'dev/null')), false);
    const meta = JSON.parse(readFileSync(join(l1, '..', 'meta.json'), 'utf8')) as {
      notes: string[];
    };
    assert.ok(
      meta.notes.includes('skipped character device /dev/null (1:3)'),
      meta.notes.join('; '),
    );
  });

  test(
    'whiteouts and opaque directories become overlay whiteouts',
    { skip: !isRoot && 'needs root' },
    async () => {
      const l2 = dirs[1] as string;
      const motd = lstatSync(join(l2, 'etc/motd'));
      assert.ok(motd.isCharacterDevice());
      assert.equal(motd.rdev, 0);
      assert.equal(readFileSync(join(l2, 'etc/conf.d/b.conf'), 'utf8'), 'b=2\n');
      assert.equal(existsSync(join(l2, 'etc/.wh.motd')), false);
      assert.equal(existsSync(join(l2, 'var/cache/.wh..wh..opq')), false);
      // read the xattr back through GNU tar
      const r = spawnSync(
        'tar',
        ['--xattrs', '--xattrs-include=trusted.*', '-cf', '-', '-C', l2, 'var/cache'],
        {
          maxBuffer: 1 << 20,
        },
      );
      assert.equal(r.status, 0, String(r.stderr));
      let opaque: string | undefined;
      async function* one(): AsyncGenerator<Buffer> {
        yield r.stdout;
      }
      for await (const e of readTar(one()))
        if (e.header.name.replace(/\/$/, '') === 'var/cache')
          opaque = e.header.xattrs['trusted.overlay.opaque'];
      assert.equal(opaque, 'y');
      assert.equal(statSync(join(l2, 'etc')).mtimeMs, T * 1000);
    },
  );

  test(
    'an overlay of the layer directories is the image root filesystem',
    { skip: !isRoot && 'needs root' },
    async (t) => {
      const mnt = join(work, 'mnt');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(mnt);
      const lower = [...dirs].reverse().join(':');
      const m = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower}`, mnt]);
      if (m.status !== 0) return t.skip(`cannot mount overlayfs here: ${String(m.stderr).trim()}`);
      try {
        assert.equal(existsSync(join(mnt, 'etc/motd')), false);
        assert.deepEqual(readdirSync(join(mnt, 'var/cache')), ['new']);
        assert.equal(readFileSync(join(mnt, 'etc/conf.d/b.conf'), 'utf8'), 'b=2\n');
        assert.equal(readFileSync(join(mnt, 'etc/conf.d/a.conf'), 'utf8'), 'a=1\n');
        assert.equal(readlinkSync(join(mnt, 'bin/sh')), 'busybox');
        assert.equal(readFileSync(join(mnt, 'app/server.js'), 'utf8'), 'console.log("hi")\n');
      } finally {
        spawnSync('umount', [mnt]);
      }
    },
  );

  test('layers shared between images are unpacked once', async () => {
    const layerRoot = join(work, 'store/layers/sha256');
    const before = readdirSync(layerRoot).sort();
    const metaTime = (d: string): number => statSync(join(d, '..', 'meta.json')).mtimeMs;
    const t0 = metaTime(dirs[0] as string);
    const other = buildImage({
      name: 'other',
      layers: [
        { entries: base },
        { entries: [] },
        { entries: [{ name: 'x', data: 'x' }] },
        { entries: [] },
      ],
    });
    const [info] = await svc.importArchive(file(dockerSaveArchive([other])));
    assert.ok(info);
    const after = readdirSync(layerRoot).sort();
    assert.equal(after.length, before.length + 2); // the empty layer and "x"
    assert.equal(metaTime(dirs[0] as string), t0);
    const otherDirs = await svc.layerDirs(info);
    assert.equal(otherDirs[0], dirs[0]);
    // the repeated empty layer appears once, at its top position
    assert.equal(otherDirs.length, 3);
    assert.deepEqual(info.repoTags, ['docker.io/library/other:latest']);
  });

  test('re-tagging moves a name; the old image stays, untagged', async () => {
    const v2 = buildImage({ name: 'other', layers: [{ entries: [{ name: 'v2', data: '2' }] }] });
    const old = await svc.getImage('other');
    await svc.importArchive(file(dockerSaveArchive([v2])));
    assert.equal((await svc.getImage('other'))?.id, v2.configDigest);
    const stale = (await svc.listImages()).find((i) => i.id === old?.id);
    assert.ok(stale);
    assert.deepEqual(stale.repoTags, []);
    await svc.removeImage(stale.id);
    await svc.removeImage('other');
    assert.deepEqual(
      (await svc.listImages()).map((i) => i.repoTags),
      [['docker.io/library/demo:1.0']],
    );
  });
});

describe('OCI image layout archives', () => {
  test('several images, an index picked for linux/amd64, names from annotations', async () => {
    const a = buildImage({
      name: 'example.com/team/a:v1',
      layers: [{ entries: [{ name: 'a', data: 'a' }] }],
    });
    const amd = buildImage({ layers: [{ entries: [{ name: 'arch', data: 'amd64' }] }] });
    const arm = buildImage({
      layers: [{ entries: [{ name: 'arch', data: 'arm64' }] }],
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    });
    const unnamed = buildImage({ layers: [{ entries: [{ name: 'u', data: 'u' }] }] });
    const infos = await svc.importArchive(
      file(
        ociLayoutArchive([a, unnamed], {
          indexes: [{ name: 'example.com/multi:1', images: [amd, arm] }],
        }),
      ),
    );
    assert.equal(infos.length, 3);
    const multi = await svc.getImage('example.com/multi:1');
    assert.equal(multi?.id, amd.configDigest);
    assert.equal(multi?.architecture, 'amd64');
    assert.equal(multi?.repoDigests.length, 1);
    assert.match(multi?.repoDigests[0] ?? '', /^example\.com\/multi@sha256:/);
    const [dir] = await svc.layerDirs(multi!);
    assert.equal(readFileSync(join(dir!, 'arch'), 'utf8'), 'amd64');
    assert.deepEqual((await svc.getImage('example.com/team/a:v1'))?.repoDigests, [
      `example.com/team/a@${a.manifestDigest}`,
    ]);
    const u = (await svc.listImages()).find((i) => i.id === unnamed.configDigest);
    assert.deepEqual(u?.repoTags, []);
    // a gzipped archive imports the same
    await svc.importArchive(file(gzipSync(ociLayoutArchive([a]))));
  });
});

describe('bad archives are refused and leave the store as it was', () => {
  const layerArchive = (entries: TarWriteEntry[]): Buffer =>
    dockerSaveArchive([buildImage({ name: 'evil', layers: [{ entries }] })]);

  const cases: [string, () => Buffer, RegExp][] = [
    [
      'a "../" path',
      () => layerArchive([{ name: '../../escaped', data: 'x' }]),
      /refusing entry "..\/..\/escaped": the path escapes the layer root/,
    ],
    [
      'an absolute path',
      () => layerArchive([{ name: '/etc/evil', data: 'x' }]),
      /refusing entry "\/etc\/evil": absolute paths are not allowed/,
    ],
    [
      'a write through an absolute symlink',
      () =>
        layerArchive([
          { name: 'etc', type: 'symlink', linkname: '/etc' },
          { name: 'etc/evil', data: 'x' },
        ]),
      /refusing "etc\/evil": it is written through the symbolic link "etc" to the absolute path "\/etc"/,
    ],
    [
      'a write through a symlink climbing out',
      () =>
        layerArchive([
          { name: 'a/up', type: 'symlink', linkname: '../../..' },
          { name: 'a/up/tmp/evil', data: 'x' },
        ]),
      /refusing "a\/up\/tmp\/evil": it is reached through a symbolic link that points outside the layer root/,
    ],
    [
      'a hard link out',
      () => layerArchive([{ name: 'h', type: 'link', linkname: '../../../etc/passwd' }]),
      /escapes the layer root/,
    ],
    [
      'an archive member outside the archive',
      () => tarBuffer([{ name: '../manifest.json', data: '[]' }]),
      /archive member "..\/manifest.json" escapes the archive/,
    ],
    [
      'a truncated archive',
      () => dockerSaveArchive([demo('t')]).subarray(0, 3000),
      /unexpected end of archive/,
    ],
    [
      'a truncated gzip archive',
      () => gzipSync(dockerSaveArchive([demo('t')])).subarray(0, 500),
      /corrupt gzip data|unexpected end/,
    ],
    ['garbage', () => Buffer.from('hello world\n'.repeat(100)), /invalid tar header/],
    ['no images', () => tarBuffer([{ name: 'README', data: 'hi' }]), /neither manifest\.json/],
    [
      'a layer that does not match its diff ID',
      () => {
        const img = buildImage({ name: 'liar', layers: [{ entries: [{ name: 'a', data: 'a' }] }] });
        const other = buildImage({
          name: 'liar',
          layers: [{ entries: [{ name: 'b', data: 'b' }] }],
        });
        return dockerSaveArchive([{ ...img, layers: other.layers }]);
      },
      /does not match its diff ID/,
    ],
    [
      'a blob whose digest does not match',
      () => {
        const img = buildImage({ name: 'x', layers: [{ entries: [{ name: 'a', data: 'a' }] }] });
        const buf = ociLayoutArchive([img]);
        const i = buf.indexOf(img.config);
        const bad = Buffer.from(buf);
        bad[i + 2] = 0x20; // same size, other bytes
        return bad;
      },
      /digest mismatch: expected sha256:/,
    ],
    [
      'a layer missing from the archive',
      () => {
        const img = buildImage({ name: 'x', layers: [{ entries: [{ name: 'a', data: 'a' }] }] });
        return tarBuffer([
          {
            name: 'manifest.json',
            data: JSON.stringify([{ Config: 'c.json', RepoTags: ['x'], Layers: ['l/layer.tar'] }]),
          },
          { name: 'c.json', data: img.config },
        ]);
      },
      /layer "l\/layer.tar" is missing from the archive/,
    ],
    [
      'an invalid tag',
      () => dockerSaveArchive([demo('Bad:Name')]),
      /invalid image name "Bad:Name"/,
    ],
  ];

  for (const [what, make, message] of cases)
    test(what, async () => {
      const storeDir = join(work, 'store');
      const snap = snapshot(storeDir);
      const f = file(make());
      await assert.rejects(svc.importArchive(f), (e: unknown) => {
        assert.ok(e instanceof ImageError, String(e));
        assert.equal(e.reason, 'InvalidArchive');
        assert.match(e.message, message);
        assert.ok(e.message.startsWith(`cannot import "${f}": `), e.message);
        return true;
      });
      assert.deepEqual(snapshot(storeDir), snap);
      assert.equal(existsSync(join(work, 'escaped')), false);
      assert.equal(existsSync('/tmp/evil'), false);
    });

  test('a missing file', async () => {
    await assert.rejects(
      svc.importArchive(join(work, 'nope.tar')),
      /cannot import ".*nope\.tar": no such file/,
    );
  });
});

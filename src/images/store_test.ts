import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createImageService } from './service.js';
import { buildImage, dockerSaveArchive } from '../../test/support/images.js';

let work: string;
before(() => (work = mkdtempSync(join(tmpdir(), 'skiff-store-'))));
after(() => rmSync(work, { recursive: true, force: true }));

function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(String(r.stdout).trim());
}

test('a lock and staging areas left by a crashed process do not block or linger', async () => {
  const dir = join(work, 'store');
  mkdirSync(join(dir, 'tmp', `${deadPid()}-abc`, 'blobs'), { recursive: true });
  mkdirSync(join(dir, 'tmp', `${process.ppid}-live`), { recursive: true });
  writeFileSync(join(dir, 'index.lock'), String(deadPid()));
  const svc = createImageService({ dir });
  const archive = join(work, 'a.tar');
  writeFileSync(
    archive,
    dockerSaveArchive([
      buildImage({ name: 'a', layers: [{ entries: [{ name: 'a', data: 'a' }] }] }),
    ]),
  );
  await svc.importArchive(archive);
  assert.equal((await svc.listImages()).length, 1);
  assert.equal(existsSync(join(dir, 'index.lock')), false);
  await svc.garbageCollect();
  // only the staging area of a process that is still alive is kept
  assert.deepEqual(readdirSync(join(dir, 'tmp')), [`${process.ppid}-live`]);
});

test('concurrent imports into one store all land', async () => {
  const svc = createImageService({ dir: join(work, 'concurrent') });
  const files = Array.from({ length: 6 }, (_, i) => {
    const f = join(work, `c${i}.tar`);
    const shared = { entries: [{ name: 'base', data: 'shared base layer' }] };
    writeFileSync(
      f,
      dockerSaveArchive([
        buildImage({
          name: `img${i}`,
          layers: [shared, { entries: [{ name: 'n', data: String(i) }] }],
        }),
      ]),
    );
    return f;
  });
  await Promise.all(files.map((f) => svc.importArchive(f)));
  const images = await svc.listImages();
  assert.equal(images.length, 6);
  assert.equal(readdirSync(join(work, 'concurrent', 'layers', 'sha256')).length, 7);
  for (const img of images) assert.equal((await svc.layerDirs(img)).length, 2);
});

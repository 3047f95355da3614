import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  buildImage,
  dockerSaveArchive,
  startTestRegistry,
  type TestRegistry,
} from '../../test/support/images.js';
import { humanSize, imagesCommand } from './images.js';

let dir: string;
let reg: TestRegistry;

async function skiff(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await imagesCommand([...argv, '--data-dir', dir], {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const demo = buildImage({
  name: 'demo:1.0',
  layers: [{ entries: [{ name: 'hello', data: 'x'.repeat(5000) }] }],
});
const kubia = buildImage({
  layers: [
    { entries: [{ name: 'app.js', data: 'y'.repeat(200_000) }] },
    { entries: [{ name: 'etc/hostname', data: 'kubia' }] },
  ],
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-cli-images-'));
  reg = await startTestRegistry();
  reg.put('luksa/kubia', 'latest', kubia);
});
after(async () => {
  await reg.close();
  rmSync(dir, { recursive: true, force: true });
});

test('sizes print as crictl prints them', () => {
  assert.equal(humanSize(512), '512B');
  assert.equal(humanSize(72_800), '72.8kB');
  assert.equal(humanSize(4_350_000), '4.35MB');
  assert.equal(humanSize(123_400_000), '123MB');
  assert.equal(humanSize(1_000), '1kB');
});

test('import, ls, pull through a mirror, rm', async () => {
  const archive = join(dir, 'demo.tar');
  writeFileSync(archive, dockerSaveArchive([demo]));
  const imp = await skiff('import', archive);
  assert.equal(imp.code, 0, imp.err);
  assert.equal(imp.out, `Imported docker.io/library/demo:1.0 (${demo.configDigest})`);

  writeFileSync(
    join(dir, 'registries.yaml'),
    `mirrors:\n  docker.io:\n    endpoint:\n      - "${reg.url}"\n`,
  );
  const pull = await skiff('pull', 'luksa/kubia');
  assert.equal(pull.code, 0, pull.err);
  const lines = pull.out.split('\n');
  for (const l of kubia.layers) {
    const id = l.digest.slice(7, 19);
    assert.ok(lines.includes(`${id}: Pull complete`), pull.out);
    assert.ok(
      lines.some((x) => x.startsWith(`${id}: Downloading `)),
      pull.out,
    );
  }
  assert.equal(lines.at(-1), `Image is up to date for ${kubia.configDigest}`);

  const ls = await skiff('ls');
  assert.equal(ls.code, 0);
  // docker save layers are stored as the uncompressed tars they are; pulled ones as served
  const size = (img: typeof demo, unzip = false): number =>
    img.config.length +
    img.layers.reduce((n, l) => n + (unzip ? gunzipSync(l.blob) : l.blob).length, 0);
  const rows = ls.out.split('\n');
  assert.match(rows[0]!, /^REPOSITORY\s+TAG\s+IMAGE ID\s+SIZE$/);
  assert.match(
    rows[1]!,
    new RegExp(
      `^docker\\.io/library/demo\\s+1\\.0\\s+${demo.configDigest.slice(7, 20)}\\s+${humanSize(size(demo, true))}$`,
    ),
  );
  assert.match(
    rows[2]!,
    new RegExp(
      `^docker\\.io/luksa/kubia\\s+latest\\s+${kubia.configDigest.slice(7, 20)}\\s+${humanSize(size(kubia))}$`,
    ),
  );
  assert.equal(rows.length, 3);

  const q = await skiff('ls', '--quiet');
  assert.deepEqual(q.out.split('\n'), [demo.configDigest, kubia.configDigest]);

  const rm = await skiff('rm', 'demo:1.0');
  assert.equal(rm.code, 0, rm.err);
  assert.equal(rm.out, 'Deleted: docker.io/library/demo:1.0');
  const again = await skiff('rm', 'demo:1.0');
  assert.equal(again.code, 1);
  assert.equal(again.err, 'error: no such image "demo:1.0" present');
  assert.equal((await skiff('ls')).out.split('\n').length, 2);
});

test('errors: bad archives, bad references, unknown commands', async () => {
  const bad = join(dir, 'bad.tar');
  writeFileSync(bad, 'garbage'.repeat(200));
  const imp = await skiff('import', bad);
  assert.equal(imp.code, 1);
  assert.match(imp.err, /^error: cannot import ".*bad\.tar": invalid tar header/);
  const pull = await skiff('pull', 'Nginx');
  assert.equal(pull.code, 1);
  assert.equal(
    pull.err,
    'error: Failed to apply default image tag "Nginx": couldn\'t parse image name "Nginx": invalid reference format: repository name must be lowercase',
  );
  const missing = await skiff('pull', `${reg.host}/luksa/kubia:v9`);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /manifest unknown$/);
  const unknown = await skiff('frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown images command "frobnicate"/);
  const flag = await skiff('ls', '--nope=1');
  assert.equal(flag.code, 2);
  assert.match(flag.err, /unknown flag: --nope/);
});

// Against Debian's docker-registry (the CNCF distribution registry) on loopback: push with
// Skiff's own client, then pull through a docker.io mirror, as an offline node would.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createImageService } from './service.js';
import { buildImage, ociLayoutArchive } from '../../test/support/images.js';

const binary = spawnSync('sh', ['-c', 'command -v docker-registry'], {
  encoding: 'utf8',
}).stdout.trim();
const skip = binary ? false : 'docker-registry is not installed (apt-get install docker-registry)';

let work: string;
let registry: ChildProcess | undefined;
let port = 0;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'skiff-registry-'));
  port = await freePort();
  const config = join(work, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(work, 'data')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  registry = spawn(binary, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  registry.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/v2/`);
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (i > 100 || registry.exitCode !== null)
      throw new Error(`docker-registry did not start: ${stderr}`);
    await sleep(100);
  }
});

after(async () => {
  if (registry && registry.exitCode === null) {
    registry.kill('SIGTERM');
    await new Promise((r) => registry?.once('exit', r));
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

test(
  'push to docker-registry, then pull luksa/kubia through a docker.io mirror',
  { skip },
  async () => {
    const kubia = buildImage({
      name: 'luksa/kubia',
      config: { Entrypoint: ['node', 'app.js'], ExposedPorts: { '8080/tcp': {} } },
      layers: [
        { entries: [{ name: 'bin/node', data: '#!node', mode: 0o755 }] },
        {
          entries: [
            { name: 'app.js', data: 'hello' },
            { name: 'etc/.wh.motd', data: '' },
          ],
        },
      ],
    });
    const archive = join(work, 'kubia.tar');
    writeFileSync(archive, ociLayoutArchive([kubia]));
    const builder = createImageService({ dir: join(work, 'builder') });
    await builder.importArchive(archive);
    const pushed = await builder.pushImage('luksa/kubia', `127.0.0.1:${port}/luksa/kubia:latest`);
    assert.equal(pushed, kubia.manifestDigest);

    const node = createImageService({
      dir: join(work, 'node'),
      registries: { mirrors: { 'docker.io': { endpoint: [`http://127.0.0.1:${port}`] } } },
      disableDefaultEndpoint: true,
    });
    const progress: string[] = [];
    const info = await node.ensureImage('luksa/kubia', 'IfNotPresent', {
      onProgress: (p) => progress.push(`${p.layer} ${p.status}`),
    });
    assert.equal(info.id, kubia.configDigest);
    assert.deepEqual(info.repoTags, ['docker.io/luksa/kubia:latest']);
    assert.deepEqual(info.config.Entrypoint, ['node', 'app.js']);
    assert.ok(progress.includes(`${kubia.layers[1]!.digest} done`));
    const dirs = await node.layerDirs(info);
    assert.equal(readFileSync(join(dirs[1]!, 'app.js'), 'utf8'), 'hello');
    // the registry's own words come back for an unknown tag
    await assert.rejects(node.ensureImage('luksa/kubia:v9', 'IfNotPresent'), /manifest unknown/);
  },
);

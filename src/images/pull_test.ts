import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ImageError } from './errors.js';
import type { PullProgress } from './registry/pull.js';
import { createImageService, type ImageServiceOptions } from './service.js';
import {
  buildImage,
  startTestRegistry,
  tarBuffer,
  type TestRegistry,
} from '../../test/support/images.js';

let work: string;
let n = 0;
const service = (o: Partial<ImageServiceOptions> = {}) =>
  createImageService({ dir: join(work, `store-${n++}`), disableDefaultEndpoint: true, ...o });

function snapshot(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(`${p.slice(dir.length)} ${lstatSync(p).size}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

async function rejectsWith(
  p: Promise<unknown>,
  reason: string,
  message: RegExp | string,
): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ImageError, String(e));
    assert.equal(e.reason, reason);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

const app = buildImage({
  config: { Cmd: ['node', 'app.js'], ExposedPorts: { '8080/tcp': {} } },
  layers: [
    { entries: [{ name: 'bin/sh', data: '#!', mode: 0o755 }] },
    { entries: [{ name: 'app.js', data: 'console.log("You\'ve hit")' }] },
    { entries: [{ name: 'big', data: Buffer.alloc(300_000, 7) }] },
  ],
});
const amd = buildImage({ layers: [{ entries: [{ name: 'arch', data: 'amd64' }] }] });
const arm = buildImage({
  layers: [{ entries: [{ name: 'arch', data: 'arm64' }] }],
  platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
});

let reg: TestRegistry;
before(async () => {
  work = mkdtempSync(join(tmpdir(), 'skiff-pull-'));
  reg = await startTestRegistry({ redirectBlobs: true });
  reg.put('team/app', 'v1', app);
  reg.put('multi', 'latest', amd, arm);
  reg.put('luksa/kubia', 'latest', app);
  reg.put('mirrored/kubia', 'latest', app);
});
after(async () => {
  await reg.close();
  rmSync(work, { recursive: true, force: true });
});

describe('pulling', () => {
  test('by tag: progress per layer, tags and digests, layers unpacked; IfNotPresent then pulls nothing', async () => {
    const svc = service();
    const events: PullProgress[] = [];
    const ref = `${reg.host}/team/app:v1`;
    const info = await svc.ensureImage(ref, 'IfNotPresent', { onProgress: (p) => events.push(p) });
    assert.equal(info.id, app.configDigest);
    assert.deepEqual(info.repoTags, [ref]);
    assert.deepEqual(info.repoDigests, [`${reg.host}/team/app@${app.manifestDigest}`]);
    assert.deepEqual(info.config.Cmd, ['node', 'app.js']);
    for (const l of app.layers) {
      const mine = events.filter((e) => e.layer === l.digest);
      assert.equal(mine[0]?.status, 'downloading');
      assert.equal(mine.at(-1)?.status, 'done');
      assert.equal(mine.at(-1)?.downloaded, l.blob.length);
      assert.ok(mine.every((e) => e.count === 3 && e.size === l.blob.length));
    }
    const dirs = await svc.layerDirs(info);
    assert.equal(readFileSync(join(dirs[1]!, 'app.js'), 'utf8'), 'console.log("You\'ve hit")');
    assert.equal(readFileSync(join(dirs[2]!, 'big')).length, 300_000);

    const seen = reg.requests.length;
    assert.equal((await svc.ensureImage(ref, 'IfNotPresent')).id, app.configDigest);
    assert.equal((await svc.ensureImage(ref, 'Never')).id, app.configDigest);
    assert.equal(reg.requests.length, seen);
    // Always asks the registry again, but downloads no layer it already has
    const again: PullProgress[] = [];
    await svc.ensureImage(ref, 'Always', { onProgress: (p) => again.push(p) });
    const asked = reg.requests.slice(seen);
    assert.ok(asked.includes(`GET /v2/team/app/manifests/v1`), asked.join('\n'));
    assert.ok(!asked.some((r) => r.includes('/blobs/')), asked.join('\n'));
    assert.ok(again.every((e) => e.status === 'exists'));
  });

  test('a multi-arch index resolves to linux/amd64; pulls by digest work', async () => {
    const svc = service();
    const info = await svc.ensureImage(`${reg.host}/multi`, 'IfNotPresent');
    assert.equal(info.id, amd.configDigest);
    assert.equal(readFileSync(join((await svc.layerDirs(info))[0]!, 'arch'), 'utf8'), 'amd64');
    const indexDigest = info.repoDigests[0]?.split('@')[1];
    assert.ok(indexDigest && indexDigest !== amd.manifestDigest);
    const byDigest = await svc.ensureImage(`${reg.host}/multi@${indexDigest}`, 'Never');
    assert.equal(byDigest.id, amd.configDigest);
    const svc2 = service();
    const pulled = await svc2.ensureImage(
      `${reg.host}/team/app@${app.manifestDigest}`,
      'IfNotPresent',
    );
    assert.equal(pulled.id, app.configDigest);
    assert.deepEqual(pulled.repoTags, []);
    assert.deepEqual(pulled.repoDigests, [`${reg.host}/team/app@${app.manifestDigest}`]);
  });

  test('concurrent requests for one image share one pull', async () => {
    const svc = service();
    const seen = reg.requests.length;
    const infos = await Promise.all(
      Array.from({ length: 5 }, () => svc.ensureImage(`${reg.host}/team/app:v1`, 'IfNotPresent')),
    );
    assert.ok(infos.every((i) => i.id === app.configDigest));
    const manifestGets = reg.requests.slice(seen).filter((r) => r.includes('/manifests/'));
    assert.equal(manifestGets.length, 1);
  });

  test('Docker Hub names come from a mirror, as on an offline machine (registries.yaml)', async () => {
    // the default endpoint stays enabled: the mirror answers first, so it is never asked
    const svc = service({
      disableDefaultEndpoint: false,
      registries: { mirrors: { 'docker.io': { endpoint: [reg.url] } } },
    });
    const info = await svc.ensureImage('luksa/kubia', 'IfNotPresent');
    assert.deepEqual(info.repoTags, ['docker.io/luksa/kubia:latest']);
    assert.deepEqual(info.repoDigests, [`docker.io/luksa/kubia@${app.manifestDigest}`]);
    assert.ok(reg.requests.includes('GET /v2/luksa/kubia/manifests/latest'));
    const rewritten = service({
      registries: {
        mirrors: {
          'docker.io': { endpoint: [reg.url], rewrite: { '^luksa/(.*)$': 'mirrored/$1' } },
        },
      },
    });
    await rewritten.ensureImage('docker.io/luksa/kubia:latest', 'IfNotPresent');
    assert.ok(reg.requests.includes('GET /v2/mirrored/kubia/manifests/latest'));
  });

  test("mirrors are tried in order; the registry's answer is the error reported", async () => {
    const dead = await closedPort();
    const svc = service({
      registries: { mirrors: { 'docker.io': { endpoint: [`http://127.0.0.1:${dead}`, reg.url] } } },
    });
    assert.equal((await svc.ensureImage('luksa/kubia', 'IfNotPresent')).id, app.configDigest);
    await rejectsWith(
      svc.ensureImage('luksa/nope:v9', 'IfNotPresent'),
      'ErrImagePull',
      'Failed to pull image "luksa/nope:v9": failed to resolve reference "docker.io/luksa/nope:v9": manifest unknown',
    );
  });
});

describe('authentication', () => {
  test('anonymous bearer tokens', async () => {
    const r = await startTestRegistry({ auth: 'token' });
    try {
      r.put('app', 'v1', app);
      const info = await service().ensureImage(`${r.host}/app:v1`, 'IfNotPresent');
      assert.equal(info.id, app.configDigest);
      assert.ok(
        r.requests.some((q) =>
          q.startsWith('GET /token?service=test-registry&scope=repository%3Aapp%3Apull'),
        ),
      );
    } finally {
      await r.close();
    }
  });

  test('tokens for credentials from imagePullSecrets, matched by registry host', async () => {
    const r = await startTestRegistry({ auth: 'token', users: { alice: 's3cret' } });
    try {
      r.put('private/app', 'v1', app);
      const ref = `${r.host}/private/app:v1`;
      await rejectsWith(
        service().ensureImage(ref, 'IfNotPresent'),
        'ErrImagePull',
        /^Failed to pull image ".*": failed to resolve reference ".*": authorization failed: fetching an anonymous token from http:\/\/127\.0\.0\.1:\d+\/token: authentication required$/,
      );
      const wrong = {
        auths: { 'other.example.com': { auth: Buffer.from('alice:s3cret').toString('base64') } },
      };
      await rejectsWith(
        service().ensureImage(ref, 'IfNotPresent', { pullSecrets: [wrong] }),
        'ErrImagePull',
        /authentication required/,
      );
      const good = {
        auths: { [`http://${r.host}`]: { auth: Buffer.from('alice:s3cret').toString('base64') } },
      };
      const info = await service().ensureImage(ref, 'IfNotPresent', { pullSecrets: [wrong, good] });
      assert.equal(info.id, app.configDigest);
    } finally {
      await r.close();
    }
  });

  test('basic auth with credentials from registries.yaml configs', async () => {
    const r = await startTestRegistry({ auth: 'basic', users: { bob: 'pw' } });
    try {
      r.put('app', 'v1', app);
      const ref = `${r.host}/app:v1`;
      await rejectsWith(
        service().ensureImage(ref, 'IfNotPresent'),
        'ErrImagePull',
        /authentication required/,
      );
      const svc = service({
        registries: { configs: { [r.host]: { auth: { username: 'bob', password: 'pw' } } } },
      });
      assert.equal((await svc.ensureImage(ref, 'IfNotPresent')).id, app.configDigest);
    } finally {
      await r.close();
    }
  });
});

describe('TLS', () => {
  test('a self-signed mirror: refused, trusted through ca_file, or with insecure_skip_verify', async (t) => {
    const key = join(work, 'tls.key');
    const cert = join(work, 'tls.crt');
    const r0 = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    if (r0.status !== 0) return t.skip(`openssl cannot make a certificate: ${String(r0.stderr)}`);
    const r = await startTestRegistry({
      tls: { key: readFileSync(key), cert: readFileSync(cert) },
    });
    try {
      r.put('luksa/kubia', 'latest', app);
      const mirrors = { 'docker.io': { endpoint: [r.url] } };
      await rejectsWith(
        service({ registries: { mirrors } }).ensureImage('luksa/kubia', 'IfNotPresent'),
        'ErrImagePull',
        /self-signed certificate/,
      );
      const trusted = service({
        registries: { mirrors, configs: { [r.host]: { tls: { ca_file: cert } } } },
      });
      assert.equal((await trusted.ensureImage('luksa/kubia', 'IfNotPresent')).id, app.configDigest);
      const insecure = service({
        registries: { mirrors, configs: { [r.host]: { tls: { insecure_skip_verify: true } } } },
      });
      assert.equal(
        (await insecure.ensureImage('luksa/kubia', 'IfNotPresent')).id,
        app.configDigest,
      );
    } finally {
      await r.close();
    }
  });
});

describe('pull failures leave the store as it was', () => {
  test('policy Never without the image; invalid names', async () => {
    const svc = service();
    await rejectsWith(
      svc.ensureImage('luksa/kubia', 'Never'),
      'ErrImageNeverPull',
      'Container image "luksa/kubia" is not present with pull policy of Never',
    );
    await rejectsWith(
      svc.ensureImage('Nginx', 'IfNotPresent'),
      'InvalidImageName',
      'Failed to apply default image tag "Nginx": couldn\'t parse image name "Nginx": invalid reference format: repository name must be lowercase',
    );
  });

  test('unknown manifests, unreachable registries', async () => {
    const svc = service();
    await rejectsWith(
      svc.ensureImage(`${reg.host}/team/app:nope`, 'IfNotPresent'),
      'ErrImagePull',
      `Failed to pull image "${reg.host}/team/app:nope": failed to resolve reference "${reg.host}/team/app:nope": manifest unknown`,
    );
    const dead = await closedPort();
    await rejectsWith(
      svc.ensureImage(`127.0.0.1:${dead}/app:v1`, 'IfNotPresent'),
      'ErrImagePull',
      /failed to resolve reference "127\.0\.0\.1:\d+\/app:v1": GET http:\/\/127\.0\.0\.1:\d+\/v2\/app\/manifests\/v1: connect ECONNREFUSED/,
    );
  });

  test('a layer whose bytes do not match its digest', async () => {
    const r = await startTestRegistry();
    try {
      const img = buildImage({
        layers: [
          { entries: [{ name: 'ok', data: 'ok' }] },
          { entries: [{ name: 'b', data: 'b' }] },
        ],
      });
      r.put('app', 'v1', img);
      const good = img.layers[1]!;
      r.tamper(
        good.digest,
        Buffer.concat([good.blob.subarray(0, -1), Buffer.from([good.blob.at(-1)! ^ 1])]),
      );
      const svc = service();
      await svc.ensureImage(`${reg.host}/team/app:v1`, 'IfNotPresent');
      const snap = snapshot(svc.dir);
      await rejectsWith(
        svc.ensureImage(`${r.host}/app:v1`, 'IfNotPresent'),
        'ErrImagePull',
        new RegExp(
          `failed to pull and unpack image ".*": layer ${good.digest}: digest mismatch: expected ${good.digest}, got sha256:`,
        ),
      );
      assert.deepEqual(snapshot(svc.dir), snap);
    } finally {
      await r.close();
    }
  });

  test('a layer that escapes the root', async () => {
    const r = await startTestRegistry();
    try {
      const evil = buildImage({
        layers: [
          {
            entries: [
              { name: 'etc', type: 'symlink', linkname: '/etc' },
              { name: 'etc/cron.d/evil', data: '* * * * * root sh' },
            ],
          },
        ],
      });
      r.put('evil', 'v1', evil);
      const svc = service();
      await svc.ensureImage(`${reg.host}/team/app:v1`, 'IfNotPresent');
      const snap = snapshot(svc.dir);
      await rejectsWith(
        svc.ensureImage(`${r.host}/evil:v1`, 'IfNotPresent'),
        'ErrImagePull',
        /refusing "etc\/cron\.d\/evil": it is written through the symbolic link "etc" to the absolute path "\/etc"/,
      );
      assert.deepEqual(snapshot(svc.dir), snap);
      assert.equal(existsSync('/etc/cron.d/evil'), false);
    } finally {
      await r.close();
    }
  });

  test('a gzip layer that is not gzip inside', async () => {
    const r = await startTestRegistry();
    try {
      const img = buildImage({ layers: [{ entries: [{ name: 'a', data: 'a' }] }] });
      const bogus = Buffer.concat([
        gzipSync(tarBuffer([{ name: 'a', data: 'a' }])).subarray(0, 20),
      ]);
      const { sha256 } = await import('./digest.js');
      const layer = { ...img.layers[0]!, blob: bogus, digest: sha256(bogus) };
      const broken = buildImage({ layers: [] });
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: {
            mediaType: 'application/vnd.oci.image.config.v1+json',
            digest: img.configDigest,
            size: img.config.length,
          },
          layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: bogus.length }],
        }),
      );
      r.put('broken', 'v1', {
        ...broken,
        config: img.config,
        configDigest: img.configDigest,
        layers: [layer],
        manifest,
        manifestDigest: sha256(manifest),
      });
      await rejectsWith(
        service().ensureImage(`${r.host}/broken:v1`, 'IfNotPresent'),
        'ErrImagePull',
        /corrupt gzip data/,
      );
    } finally {
      await r.close();
    }
  });
});

describe('removal and garbage collection', () => {
  test('rm refuses an image in use, then removes it and its content', async () => {
    const svc = service();
    const info = await svc.ensureImage(`${reg.host}/team/app:v1`, 'IfNotPresent');
    await svc.ensureImage(`${reg.host}/multi`, 'IfNotPresent');
    await rejectsWith(
      svc.removeImage(`${reg.host}/team/app:v1`, { inUse: (i) => i.id === info.id }),
      'ImageInUse',
      /is in use by a container/,
    );
    const removed = await svc.removeImage(`${reg.host}/team/app:v1`, { inUse: () => false });
    assert.equal(removed.id, info.id);
    assert.deepEqual(
      (await svc.listImages()).map((i) => i.id),
      [amd.configDigest],
    );
    const blobs = readdirSync(join(svc.dir, 'blobs/sha256')).map((h) => `sha256:${h}`);
    for (const l of app.layers) assert.ok(!blobs.includes(l.digest));
    assert.equal(readdirSync(join(svc.dir, 'layers/sha256')).length, 1);
    await rejectsWith(
      svc.removeImage('team/app:v1'),
      'ImageNotFound',
      'no such image "team/app:v1" present',
    );
  });
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

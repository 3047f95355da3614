// Builds the test images and checks them as an importer and a runtime would: archive
// structure and digests, then the binaries running from the unpacked layers — servers only
// inside throwaway network (and pid) namespaces, reached on their loopback.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  buildImages,
  defaultCacheRoot,
  ensureTestImages,
  recipesFor,
  type TestImages,
} from './build.js';
import { sha256 } from './exec.js';
import { IMAGES } from './index.js';
import { resolveInputs } from './layer.js';
import { readTar } from './tar.js';

const isRoot = process.getuid?.() === 0;
const canNamespace = isRoot && spawnSync('unshare', ['-n', 'true']).status === 0;
const NEEDS_ROOT = 'needs root for chroot and network namespaces';

let images: TestImages;
const scratch = mkdtempSync(join(tmpdir(), 'skiff-images-test-'));

before(async () => {
  images = await ensureTestImages();
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function files(archive: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const e of readTar(readFileSync(archive))) if (e.type === 'file') out.set(e.path, e.data!);
  return out;
}

function json(data: Buffer | undefined, what: string): any {
  assert.ok(data, `${what} is missing`);
  return JSON.parse(data.toString('utf8'));
}

const DEFAULT_NAMES = [
  IMAGES.busybox,
  IMAGES.kubia,
  IMAGES.kubiaUnhealthy,
  IMAGES.nginx,
  IMAGES.dnsutils,
];

describe('OCI archives', () => {
  test('there is one for every default image, and a docker save archive too', () => {
    assert.deepEqual(Object.keys(images.archives).sort(), [...DEFAULT_NAMES].sort());
    assert.deepEqual(Object.keys(images.dockerArchives).sort(), [...DEFAULT_NAMES].sort());
  });

  for (const name of DEFAULT_NAMES) {
    test(`${name}: layout, index, manifest, config and layers agree with their digests`, () => {
      const f = files(images.archives[name]!);
      assert.deepEqual(json(f.get('oci-layout'), 'oci-layout'), { imageLayoutVersion: '1.0.0' });
      const index = json(f.get('index.json'), 'index.json');
      assert.equal(index.schemaVersion, 2);
      assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json');
      assert.equal(index.manifests.length, 1);
      const desc = index.manifests[0];
      assert.equal(desc.annotations['org.opencontainers.image.ref.name'], name);
      assert.deepEqual(desc.platform, { architecture: 'amd64', os: 'linux' });

      const blob = (d: { digest: string; size: number }): Buffer => {
        const data = f.get(`blobs/sha256/${d.digest.replace('sha256:', '')}`);
        assert.ok(data, `blob ${d.digest} is missing`);
        assert.equal(`sha256:${sha256(data)}`, d.digest, 'blob content matches its digest');
        assert.equal(data.length, d.size, `size of ${d.digest}`);
        return data;
      };
      const manifest = json(blob(desc), 'manifest');
      assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
      assert.equal(manifest.config.mediaType, 'application/vnd.oci.image.config.v1+json');
      const config = json(blob(manifest.config), 'config');
      assert.equal(config.architecture, 'amd64');
      assert.equal(config.os, 'linux');
      assert.equal(config.rootfs.type, 'layers');
      assert.equal(config.rootfs.diff_ids.length, manifest.layers.length);
      assert.equal(config.history.length, manifest.layers.length);
      manifest.layers.forEach(
        (l: { mediaType: string; digest: string; size: number }, i: number) => {
          assert.equal(l.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
          const tar = gunzipSync(blob(l));
          assert.equal(
            `sha256:${sha256(tar)}`,
            config.rootfs.diff_ids[i],
            'diff_id is the uncompressed digest',
          );
          assert.ok(readTar(tar).length > 0, 'layer is a readable tar');
        },
      );
      // Nothing in blobs/ that nothing refers to.
      const referenced = new Set([
        desc.digest,
        manifest.config.digest,
        ...manifest.layers.map((l: any) => l.digest),
      ]);
      const present = [...f.keys()]
        .filter((p) => p.startsWith('blobs/'))
        .map((p) => `sha256:${p.split('/')[2]}`);
      assert.deepEqual(present.sort(), [...referenced].sort());
      assert.equal(desc.digest, images.images[name]!.manifestDigest);
    });
  }

  test('the images run what Kubernetes in Action and the seeds expect', () => {
    const config = (name: string): any => {
      const f = files(images.archives[name]!);
      const index = json(f.get('index.json'), 'index');
      const manifest = json(
        f.get(`blobs/sha256/${index.manifests[0].digest.slice(7)}`),
        'manifest',
      );
      return json(f.get(`blobs/sha256/${manifest.config.digest.slice(7)}`), 'config').config;
    };
    assert.deepEqual(config(IMAGES.busybox).Cmd, ['sh']);
    assert.deepEqual(config(IMAGES.kubia).Entrypoint, ['/usr/local/bin/kubia']);
    assert.deepEqual(config(IMAGES.kubia).ExposedPorts, { '8080/tcp': {} });
    assert.ok(config(IMAGES.kubiaUnhealthy).Env.includes('KUBIA_FAIL_AFTER=5'));
    assert.deepEqual(config(IMAGES.nginx).Cmd, ['nginx', '-g', 'daemon off;']);
    assert.deepEqual(config(IMAGES.dnsutils).Cmd, ['sleep', 'infinity']);
    for (const name of DEFAULT_NAMES) assert.match(config(name).Env[0], /^PATH=.*\/bin/);
  });

  test('the all-images archive and the layout directory name every image', () => {
    const index = json(files(images.allArchive).get('index.json'), 'index.json');
    const names = index.manifests.map(
      (m: any) => m.annotations['org.opencontainers.image.ref.name'],
    );
    assert.deepEqual(names.sort(), [...DEFAULT_NAMES].sort());
    const layoutIndex = JSON.parse(readFileSync(join(images.layout, 'index.json'), 'utf8'));
    assert.deepEqual(layoutIndex, index);
    for (const m of index.manifests) {
      assert.ok(existsSync(join(images.layout, 'blobs/sha256', m.digest.slice(7))));
    }
  });

  test('images share the busybox layer blob', () => {
    const first = (name: string): string => images.images[name]!.layers[0]!.digest;
    for (const name of DEFAULT_NAMES) assert.equal(first(name), first(IMAGES.busybox));
  });
});

describe('docker save archives', () => {
  for (const name of [IMAGES.busybox, IMAGES.kubia]) {
    test(`${name}: manifest.json names the image, config and uncompressed layers`, () => {
      const f = files(images.dockerArchives[name]!);
      const [entry, ...rest] = json(f.get('manifest.json'), 'manifest.json');
      assert.equal(rest.length, 0);
      assert.deepEqual(entry.RepoTags, [name]);
      const config = f.get(entry.Config);
      assert.ok(config);
      assert.equal(`sha256:${sha256(config)}`, images.images[name]!.configDigest);
      const diffIds = JSON.parse(config.toString()).rootfs.diff_ids;
      assert.deepEqual(
        entry.Layers.map((p: string) => `sha256:${sha256(f.get(p)!)}`),
        diffIds,
      );
      const [repo, tag] = [
        name.slice(0, name.lastIndexOf(':')),
        name.slice(name.lastIndexOf(':') + 1),
      ];
      const repositories = json(f.get('repositories'), 'repositories');
      assert.equal(repositories[repo][tag], entry.Layers.at(-1).split('/')[0]);
    });
  }
});

test('the same inputs give the same digests', async () => {
  const recipes = recipesFor([IMAGES.busybox, IMAGES.nginx]);
  const inputs = await resolveInputs(
    [...new Set(recipes.flatMap((r) => r.layers))],
    defaultCacheRoot(),
  );
  const a = await buildImages(recipes, inputs, join(scratch, 'a'));
  const b = await buildImages(recipes, inputs, join(scratch, 'b'));
  for (const name of [IMAGES.busybox, IMAGES.nginx]) {
    assert.equal(a.images[name]!.manifestDigest, b.images[name]!.manifestDigest);
    assert.equal(a.images[name]!.manifestDigest, images.images[name]!.manifestDigest);
    assert.deepEqual(readFileSync(a.archives[name]!), readFileSync(b.archives[name]!));
    assert.deepEqual(readFileSync(a.dockerArchives[name]!), readFileSync(b.dockerArchives[name]!));
  }
});

test('a second ensureTestImages reuses the build', async () => {
  const again = await ensureTestImages();
  assert.equal(again.dir, images.dir);
});

test('unknown image names are refused with the list of known ones', () => {
  assert.throws(
    () => recipesFor(['skiff.test/nope:1']),
    /No test image is called "skiff.test\/nope:1"; known: .*skiff.test\/busybox:1/,
  );
});

// --- running what is inside ----------------------------------------------------------

/** Unpacks an image's layers, in order, with the system tar (an independent reader). */
function unpack(name: string): string {
  const root = mkdtempSync(join(scratch, 'rootfs-'));
  for (const l of images.images[name]!.layers) {
    const r = spawnSync('tar', [
      '-xzf',
      join(images.layout, 'blobs/sha256', l.digest.slice(7)),
      '-C',
      root,
    ]);
    assert.equal(r.status, 0, String(r.stderr));
  }
  return root;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a shell script in fresh network, pid and mount namespaces with lo up and the host's
 * /dev and a /proc mounted into $ROOT: every process it starts dies with it, its mounts
 * vanish with it, and nothing it does reaches beyond that loopback.
 */
function isolated(script: string, env: { ROOT: string }): Ran {
  const setup = [
    'ip link set lo up && mount --rbind /dev "$ROOT/dev" && mount -t proc proc "$ROOT/proc" || exit 8',
    // sh starts `cmd &` with SIGINT and SIGQUIT ignored; a container's processes start without.
    'BG="env --default-signal"',
  ].join('\n');
  // --kill-child: if the timeout kills unshare, the namespace's init and so all in it die too.
  const args = [
    '--net',
    '--pid',
    '--mount',
    '--kill-child',
    '--',
    'sh',
    '-c',
    `${setup}\n${script}`,
  ];
  const r = spawnSync('unshare', args, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Shell: wait until something listens on TCP port $1 (asked of ss, so no request is made). */
const WAIT_FOR_PORT = `wait_port() { i=0; while [ -z "$(ss -Hltn "sport = :$1")" ]; do i=$((i+1)); [ $i -gt 100 ] && return 1; sleep 0.05; done; }`;

describe('busybox', () => {
  let root: string;
  before(() => {
    root = unpack(IMAGES.busybox);
  });

  test('the static binary runs straight from the unpacked layer', () => {
    const r = spawnSync(join(root, 'bin/busybox'), ['echo', 'ok'], { encoding: 'utf8' });
    assert.equal(r.stdout, 'ok\n');
    assert.equal(statSync(join(root, 'bin/busybox')).mode & 0o777, 0o755);
  });

  test('applets, users and the usual directories are there', () => {
    for (const applet of [
      'bin/sh',
      'bin/ls',
      'bin/cat',
      'bin/echo',
      'bin/sleep',
      'usr/bin/wget',
      'usr/bin/nc',
      'usr/bin/nslookup',
      'usr/sbin/httpd',
      'bin/ping',
      'usr/bin/env',
      'bin/hostname',
      'bin/touch',
      'bin/ps',
    ]) {
      assert.ok(existsSync(join(root, applet)), `${applet} resolves to busybox`);
    }
    const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
    assert.match(passwd, /^root:x:0:0:/m);
    assert.match(passwd, /^nobody:x:65534:65534:/m);
    assert.match(readFileSync(join(root, 'etc/group'), 'utf8'), /^root:x:0:/m);
    assert.equal(statSync(join(root, 'tmp')).mode & 0o7777, 0o1777);
  });

  test(
    'the shell and the applets work inside the root filesystem',
    { skip: !isRoot && NEEDS_ROOT },
    () => {
      const r = spawnSync(
        'chroot',
        [
          root,
          '/bin/sh',
          '-c',
          'echo ok; ls /bin/sh; id -un; env | grep -c PATH; sleep 0.01 && echo slept',
        ],
        {
          encoding: 'utf8',
          env: { PATH: '/bin:/usr/bin:/sbin:/usr/sbin' },
        },
      );
      assert.equal(r.stdout, 'ok\n/bin/sh\nroot\n1\nslept\n', r.stderr);
    },
  );

  test(
    'nc and wget talk over loopback, names come from /etc/hosts',
    { skip: !canNamespace && NEEDS_ROOT },
    () => {
      writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost pod-a\n');
      const r = isolated(
        `chroot "$ROOT" sh -c 'echo hello-from-nc | nc -l -p 9000' &
       sleep 0.3
       chroot "$ROOT" nc 127.0.0.1 9000 </dev/null
       mkdir -p "$ROOT/www" && echo page > "$ROOT/www/index.html"
       chroot "$ROOT" httpd -p 8000 -h /www
       sleep 0.2
       chroot "$ROOT" wget -q -O - http://pod-a:8000/`,
        { ROOT: root },
      );
      assert.equal(r.stdout, 'hello-from-nc\npage\n', r.stderr);
    },
  );
});

describe('kubia', () => {
  let root: string;
  before(() => {
    root = unpack(IMAGES.kubia);
  });

  test(
    'answers every GET of a directory path with "You\'ve hit <hostname>" and logs it',
    { skip: !canNamespace && NEEDS_ROOT },
    () => {
      writeFileSync(join(root, 'etc/hostname'), 'kubia-7nog1\n');
      const r = isolated(
        `${WAIT_FOR_PORT}
       $BG chroot "$ROOT" /usr/local/bin/kubia > "$ROOT/log" 2>&1 &
       wait_port 8080 || exit 9
       curl -s http://127.0.0.1:8080/
       curl -s http://127.0.0.1:8080/some/path/
       chroot "$ROOT" curl -s http://localhost:8080/
       curl -s -o /dev/null -w '%{http_code}\\n' http://127.0.0.1:8080/
       cat "$ROOT/log"`,
        { ROOT: root },
      );
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n');
      assert.deepEqual(lines.slice(0, 4), [
        "You've hit kubia-7nog1",
        "You've hit kubia-7nog1",
        "You've hit kubia-7nog1",
        '200',
      ]);
      assert.equal(lines[4], 'Kubia server starting...');
      assert.match(r.stdout, /Received request from (::ffff:)?127\.0\.0\.1/);
    },
  );

  test(
    'without /etc/hostname the name comes from $HOSTNAME',
    { skip: !canNamespace && NEEDS_ROOT },
    () => {
      rmSync(join(root, 'etc/hostname'), { force: true });
      const r = isolated(
        `${WAIT_FOR_PORT}
       HOSTNAME=kubia-gzwli $BG chroot "$ROOT" /usr/local/bin/kubia >/dev/null 2>&1 &
       wait_port 8080 || exit 9
       curl -s http://127.0.0.1:8080/`,
        { ROOT: root },
      );
      assert.equal(r.stdout, "You've hit kubia-gzwli\n", r.stderr);
    },
  );

  test('stops at once on SIGTERM, with exit code 0', { skip: !canNamespace && NEEDS_ROOT }, () => {
    const r = isolated(
      `${WAIT_FOR_PORT}
       $BG chroot "$ROOT" /usr/local/bin/kubia >/dev/null 2>&1 &
       pid=$!
       wait_port 8080 || exit 9
       kill -TERM $pid
       wait $pid
       echo "exit=$?"
       curl -s http://127.0.0.1:8080/ || echo refused`,
      { ROOT: root },
    );
    assert.equal(r.stdout, 'exit=0\nrefused\n', r.stderr);
  });

  test(
    'the image has curl and a bash for `kubectl exec` as the book uses them',
    { skip: !isRoot && NEEDS_ROOT },
    () => {
      const r = spawnSync(
        'chroot',
        [root, '/bin/bash', '-c', 'curl --version | head -1; echo $((6*7))'],
        { encoding: 'utf8' },
      );
      assert.match(r.stdout, /^curl \d+\.\d+/);
      assert.match(r.stdout, /\n42\n$/);
    },
  );
});

describe('kubia:unhealthy', () => {
  test(
    'answers five requests, then 500 "I\'m not well"',
    { skip: !canNamespace && NEEDS_ROOT },
    () => {
      const root = unpack(IMAGES.kubiaUnhealthy);
      writeFileSync(join(root, 'etc/hostname'), 'kubia-liveness\n');
      const r = isolated(
        `${WAIT_FOR_PORT}
       $BG chroot "$ROOT" env KUBIA_FAIL_AFTER=5 /usr/local/bin/kubia >/dev/null 2>&1 &
       wait_port 8080 || exit 9
       for n in 1 2 3 4 5 6 7; do curl -s -w ' %{http_code}\\n' http://127.0.0.1:8080/; done`,
        { ROOT: root },
      );
      assert.match(
        r.stdout,
        /(You've hit kubia-liveness\n 200\n){5}I'm not well\. Please restart me! 500\nI'm not well\. Please restart me! 500\n$/,
      );
    },
  );
});

describe('nginx', () => {
  test(
    'serves "Welcome to nginx!" on :80 and stops on `nginx -s quit`',
    { skip: !canNamespace && NEEDS_ROOT },
    () => {
      const root = unpack(IMAGES.nginx);
      const r = isolated(
        `${WAIT_FOR_PORT}
       $BG chroot "$ROOT" nginx -g 'daemon off;' 2>"$ROOT/log" &
       pid=$!
       wait_port 80 || exit 9
       curl -s http://127.0.0.1/
       chroot "$ROOT" nginx -s quit
       wait $pid
       echo "exit=$?"`,
        { ROOT: root },
      );
      assert.match(r.stdout, /<h1>Welcome to nginx!<\/h1>/, r.stderr);
      assert.match(r.stdout, /exit=0\n$/);
      assert.equal(
        readFileSync(join(root, 'usr/share/nginx/html/index.html'), 'utf8').includes(
          'Welcome to nginx!',
        ),
        true,
      );
    },
  );
});

describe('dnsutils', () => {
  test('has nslookup and sleep infinity', { skip: !isRoot && NEEDS_ROOT }, () => {
    const root = unpack(IMAGES.dnsutils);
    const r = spawnSync(
      'chroot',
      [root, 'sh', '-c', 'nslookup 2>&1 | head -1; timeout 1 sleep infinity; echo "sleep=$?"'],
      {
        encoding: 'utf8',
        env: { PATH: '/bin:/usr/bin:/sbin:/usr/sbin' },
      },
    );
    assert.match(r.stdout, /BusyBox/);
    assert.match(r.stdout, /sleep=143\n$/);
  });
});

describe('kubia-node (opt-in: SKIFF_TEST_NODE_IMAGE=1)', () => {
  const skip = !process.env.SKIFF_TEST_NODE_IMAGE
    ? 'set SKIFF_TEST_NODE_IMAGE=1 to build the 40 MB Node.js image'
    : !canNamespace && NEEDS_ROOT;
  test(
    'node from this machine runs app.js and answers any path',
    { skip, timeout: 120_000 },
    async () => {
      const node = await ensureTestImages({ images: [IMAGES.kubiaNode] });
      const root = mkdtempSync(join(scratch, 'rootfs-'));
      for (const l of node.images[IMAGES.kubiaNode]!.layers) {
        const r = spawnSync('tar', [
          '-xzf',
          join(node.layout, 'blobs/sha256', l.digest.slice(7)),
          '-C',
          root,
        ]);
        assert.equal(r.status, 0, String(r.stderr));
      }
      writeFileSync(join(root, 'etc/hostname'), 'ignored-node-uses-uname\n');
      const r = isolated(
        `${WAIT_FOR_PORT}
       $BG chroot "$ROOT" env -i HOSTNAME=x node /app.js > "$ROOT/log" 2>&1 &
       pid=$!
       wait_port 8080 || exit 9
       curl -s http://127.0.0.1:8080/any/path
       kill -TERM $pid; wait $pid; echo "exit=$?"
       cat "$ROOT/log"`,
        { ROOT: root },
      );
      assert.equal(
        r.stdout,
        `You've hit ${hostname()}\nexit=0\nKubia server starting...\nReceived request from ::ffff:127.0.0.1\n`,
        r.stderr,
      );
    },
  );
});

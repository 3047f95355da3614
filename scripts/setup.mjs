// One set-up for `npm start` and `npm test` on a fresh machine: npm packages, the Debian
// packages Skiff and its tests use (installed when running as root), and the build.
// Each step is skipped when already done, so a warm start costs little.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (s) => process.stderr.write(`[setup] ${s}\n`);

// Debian packages: the tools Skiff drives and the real clients its tests use.
const DEBIAN_PACKAGES = [
  'openssl',
  'curl',
  'iproute2',
  'nftables',
  'conntrack',
  'runc',
  'conmon',
  'busybox-static',
  'docker-registry',
  'dnsutils',
  // SCTP through a cluster IP, in the nftables namespace test (where the kernel has SCTP).
  'socat',
  'dnsperf',
  'unbound',
  // The ingress data plane (its Lua module serves endpoint and certificate changes without
  // a reload), and the benchmark's load generator.
  'nginx-light',
  'libnginx-mod-http-lua',
  'wrk',
  // The ingress end-to-end test loads a page through the ingress in headless Chromium.
  'chromium',
];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) {
    say(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function npmPackages() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  say('installing npm packages…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function debianPackages() {
  const missing = DEBIAN_PACKAGES.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return !(r.stdout ?? '').includes('install ok installed');
  });
  if (!missing.length) return;
  if (process.getuid?.() !== 0) {
    say(
      `missing Debian packages: ${missing.join(' ')} (run as root to install them, or: sudo apt-get install ${missing.join(' ')})`,
    );
    return;
  }
  say(`installing Debian packages: ${missing.join(' ')}…`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

// The shipped build (tsconfig.build.json): src/ without its tests, into dist/src. Tests run
// from their sources; `npm run check` type-checks everything through tsconfig.json.
function build() {
  const info = join(root, 'dist', '.tsbuildinfo-build');
  const built = existsSync(info) ? statSync(info).mtimeMs : 0;
  const sources = Math.max(
    newest(join(root, 'src')),
    statSync(join(root, 'tsconfig.json')).mtimeMs,
    statSync(join(root, 'tsconfig.build.json')).mtimeMs,
  );
  if (built >= sources) return;
  say('building…');
  run(process.execPath, [
    join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    'tsconfig.build.json',
  ]);
}

// The dashboard's web app (src/dashboard/web), bundled by esbuild into dist/dashboard.
function buildDashboard() {
  const stamp = join(root, 'dist', 'dashboard', 'sizes.json');
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  const sources = Math.max(
    newest(join(root, 'src', 'dashboard', 'web')),
    statSync(join(root, 'scripts', 'build-dashboard.mjs')).mtimeMs,
    statSync(join(root, 'package-lock.json')).mtimeMs,
  );
  if (built >= sources) return;
  say('building the dashboard…');
  run(process.execPath, [join(root, 'scripts', 'build-dashboard.mjs')]);
}

npmPackages();
debianPackages();
build();
buildDashboard();

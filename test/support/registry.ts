// A real image registry (Debian's docker-registry, the CNCF distribution server) for
// end-to-end tests: it listens on loopback inside a test's network namespace, and images
// are pushed to it with Skiff's own registry client from inside that namespace.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const binary = (): string =>
  spawnSync('sh', ['-c', 'command -v docker-registry'], { encoding: 'utf8' }).stdout.trim();

export const registrySkipReason = (): string | undefined =>
  binary() ? undefined : 'docker-registry is not installed (apt-get install docker-registry)';

export interface LocalRegistry {
  /** host:port, reachable inside the namespace. */
  address: string;
  /**
   * Imports each archive and pushes `source` (an image reference in it) as `target`
   * (e.g. `luksa/kubia:latest`, stored under the registry's own name).
   */
  push(images: { archive: string; source: string; target: string }[]): void;
  stop(): void;
}

export async function startLocalRegistry(netns: string, port = 5000): Promise<LocalRegistry> {
  const work = mkdtempSync(join(tmpdir(), 'skiff-e2e-registry-'));
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
  const child: ChildProcess = spawn(
    'nsenter',
    [`--net=${netns}`, '--', binary(), 'serve', config],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const address = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const probe = spawnSync(
      'nsenter',
      [
        `--net=${netns}`,
        '--',
        'curl',
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        `http://${address}/v2/`,
      ],
      { encoding: 'utf8' },
    );
    if (probe.stdout === '200') break;
    if (i > 100 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    address,
    push(images) {
      const r = spawnSync(
        'nsenter',
        [
          `--net=${netns}`,
          '--',
          process.execPath,
          '--import',
          'tsx',
          join(import.meta.dirname, 'push-images.ts'),
          join(work, 'store'),
          JSON.stringify(images.map((i) => ({ ...i, target: `${address}/${i.target}` }))),
        ],
        { encoding: 'utf8', timeout: 120_000 },
      );
      if (r.status !== 0) throw new Error(`push failed: ${r.stdout}${r.stderr}`);
    },
    stop() {
      child.kill('SIGKILL');
      rmSync(work, { recursive: true, force: true });
    },
  };
}

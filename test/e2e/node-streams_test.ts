// End-to-end with the node agent: kubectl's streams into real containers. exec (with stdin,
// with a terminal and its size), attach, `run -i --rm`, `run -it` on a terminal, and
// port-forward. Runs in the cluster's own network namespace (harness.ts).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  hasKubectl,
  VERSIONS,
  kubectlPath,
  nodeSkipReason,
  ok,
  parseTable,
  startNodeCluster,
  type TestCluster,
  until,
} from './harness.js';

const KUBECTL = 33;
const skip = !hasKubectl(KUBECTL) ? 'kubectl 1.33 is not installed' : (nodeSkipReason() ?? false);

describe('kubectl streams into real containers', { skip }, () => {
  let c: TestCluster;
  const kubectl = (args: string[], input?: string) =>
    c.kubectl(KUBECTL, args, input === undefined ? {} : { input });
  const running = (name: string) =>
    until(`${name} Running`, async () =>
      parseTable(ok(await kubectl(['get', 'pod', name])))[0]?.['STATUS'] === 'Running'
        ? true
        : undefined,
    );
  /** kubectl on a terminal of the given size (util-linux `script` makes the terminal). */
  const onTerminal = (args: string, input = '') =>
    c.exec(
      'script',
      [
        '-qec',
        `stty cols 97 rows 29; ${kubectlPath(KUBECTL)} --kubeconfig ${c.kubeconfig} ${args}`,
        '/dev/null',
      ],
      { input },
    );

  before(async () => {
    const images = await ensureTestImages({ images: [IMAGES.busybox] });
    c = startNodeCluster({ images: [images.archives[IMAGES.busybox]!] });
    ok(
      await kubectl([
        'run',
        'shell',
        `--image=${IMAGES.busybox}`,
        '--',
        'sh',
        '-c',
        'while true; do echo tick; sleep 0.5; done',
      ]),
    );
    await running('shell');
  });

  after(() => c?.stop());

  test('exec: stdout, stderr, stdin and the exit code', async () => {
    const r = await kubectl(['exec', 'shell', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.deepEqual([r.code, r.stdout], [7, 'out\n']);
    assert.match(r.stderr, /^err\ncommand terminated with exit code 7\n$/);
    const cat = await kubectl(['exec', '-i', 'shell', '--', 'wc', '-c'], 'x'.repeat(100_000));
    assert.equal(ok(cat).trim(), '100000');
    const missing = await kubectl(['exec', 'shell', '--', 'no-such-command']);
    assert.notEqual(missing.code, 0);
  });

  test('exec without -i: the command reads an empty input and returns', async () => {
    const r = await kubectl(['exec', 'shell', '--', 'sh', '-c', 'cat; echo read all'], 'unsent');
    assert.equal(ok(r), 'read all\n');
    // The command's own arguments, however they look, are not the runtime's options.
    const args = ['--pid-file', '/x y', '-t'];
    const echoed = await kubectl(['exec', 'shell', '--', 'sh', '-c', 'echo "$0|$1|$2"', ...args]);
    assert.equal(ok(echoed), '--pid-file|/x y|-t\n');
  });

  test('exec -it: a terminal of the client size', async () => {
    const r = await onTerminal(`exec -it shell -- sh -c 'tty; stty size'`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // (script echoes its end of input as NULs, wherever they fall among the output's lines)
    // (and a loaded machine may show the terminal's CR twice)
    assert.match(r.stdout, /^(\^@)*\/dev\/pts\/\d+\r+\n(\^@)*29 97\r+\n(\^@)*$/);
  });

  test('attach streams what the container prints from now on', async () => {
    // attach runs until stopped: stop it once output came.
    const bg = c.background(KUBECTL, ['attach', 'shell']);
    try {
      await bg.waitFor(/tick\ntick\n/, 10_000);
    } finally {
      await bg.stop();
    }
  });

  test('run -i --rm: stdin reaches the container, the pod is removed after', async () => {
    const r = await kubectl(
      [
        'run',
        '-i',
        '--rm',
        'once',
        `--image=${IMAGES.busybox}`,
        '--restart=Never',
        '--',
        'sh',
        '-c',
        'read line; echo "got $line"',
      ],
      'hello\n',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'got hello\npod "once" deleted\n');
    assert.match((await kubectl(['get', 'pod', 'once'])).stderr, /pods "once" not found/);
  });

  test('run -it on a terminal: an interactive shell', async () => {
    // kubectl attach sends its size plus one, then its size (so that a re-attached program
    // redraws), on a stream of their own beside the input, as to a kubelet: the shell may read
    // its first line between the two. What holds is that the terminal ends at the client's
    // size, so the shell asks until it is (5 s at most; a wrong size is printed then).
    const r = await onTerminal(
      `run -it --rm tty --image=${IMAGES.busybox} --restart=Never -- sh`,
      'for i in $(seq 50); do [ "$(stty size)" = "29 97" ] && break; sleep 0.1; done; ' +
        'stty size; echo "in $(hostname)"; exit\n',
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /29 97\r\n/);
    assert.match(r.stdout, /in tty\r\n/);
    assert.match(r.stdout, /pod "tty" deleted/);
  });

  let served = false;
  const serve = async () => {
    if (served) return;
    served = true;
    // 24 MiB from busybox httpd, with a length and (from a CGI) ended by closing the
    // connection; and a server that speaks first (as SSH or SMTP do).
    ok(
      await kubectl([
        'run',
        'serve',
        `--image=${IMAGES.busybox}`,
        '--',
        'sh',
        '-c',
        'mkdir -p /www/cgi-bin && dd if=/dev/zero of=/www/big bs=1M count=24 2>/dev/null && ' +
          `printf '#!/bin/sh\\necho\\ncat /www/big\\n' > /www/cgi-bin/big && chmod +x /www/cgi-bin/big && ` +
          'httpd -p 8000 -h /www && while true; do echo greeting | nc -l -p 9001; done',
      ]),
    );
    await running('serve');
  };

  for (const minor of VERSIONS.filter(hasKubectl))
    test(`kubectl 1.${minor} port-forward: a server greeting first, a large body to its last byte`, async () => {
      await serve();
      const pf = c.background(minor, ['port-forward', 'pod/serve', ':8000', ':9001']);
      try {
        await pf.waitFor(/-> 8000\n[^]*-> 9001\n|-> 9001\n[^]*-> 8000\n/, 20_000);
        const local = (remote: number): string =>
          [...pf.stdout.matchAll(/127\.0\.0\.1:(\d+) -> (\d+)/g)].find(
            (m) => Number(m[2]) === remote,
          )?.[1] ?? '';
        // httpd may need a moment after the container starts.
        const download = (path: string) =>
          until(`${path} through port-forward`, async () => {
            const r = await c.exec('curl', [
              '-s',
              '-m',
              '30',
              '-o',
              '/dev/null',
              '-w',
              '%{size_download}',
              `http://127.0.0.1:${local(8000)}${path}`,
            ]);
            return r.code === 0 ? r.stdout : undefined;
          });
        assert.equal(await download('/big'), String(24 * 1024 * 1024));
        assert.equal(await download('/cgi-bin/big'), String(24 * 1024 * 1024));
        const greeting = await c.exec(process.execPath, [
          '-e',
          `const s = require('node:net').connect(${local(9001)}, '127.0.0.1');
         let got = ''; s.on('data', (d) => { got += d; if (got.includes('\\n')) { process.stdout.write(got); s.destroy(); } });
         setTimeout(() => process.exit(2), 10000).unref();`,
        ]);
        assert.equal(greeting.stdout, 'greeting\n', greeting.stderr);
      } finally {
        await pf.stop();
      }
    });
});

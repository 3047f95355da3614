// The real kubectl (1.27: SPDY; 1.30: WebSocket exec, SPDY port-forward; 1.33: WebSocket exec
// and SPDY-in-WebSocket port-forward) against the streaming server, with a backend that runs
// commands on this host and forwards to a loopback echo server.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  createHostBackend,
  hasKubectl,
  kubectlPath,
  logTimestamp,
  startStreamingTestServer,
  type HostBackend,
  type StreamingTestServer,
  type UpgradeSeen,
} from '../../../test/support/apiserver-streaming.js';

const VERSIONS = [27, 30, 33].filter(hasKubectl);
const LOG = ['first line', 'second line', 'third line', 'fourth line'];

let echo: Server;
let s: StreamingTestServer;
let backend: HostBackend;

before(async () => {
  echo = createServer((c) => {
    c.on('error', () => {});
    c.pipe(c);
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  backend = createHostBackend({
    logLines: LOG,
    followDelayMs: 100,
    ports: { 80: (echo.address() as AddressInfo).port },
  });
  s = await startStreamingTestServer(backend, {
    tokens: { 'alice-token': { name: 'alice', groups: [] } },
    authorizers: [
      {
        // alice may read pods (kubectl does before exec) but not exec into them.
        authorize: (a) =>
          a.user.name === 'alice' && a.resource === 'pods' && !a.subresource && a.verb === 'get'
            ? { decision: 'allow' }
            : { decision: 'noOpinion' },
      },
    ],
  });
  await s.createPod('web');
  await s.createPod('pending', {
    phase: 'Pending',
    state: { waiting: { reason: 'ContainerCreating' } },
  });
});
after(async () => {
  await s?.close();
  echo?.close();
});

/** Upgrades seen while `fn` ran. */
async function upgradesDuring<T>(fn: () => Promise<T>): Promise<[T, UpgradeSeen[]]> {
  const start = s.upgrades.length;
  const out = await fn();
  return [out, s.upgrades.slice(start)];
}

const kinds = (us: UpgradeSeen[]): string[] =>
  us.map(
    (u) =>
      `${u.method} ${u.path.split('/').pop()} ${u.upgrade.toLowerCase()} ${u.protocols.split(',')[0]}`,
  );

/** Connects to a local port, sends `data`, and reads until the other side ends. */
function exchange(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let got = 0;
    c.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= data.length) c.end();
    });
    c.on('error', reject);
    c.on('close', () => resolve(Buffer.concat(chunks)));
    c.write(data);
  });
}

for (const minor of VERSIONS) {
  const ws = minor >= 30;
  describe(`kubectl 1.${minor}`, () => {
    it('exec prints the output and exits with the command’s exit code', async () => {
      const [r, ups] = await upgradesDuring(() =>
        s.kubectl(minor, ['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']),
      );
      assert.equal(r.stdout, 'out\n');
      assert.equal(r.stderr, 'err\ncommand terminated with exit code 3\n');
      assert.equal(r.code, 3);
      assert.deepEqual(
        kinds(ups),
        ws ? ['GET exec websocket v5.channel.k8s.io'] : ['POST exec spdy/3.1 v4.channel.k8s.io'],
      );
      const ok = await s.kubectl(minor, ['exec', 'web', '--', 'echo', 'hi']);
      assert.deepEqual([ok.code, ok.stdout, ok.stderr], [0, 'hi\n', '']);
      assert.deepEqual(backend.execs.at(-1)?.command, ['echo', 'hi']);
      assert.equal(backend.execs.at(-1)?.container, 'app');
    });

    it('exec -i passes stdin through, large amounts too, and ends it', async () => {
      const r = await s.kubectl(minor, ['exec', '-i', 'web', '--', 'cat'], { input: 'abc\n' });
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'abc\n', '']);
      const big = 'x'.repeat(3_000_000);
      const wc = await s.kubectl(minor, ['exec', '-i', 'web', '--', 'wc', '-c'], { input: big });
      assert.equal(wc.stdout.trim(), '3000000');
      const out = await s.kubectl(minor, [
        'exec',
        'web',
        '--',
        'head',
        '-c',
        '2500000',
        '/dev/zero',
      ]);
      assert.equal(out.stdout.length, 2_500_000);
    });

    it('exec -it runs the command on a terminal and sends the terminal size', async () => {
      backend.resizes.length = 0;
      const cache = `${s.kubeconfig}-tty-cache-${minor}`;
      const inner = `stty cols 101 rows 31; ${kubectlPath(minor)} --kubeconfig ${s.kubeconfig} --cache-dir ${cache} exec -it web -- sh -c 'tty; echo done'`;
      const child = spawn('script', ['-qec', inner, '/dev/null'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const [code] = (await once(child, 'close')) as [number];
      assert.equal(code, 0, out);
      assert.match(out, /^\/dev\/pts\/\d+\r\ndone\r\n$/);
      assert.equal(backend.execs.at(-1)?.tty, true);
      assert.equal(backend.execs.at(-1)?.stderr, false);
      assert.deepEqual(backend.resizes[0], { width: 101, height: 31 });
    });

    it('exec falls back to SPDY when told to, or when the WebSocket upgrade is refused', async () => {
      if (!ws) return;
      const [r, ups] = await upgradesDuring(() =>
        s.kubectl(minor, ['exec', 'web', '--', 'echo', 'spdy'], {
          env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' },
        }),
      );
      assert.equal(r.stdout, 'spdy\n');
      assert.deepEqual(kinds(ups), ['POST exec spdy/3.1 v5.channel.k8s.io']);
      // A refused WebSocket (here: alice may not exec) is retried over SPDY, as kubectl does.
      const [denied, tries] = await upgradesDuring(() =>
        s.kubectl(minor, ['exec', 'web', '--', 'true'], {
          kubeconfig: s.tokenKubeconfig('alice-token'),
        }),
      );
      assert.deepEqual(kinds(tries), [
        'GET exec websocket v5.channel.k8s.io',
        'POST exec spdy/3.1 v5.channel.k8s.io',
      ]);
      assert.equal(
        denied.stderr,
        'Error from server (Forbidden): pods "web" is forbidden: User "alice" cannot create resource "pods/exec" in API group "" in the namespace "default"\n',
      );
    });

    it('exec reports what stands in the way', async () => {
      const pending = await s.kubectl(minor, ['exec', 'pending', '--', 'true']);
      assert.equal(pending.code, 1);
      assert.equal(
        pending.stderr,
        'error: unable to upgrade connection: container not found ("app")\n',
      );
      const wrong = await s.kubectl(minor, ['exec', 'web', '-c', 'nope', '--', 'true']);
      assert.equal(
        wrong.stderr,
        'Error from server (BadRequest): container nope is not valid for pod web\n',
      );
      const missing = await s.kubectl(minor, ['exec', 'web', '--', 'no-such-command-here']);
      assert.match(
        missing.stderr,
        /^error: Internal error occurred: error executing command in container: spawn no-such-command-here ENOENT\n$/,
      );
    });

    it('attach shows the output, and attach -i sends input', async () => {
      const [r, ups] = await upgradesDuring(() => s.kubectl(minor, ['attach', 'web']));
      assert.equal(r.code, 0);
      assert.equal(r.stdout, 'attached to app\nbye\n');
      assert.deepEqual(
        kinds(ups),
        ws
          ? ['GET attach websocket v5.channel.k8s.io']
          : ['POST attach spdy/3.1 v4.channel.k8s.io'],
      );
      const i = await s.kubectl(minor, ['attach', '-i', 'web'], { input: 'hello\n' });
      assert.equal(i.stdout, 'attached to app\nHELLO\nbye\n');
      assert.deepEqual(backend.attaches.at(-1)?.command, []);
    });

    const pfModes: [string, Record<string, string>, string][] =
      minor === 27
        ? [['default (SPDY)', {}, 'POST portforward spdy/3.1 portforward.k8s.io']]
        : minor === 30
          ? [
              ['default (SPDY)', {}, 'POST portforward spdy/3.1 portforward.k8s.io'],
              [
                'tunnel (opt-in)',
                { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'true' },
                'GET portforward websocket SPDY/3.1+portforward.k8s.io',
              ],
            ]
          : [
              ['default (tunnel)', {}, 'GET portforward websocket SPDY/3.1+portforward.k8s.io'],
              [
                'SPDY (opt-out)',
                { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' },
                'POST portforward spdy/3.1 portforward.k8s.io',
              ],
            ];
    for (const [mode, env, expected] of pfModes) {
      it(`port-forward, ${mode}, carries bytes both ways, connection after connection`, async () => {
        const start = s.upgrades.length;
        const bg = s.background(minor, ['port-forward', 'pod/web', ':80'], { env });
        try {
          const m = await bg.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 80/);
          const port = Number(m[1]);
          assert.equal((await exchange(port, Buffer.from('ping\n'))).toString(), 'ping\n');
          const big = Buffer.alloc(1_000_000, 'q');
          assert.equal((await exchange(port, big)).length, big.length);
          assert.equal((await exchange(port, Buffer.from('again\n'))).toString(), 'again\n');
          assert.deepEqual(kinds(s.upgrades.slice(start)), [expected]);
          assert.equal(backend.forwards.at(-1)?.port, 80);
          assert.equal(backend.forwards.at(-1)?.pod, 'web');
        } finally {
          const r = await bg.stop();
          assert.doesNotMatch(r.stderr, /error/i);
        }
      });
    }

    it('port-forward reports a port nothing listens on, as kubectl does for kube', async () => {
      const bg = s.background(minor, ['port-forward', 'pod/web', ':81']);
      const m = await bg.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 81/);
      await exchange(Number(m[1]), Buffer.from('x')).catch(() => Buffer.alloc(0));
      const r = await bg.stop();
      assert.match(
        r.stderr,
        /an error occurred forwarding \d+ -> 81: error forwarding port 81 to pod web_default, uid [0-9a-f-]+: connect ECONNREFUSED 127\.0\.0\.1:1/,
      );
    });

    it('logs, logs -f and logs --tail=2 --timestamps', async () => {
      const all = await s.kubectl(minor, ['logs', 'web']);
      assert.deepEqual([all.code, all.stdout], [0, LOG.map((l) => l + '\n').join('')]);
      const started = Date.now();
      const f = await s.kubectl(minor, ['logs', '-f', 'web']);
      assert.deepEqual([f.code, f.stdout], [0, LOG.map((l) => l + '\n').join('')]);
      assert.ok(Date.now() - started >= 300, 'followed the backend as it went');
      assert.equal(backend.logRequests.at(-1)?.follow, true);
      const tail = await s.kubectl(minor, ['logs', 'web', '--tail=2', '--timestamps']);
      assert.equal(tail.stdout, `${logTimestamp(2)} third line\n${logTimestamp(3)} fourth line\n`);
      const pending = await s.kubectl(minor, ['logs', 'pending']);
      assert.equal(
        pending.stderr,
        'Error from server (BadRequest): container "app" in pod "pending" is waiting to start: ContainerCreating\n',
      );
    });
  });
}

// The real kubectl (1.27: SPDY; 1.30: WebSocket exec, SPDY port-forward; 1.33: WebSocket exec
// and SPDY-in-WebSocket port-forward) through the whole chain: a TLS API server that forwards
// exec, attach, port-forward and logs with its kubelet client to this node server on
// 127.0.0.1 (found from the Node's InternalIP and daemonEndpoints port), whose backend runs
// commands on this host and forwards to a loopback echo server.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  createEchoingHostBackend,
  hasKubectl,
  kubectlPath,
  logTimestamp,
  startKubectlChain,
  type HostBackend,
  type KubectlChain,
  type StreamRequestSeen,
} from '../../../test/support/kubectl-chain.js';

const VERSIONS = [27, 30, 33].filter(hasKubectl);
const LOG = ['first line', 'second line', 'third line', 'fourth line'];

let echo: Server;
/** Speaks first and hangs up first: 2 MB, then FIN (as an HTTP/1.0 server ends a body). */
let sender: Server;
const SENT = Buffer.alloc(2_000_000, 's');
let s: KubectlChain;
let backend: HostBackend;

before(async () => {
  echo = createServer((c) => {
    c.on('error', () => {});
    c.pipe(c);
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  sender = createServer((c) => {
    c.on('error', () => {});
    c.end(SENT);
  });
  sender.listen(0, '127.0.0.1');
  await once(sender, 'listening');
  backend = createEchoingHostBackend({
    logLines: LOG,
    followDelayMs: 100,
    ports: {
      80: (echo.address() as AddressInfo).port,
      90: (sender.address() as AddressInfo).port,
    },
  });
  s = await startKubectlChain(backend, {
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
  // A node whose kubelet port nothing listens on.
  await s.addNode('gone', 1);
  await s.createPod('stranded', { nodeName: 'gone' });
});
after(async () => {
  await s?.close();
  echo?.close();
  sender?.close();
});

/** The streaming requests the API server saw while `fn` ran. */
async function streamsDuring<T>(fn: () => Promise<T>): Promise<[T, StreamRequestSeen[]]> {
  const start = s.streams.length;
  const out = await fn();
  return [out, s.streams.slice(start)];
}

const kinds = (seen: StreamRequestSeen[]): string[] =>
  seen.map((r) => `${r.method} ${r.subresource}`);

/** Connects to a local port, sends `data`, and reads until the other side ends. */
/** Reads until the far end hangs up, writing nothing. */
function drain(port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('error', reject);
    c.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

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
  describe(`kubectl 1.${minor} through the API server to the node`, () => {
    it('exec prints the output and exits with the command’s exit code', async () => {
      const before = backend.execs.length;
      const [r, seen] = await streamsDuring(() =>
        s.kubectl(minor, ['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']),
      );
      assert.equal(r.stdout, 'out\n');
      assert.equal(r.stderr, 'err\ncommand terminated with exit code 3\n');
      assert.equal(r.code, 3);
      assert.deepEqual(kinds(seen), [ws ? 'GET exec' : 'POST exec']);
      assert.equal(backend.execs.length, before + 1, 'the node ran it once');
      const ok = await s.kubectl(minor, ['exec', 'web', '--', 'echo', 'hi']);
      assert.deepEqual([ok.code, ok.stdout, ok.stderr], [0, 'hi\n', '']);
      assert.deepEqual(backend.execs.at(-1)?.command, ['echo', 'hi']);
      assert.equal(backend.execs.at(-1)?.container, 'app');
      assert.equal(backend.execs.at(-1)?.pod, 'web');
    });

    it('exec -i passes stdin through, large amounts too, and ends it', async () => {
      const r = await s.kubectl(minor, ['exec', '-i', 'web', '--', 'cat'], { input: 'abc\n' });
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'abc\n', '']);
      const big = 'x'.repeat(3_000_000);
      const wc = await s.kubectl(minor, ['exec', '-i', 'web', '--', 'wc', '-c'], { input: big });
      assert.deepEqual([wc.code, wc.stdout.trim()], [0, '3000000']);
      const out = await s.kubectl(minor, [
        'exec',
        'web',
        '--',
        'head',
        '-c',
        '2500000',
        '/dev/zero',
      ]);
      assert.equal(out.code, 0);
      assert.equal(out.stdout.length, 2_500_000);
    });

    it('exec -it runs the command on a terminal and sends the terminal size', async () => {
      backend.resizes.length = 0;
      const cache = `${s.kubeconfig}-tty-cache-${minor}`;
      const inner = `stty cols 101 rows 31; ${kubectlPath(minor)} --kubeconfig ${s.kubeconfig} --cache-dir ${cache} exec -it web -- sh -c 'tty; echo done'`;
      const child = spawn('timeout', ['30', 'script', '-qec', inner, '/dev/null'], {
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

    // kubectl 1.27 speaks SPDY only.
    if (ws)
      it('exec falls back to SPDY when told to, or when the WebSocket upgrade is refused', async () => {
        const [r, seen] = await streamsDuring(() =>
          s.kubectl(minor, ['exec', 'web', '--', 'echo', 'spdy'], {
            env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' },
          }),
        );
        assert.deepEqual([r.code, r.stdout], [0, 'spdy\n']);
        assert.deepEqual(kinds(seen), ['POST exec']);
        // A refused WebSocket (here: alice may not exec) is retried over SPDY, as kubectl does;
        // the API server refuses both before anything reaches the node.
        const execs = backend.execs.length;
        const [denied, tries] = await streamsDuring(() =>
          s.kubectl(minor, ['exec', 'web', '--', 'true'], {
            kubeconfig: s.tokenKubeconfig('alice-token'),
          }),
        );
        assert.deepEqual(
          tries.map((t) => `${t.user} ${t.method} ${t.subresource}`),
          ['alice GET exec', 'alice POST exec'],
        );
        assert.equal(
          denied.stderr,
          'Error from server (Forbidden): pods "web" is forbidden: User "alice" cannot create resource "pods/exec" in API group "" in the namespace "default"\n',
        );
        assert.equal(denied.code, 1);
        assert.equal(backend.execs.length, execs);
      });

    it('exec reports what stands in the way', async () => {
      // The node refuses a container that is not running before the upgrade (500, plain
      // text); the API server passes that back as written. kubectl 1.30+ then retries over
      // SPDY, which the node refuses in the same words.
      const [pending, seen] = await streamsDuring(() =>
        s.kubectl(minor, ['exec', 'pending', '--', 'true']),
      );
      assert.equal(pending.code, 1);
      assert.equal(
        pending.stderr,
        'error: unable to upgrade connection: container not found ("app")\n',
      );
      assert.deepEqual(kinds(seen), ws ? ['GET exec', 'POST exec'] : ['POST exec']);
      // The API server's own check, before the node is asked.
      const wrong = await s.kubectl(minor, ['exec', 'web', '-c', 'nope', '--', 'true']);
      assert.equal(wrong.code, 1);
      assert.equal(
        wrong.stderr,
        'Error from server (BadRequest): container nope is not valid for pod web\n',
      );
      const missing = await s.kubectl(minor, ['exec', 'web', '--', 'no-such-command-here']);
      assert.equal(missing.code, 1);
      assert.equal(
        missing.stderr,
        'error: Internal error occurred: error executing command in container: spawn no-such-command-here ENOENT\n',
      );
    });

    it('attach shows the output, and attach -i sends input', async () => {
      const [r, seen] = await streamsDuring(() => s.kubectl(minor, ['attach', 'web']));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'attached to app\nbye\n');
      assert.deepEqual(kinds(seen), [ws ? 'GET attach' : 'POST attach']);
      const i = await s.kubectl(minor, ['attach', '-i', 'web'], { input: 'hello\n' });
      assert.equal(i.code, 0, i.stderr);
      assert.equal(i.stdout, 'attached to app\nHELLO\nbye\n');
      assert.deepEqual(backend.attaches.at(-1)?.command, []);
      assert.equal(backend.attaches.at(-1)?.stdin, true);
    });

    // Which transport each kubectl uses for port-forward, by default and with the env switch:
    // SPDY is a POST, the SPDY-in-WebSocket tunnel a GET.
    const pfModes: [string, Record<string, string>, string][] =
      minor === 27
        ? [['default (SPDY)', {}, 'POST portforward']]
        : minor === 30
          ? [
              ['default (SPDY)', {}, 'POST portforward'],
              ['tunnel (opt-in)', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'true' }, 'GET portforward'],
            ]
          : [
              ['default (tunnel)', {}, 'GET portforward'],
              ['SPDY (opt-out)', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }, 'POST portforward'],
            ];
    for (const [mode, env, expected] of pfModes) {
      it(`port-forward, ${mode}, carries bytes both ways, connection after connection`, async () => {
        const start = s.streams.length;
        const forwards = backend.forwards.length;
        const bg = s.background(minor, ['port-forward', 'pod/web', ':80'], { env });
        try {
          const m = await bg.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 80/);
          const port = Number(m[1]);
          assert.equal((await exchange(port, Buffer.from('ping\n'))).toString(), 'ping\n');
          const big = Buffer.alloc(1_000_000, 'q');
          assert.deepEqual(await exchange(port, big), big);
          assert.equal((await exchange(port, Buffer.from('again\n'))).toString(), 'again\n');
          assert.deepEqual(kinds(s.streams.slice(start)), [expected]);
          assert.equal(backend.forwards.length, forwards + 3, 'one node connection each');
          assert.equal(backend.forwards.at(-1)?.port, 80);
          assert.equal(backend.forwards.at(-1)?.pod, 'web');
        } finally {
          const r = await bg.stop();
          assert.doesNotMatch(r.stderr, /error/i);
        }
      });
    }

    for (const [mode, env] of pfModes)
      it(`port-forward, ${mode}: a server that sends and hangs up first ends the connection`, async () => {
        const bg = s.background(minor, ['port-forward', 'pod/web', ':90'], { env });
        try {
          const m = await bg.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 90/);
          const port = Number(m[1]);
          for (let i = 0; i < 2; i++) assert.ok((await drain(port)).equals(SENT));
        } finally {
          const r = await bg.stop();
          assert.doesNotMatch(r.stderr, /error/i);
        }
      });

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

    it('a node nobody answers on: the dial error, in kube-apiserver’s words', async () => {
      // kube-apiserver's upgrade proxy fails with `error dialing backend: …` and its log
      // streamer with the HTTP client's `Get "…": …`, both plain errors (500, no reason), which
      // kubectl prints as `Error from server: …`.
      const dial = 'dial tcp 127.0.0.1:1: connect: connection refused';
      const exec = await s.kubectl(minor, ['exec', 'stranded', '--', 'true']);
      assert.deepEqual(
        [exec.code, exec.stderr],
        [1, `Error from server: error dialing backend: ${dial}\n`],
      );
      const attach = await s.kubectl(minor, ['attach', 'stranded']);
      assert.equal(attach.code, 1);
      assert.match(
        attach.stderr,
        new RegExp(`\nError from server: error dialing backend: ${dial}\n$`),
      );
      const pf = await s.kubectl(minor, ['port-forward', 'pod/stranded', ':80']);
      assert.deepEqual(
        [pf.code, pf.stderr],
        [1, `error: error upgrading connection: error dialing backend: ${dial}\n`],
      );
      const logs = await s.kubectl(minor, ['logs', 'stranded']);
      assert.deepEqual(
        [logs.code, logs.stderr],
        [
          1,
          `Error from server: Get "https://127.0.0.1:1/containerLogs/default/stranded/app": ${dial}\n`,
        ],
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
      assert.equal(backend.logRequests.at(-1)?.tailLines, 2);
      assert.equal(backend.logRequests.at(-1)?.timestamps, true);
      const pending = await s.kubectl(minor, ['logs', 'pending']);
      assert.equal(pending.code, 1);
      assert.equal(
        pending.stderr,
        'Error from server (BadRequest): container "app" in pod "pending" is waiting to start: ContainerCreating\n',
      );
    });
  });
}

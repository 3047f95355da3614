import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassThrough, Writable } from 'node:stream';
import {
  ResizeParser,
  ResizeQueue,
  runCommand,
  type CommandChannels,
  type TerminalSize,
} from './remotecommand.js';
import { exitStatus, statusBytes, type ExecStatus } from './status.js';
import type { ExecSession, ExecTarget, StreamingBackend } from './types.js';

describe('exit status on the error channel', () => {
  it('is the Status kubectl turns into an exit code', () => {
    assert.equal(
      statusBytes(exitStatus('exec', ['sh', '-c', 'exit 3'], { code: 0 }), true).toString(),
      '{"metadata":{},"status":"Success"}',
    );
    assert.equal(
      statusBytes(exitStatus('exec', ['sh', '-c', 'exit 3'], { code: 3 }), true).toString(),
      '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}',
    );
    assert.equal(
      statusBytes(exitStatus('exec', ['nope'], { error: 'no such file' }), true).toString(),
      '{"metadata":{},"status":"Failure","message":"Internal error occurred: error executing command in container: no such file","reason":"InternalError","details":{"causes":[{"message":"error executing command in container: no such file"}]},"code":500}',
    );
  });

  it('is text, and only for failures, before v4', () => {
    assert.equal(statusBytes(exitStatus('exec', ['x'], { code: 0 }), false).length, 0);
    assert.equal(
      statusBytes(exitStatus('exec', ['x'], { code: 2 }), false).toString(),
      'command terminated with non-zero exit code: error executing command [x], exit code 2',
    );
  });

  it('does not report exit codes for attach', () => {
    assert.equal(exitStatus('attach', [], { code: 9 }).status, 'Success');
    assert.match(
      exitStatus('attach', [], { error: 'gone' }).message ?? '',
      /error attaching to container: gone/,
    );
  });
});

describe('resize stream', () => {
  it('reads sizes split anywhere, back to back or one per line', () => {
    const q = new ResizeQueue();
    const seen: TerminalSize[] = [];
    const p = new ResizeParser(q);
    p.push('{"Width":80,"He');
    p.push('ight":24}\n{"Width":100,"Height":30}{"Width":1');
    q.onResize((s) => seen.push(s));
    p.push('20,"Height":40}\nnot json}');
    // Sizes sent before a handler exists are kept for it, in order.
    assert.deepEqual(seen, [
      { width: 80, height: 24 },
      { width: 100, height: 30 },
      { width: 120, height: 40 },
    ]);
  });
});

function fakeChannels(stdin?: PassThrough): {
  ch: CommandChannels;
  out: string[];
  statuses: ExecStatus[];
  abort: AbortController;
} {
  const out: string[] = [];
  const statuses: ExecStatus[] = [];
  const abort = new AbortController();
  const sink = (name: string) =>
    new Writable({
      write(c: Buffer, _e, cb) {
        out.push(`${name}:${c.toString()}`);
        cb();
      },
      final(cb) {
        out.push(`${name}:EOF`);
        cb();
      },
    });
  return {
    ch: {
      ...(stdin ? { stdin } : {}),
      stdout: sink('out'),
      stderr: sink('err'),
      resize: new ResizeQueue(),
      signal: abort.signal,
      finish: (s) => {
        out.push('status');
        statuses.push(s);
      },
    },
    out,
    statuses,
    abort,
  };
}

const target = (signal: AbortSignal): ExecTarget => ({
  namespace: 'default',
  pod: 'p',
  uid: 'u',
  container: 'c',
  command: ['cmd'],
  stdin: true,
  stdout: true,
  stderr: true,
  tty: false,
  signal,
});

function backendOf(session: ExecSession): StreamingBackend {
  return {
    exec: () => session,
    attach: () => session,
    portForward: () => Promise.reject(new Error('no')),
    logs: () => (async function* () {})(),
  };
}

describe('runCommand', () => {
  it('sends all output, then the status, even when the exit is known first', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const f = fakeChannels();
    const run = runCommand(
      'exec',
      target(f.ch.signal),
      backendOf({ stdout, stderr, resize: () => {}, exit: Promise.resolve({ code: 4 }) }),
      f.ch,
    );
    setTimeout(() => {
      stdout.end('late output');
      stderr.end();
    }, 100);
    await run;
    assert.deepEqual(f.out.slice(0, 1), ['out:late output']);
    assert.deepEqual(f.out.slice(1, 3).sort(), ['err:EOF', 'out:EOF']);
    assert.deepEqual(f.out.slice(3), ['status']);
    assert.equal(f.statuses[0]?.reason, 'NonZeroExitCode');
  });

  it('cuts off output that stays open and silent after the exit', async () => {
    const stdout = new PassThrough();
    const f = fakeChannels();
    stdout.write('before exit');
    await runCommand(
      'exec',
      target(f.ch.signal),
      backendOf({ stdout, resize: () => {}, exit: Promise.resolve({ code: 0 }) }),
      f.ch,
      100,
    );
    assert.deepEqual(
      f.out.filter((l) => l.startsWith('out:')),
      ['out:before exit', 'out:EOF'],
    );
    assert.equal(f.out.at(-1), 'status');
    assert.equal(stdout.destroyed, true);
  });

  it('pipes stdin to the command and passes on resizes', async () => {
    const stdin = new PassThrough();
    const received: string[] = [];
    const sizes: string[] = [];
    const cmdIn = new Writable({
      write(c: Buffer, _e, cb) {
        received.push(c.toString());
        cb();
      },
    });
    let exit: (r: { code: number }) => void = () => {};
    const f = fakeChannels(stdin);
    f.ch.resize.push({ width: 10, height: 5 });
    cmdIn.on('finish', () => exit({ code: 0 }));
    const stdout = new PassThrough();
    const run = runCommand(
      'exec',
      target(f.ch.signal),
      backendOf({
        stdin: cmdIn,
        stdout,
        resize: (w, h) => void sizes.push(`${w}x${h}`),
        exit: new Promise((r) => (exit = r)),
      }),
      f.ch,
    );
    stdin.end('typed');
    stdout.end();
    await run;
    assert.deepEqual(received, ['typed']);
    assert.deepEqual(sizes, ['10x5']);
    assert.equal(f.statuses[0]?.status, 'Success');
  });

  it('attach on a terminal: sizes are set one at a time, in order, before any input', async () => {
    // kubectl attach sends its size plus one, then its size. A resize that takes longer
    // than the next must still not finish after it, and the input waits for both.
    const log: string[] = [];
    const stdin = new PassThrough();
    const cmdIn = new PassThrough();
    cmdIn.on('data', (c: Buffer) => log.push(`input ${c.toString()}`));
    let exit: (r: { code: number }) => void = () => {};
    cmdIn.on('finish', () => exit({ code: 0 }));
    const f = fakeChannels(stdin);
    f.ch.resize.push({ width: 98, height: 30 });
    f.ch.resize.push({ width: 97, height: 29 });
    stdin.write('stty size\n');
    const stdout = new PassThrough();
    const run = runCommand(
      'attach',
      { ...target(f.ch.signal), command: [], tty: true },
      backendOf({
        stdin: cmdIn,
        stdout,
        resize: async (w, h) => {
          await new Promise((r) => setTimeout(r, w === 98 ? 50 : 5));
          log.push(`size ${w}x${h}`);
        },
        exit: new Promise((r) => (exit = r)),
      }),
      f.ch,
    );
    await new Promise((r) => setTimeout(r, 100));
    stdin.end();
    stdout.end();
    await run;
    assert.deepEqual(log, ['size 98x30', 'size 97x29', 'input stty size\n']);
  });

  it('reports a backend that cannot start the command as an internal error', async () => {
    const f = fakeChannels();
    const backend = backendOf({} as ExecSession);
    backend.exec = () => Promise.reject(new Error('no such container'));
    await runCommand('exec', target(f.ch.signal), backend, f.ch);
    assert.equal(
      f.statuses[0]?.message,
      'Internal error occurred: error executing command in container: no such container',
    );
  });

  it('stops without a status when the client goes away', async () => {
    const f = fakeChannels();
    const stdout = new PassThrough();
    const run = runCommand(
      'exec',
      target(f.ch.signal),
      backendOf({ stdout, resize: () => {}, exit: new Promise(() => {}) }),
      f.ch,
    );
    f.abort.abort();
    await run;
    assert.deepEqual(f.statuses, []);
    assert.equal(stdout.destroyed, true);
  });
});

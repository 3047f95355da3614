// A long-lived `nft -i` for small transactions. Starting `nft` costs more than a small
// transaction itself (the process, its libraries, under load tens of ms), so incremental
// syncs are written to one process that stays: each transaction is one line (commands
// joined by ";", which nft parses and commits as one batch: all or nothing), followed by a
// marker command that fails on purpose. nft reports errors on stderr in order, so
// everything stderr says before the marker's own error is the transaction's.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { HostCommandError } from '../host.js';

/** A table name no one uses: listing a set in it fails, echoing the command line. */
const MARKER_TABLE = 'skiff-proxy-sync-marker';
const TIMEOUT_MS = 30_000;
/** nft keeps an in-memory history of interactive lines: a fresh process now and then. */
const MAX_TRANSACTIONS = 500;
const ERROR_TEXT_MAX = 4096;

export interface NftSession {
  /** Applies a script of one command per line as one transaction. */
  apply(script: string): Promise<void>;
  /** The running nft's process id, if one runs. */
  pid(): number | undefined;
  /** How many nft processes in a row ended before settling a transaction. */
  deaths(): number;
  close(): void;
}

interface Pending {
  marker: string;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export function startNftSession(netns?: string, nft = 'nft'): NftSession {
  let child: ChildProcessWithoutNullStreams | undefined;
  let used = 0;
  let deaths = 0;
  let seq = 0;
  let stderr = '';
  const queue: Pending[] = [];

  const failAll = (err: Error): void => {
    for (const p of queue.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  };

  function stop(): void {
    const c = child;
    child = undefined;
    stderr = '';
    if (c && c.exitCode === null) c.kill('SIGKILL');
  }

  /** Settles the transactions whose markers stderr has shown, in order. */
  function drain(): void {
    for (;;) {
      const p = queue[0];
      if (!p) return;
      const echo = stderr.indexOf(`\n${p.marker}\n`);
      if (echo < 0) return;
      // The marker's error: "Error: …", the command echoed, a line of carets.
      const caretsEnd = stderr.indexOf('\n', echo + p.marker.length + 2);
      if (caretsEnd < 0) return;
      const errorStart = stderr.lastIndexOf('Error:', echo);
      const own = stderr.slice(0, Math.max(0, errorStart)).trim();
      stderr = stderr.slice(caretsEnd + 1);
      queue.shift();
      clearTimeout(p.timer);
      deaths = 0;
      // nft echoes the failing line: a long transaction is cut for the log. A warning alone
      // is not a failure.
      if (own.includes('Error:'))
        p.reject(new HostCommandError(['nft', '-i'], 1, own.slice(0, ERROR_TEXT_MAX)));
      else p.resolve();
    }
  }

  function ensure(): ChildProcessWithoutNullStreams {
    // Replaced only between transactions: nothing may be waiting on the old one.
    if (child && child.exitCode === null && (used < MAX_TRANSACTIONS || queue.length > 0))
      return child;
    stop();
    used = 0;
    const argv = [...(netns ? ['nsenter', `--net=${netns}`, '--'] : []), nft, '-i'];
    // HOME where nothing can be written: interactive nft saves its history there on exit.
    const c = spawn(argv[0] ?? 'nft', argv.slice(1), {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, HOME: '/dev/null' },
    });
    c.stdout.resume();
    c.stderr.setEncoding('utf8');
    c.stderr.on('data', (d: string) => {
      if (c !== child) return;
      stderr += d;
      drain();
    });
    const gone = (why: string): void => {
      if (c !== child) return;
      child = undefined;
      stderr = '';
      deaths++;
      failAll(new HostCommandError(['nft', '-i'], c.exitCode, why));
    };
    c.on('error', (e) => gone(e.message));
    c.on('exit', () => gone(`nft -i exited${stderr ? `: ${stderr.trim()}` : ''}`));
    c.stdin.on('error', () => undefined);
    // Never keeps the agent's process alive.
    c.unref();
    for (const s of [c.stdin, c.stdout, c.stderr]) (s as unknown as { unref?(): void }).unref?.();
    child = c;
    return c;
  }

  return {
    apply(script) {
      const line = script
        .split('\n')
        .filter((l) => l.trim())
        .join('; ');
      if (!line) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const c = ensure();
        used++;
        const marker = `list set ip ${MARKER_TABLE} m${++seq}`;
        const timer = setTimeout(() => {
          failAll(new HostCommandError(['nft', '-i'], null, 'timed out'));
          stop();
        }, TIMEOUT_MS);
        queue.push({ marker, resolve, reject, timer });
        c.stdin.write(`${line}\n${marker}\n`);
      });
    },
    deaths: () => deaths,
    pid: () => (child?.exitCode === null ? child.pid : undefined),
    close() {
      failAll(new HostCommandError(['nft', '-i'], null, 'closed'));
      stop();
    },
  };
}

// Container logs in the CRI format, one file per container attempt:
//   2026-11-22T05:42:07.123456789Z stdout F message
// (P instead of F marks a partial line, continued by the next entry). The reader gives
// what `kubectl logs` shows: tail, since, timestamps, byte limit, follow, previous.

import { watch, type FSWatcher } from 'node:fs';
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogOptions } from './types.js';

export interface LogEntry {
  /** The timestamp as written (RFC3339 with nanoseconds, any offset). */
  rawTime: string;
  time: Date;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  content: Buffer;
}

export class LogNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogNotFoundError';
  }
}

const SPACE = 0x20;
const NEWLINE = 0x0a;

/** Parses one line (without its newline); undefined when it is not a CRI log line. */
export function parseCriLine(line: Buffer): LogEntry | undefined {
  const a = line.indexOf(SPACE);
  const b = a < 0 ? -1 : line.indexOf(SPACE, a + 1);
  if (a < 0 || b < 0) return undefined;
  const c = line.indexOf(SPACE, b + 1);
  const rawTime = line.subarray(0, a).toString();
  const stream = line.subarray(a + 1, b).toString();
  const tag = line.subarray(b + 1, c < 0 ? line.length : c).toString();
  const time = new Date(rawTime);
  if (Number.isNaN(time.getTime()) || (stream !== 'stdout' && stream !== 'stderr'))
    return undefined;
  const flag = tag.split(':')[0];
  if (flag !== 'P' && flag !== 'F') return undefined;
  return {
    rawTime,
    time,
    stream,
    partial: flag === 'P',
    content: c < 0 ? Buffer.alloc(0) : line.subarray(c + 1),
  };
}

/** The timestamp in UTC with nine fraction digits, as the kubelet prints it. */
export function formatTimestamp(rawTime: string, time: Date): string {
  const frac = /\.(\d+)/.exec(rawTime)?.[1] ?? '';
  const whole = time.toISOString().slice(0, 19);
  return `${whole}.${frac.padEnd(9, '0').slice(0, 9)}Z`;
}

/** One CRI log line (with its newline), for writers and tests. */
export function criLine(
  time: Date,
  stream: 'stdout' | 'stderr',
  content: string,
  partial = false,
): string {
  const t = time.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
  return `${t} ${stream} ${partial ? 'P' : 'F'} ${content}\n`;
}

/** The log file of the newest attempt in a log directory, or of the one before it. */
export async function attemptLogPath(dir: string, previous: boolean): Promise<string> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new LogNotFoundError(`no logs in ${dir}`);
  }
  const attempts = names
    .map((n) => /^(\d+)\.log$/.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((x, y) => x - y);
  const pick = attempts[attempts.length - (previous ? 2 : 1)];
  if (pick === undefined)
    throw new LogNotFoundError(
      previous ? `no previous attempt logged in ${dir}` : `no logs in ${dir}`,
    );
  return join(dir, `${pick}.log`);
}

const CHUNK = 64 * 1024;

/** Bytes of a record's start that hold its timestamp, stream and tag. */
const RECORD_HEAD = 128;

/**
 * Where the last n lines of the first `size` bytes begin, and where the last complete one
 * ends. Lines are counted as `kubectl logs` shows them, not as records: the newline of a
 * partial (P) record does not end a line, since conmon writes one wherever a read of the
 * container's pipe ended mid-line. Records after the last complete line (partial ones, or
 * one still being written) are not counted: they are the line being written.
 */
async function tailRange(
  fh: FileHandle,
  size: number,
  n: number,
): Promise<{ start: number; end: number }> {
  // Scanning backwards, a record is classified once its start is found; `later` is the
  // newline that ends it. The window is this chunk plus the head of the one after it, so
  // that a record starting at the chunk's end still shows its tag.
  const buf = Buffer.alloc(CHUNK + RECORD_HEAD);
  let pos = size;
  let windowEnd = 0;
  let later = -1;
  let end: number | undefined;
  let seen = 0;
  /** True when the newline at `at` ends the n+1-th line from the end. */
  const lineEnd = (at: number): boolean => {
    end ??= at + 1;
    return ++seen > n;
  };
  const isPartial = (head: Buffer): boolean => parseCriLine(head)?.partial === true;
  while (pos > 0) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    const kept = Math.min(RECORD_HEAD, windowEnd);
    buf.copyWithin(len, 0, kept);
    await fh.read(buf, 0, len, pos);
    windowEnd = len + kept;
    for (let i = len - 1; i >= 0; i--) {
      if (buf[i] !== NEWLINE) continue;
      if (later >= 0) {
        const head = buf.subarray(i + 1, Math.min(later - pos, i + 1 + RECORD_HEAD, windowEnd));
        if (!isPartial(head) && lineEnd(later)) return { start: later + 1, end: end ?? size };
      }
      later = pos + i;
    }
  }
  // The first record of the file.
  const first = buf.subarray(0, Math.min(later, RECORD_HEAD, windowEnd));
  if (later >= 0 && !isPartial(first) && lineEnd(later))
    return { start: later + 1, end: end ?? size };
  return { start: 0, end: end ?? 0 };
}

interface Formatter {
  format(entry: LogEntry): Buffer | undefined;
}

function formatter(opts: LogOptions): Formatter {
  const atLineStart = { stdout: true, stderr: true };
  return {
    format(e) {
      if (opts.stream && e.stream !== opts.stream) return undefined;
      if (opts.sinceTime && e.time.getTime() < opts.sinceTime.getTime()) return undefined;
      const parts: Buffer[] = [];
      if (opts.timestamps && atLineStart[e.stream])
        parts.push(Buffer.from(`${formatTimestamp(e.rawTime, e.time)} `));
      parts.push(e.content);
      if (!e.partial) parts.push(Buffer.from('\n'));
      atLineStart[e.stream] = !e.partial;
      return Buffer.concat(parts);
    },
  };
}

export interface ReadLogDeps {
  /** Whether the container writing this file may still write to it (for follow). */
  isActive(): Promise<boolean>;
  /** How long to wait for new data before checking again (ms). */
  pollMs?: number;
}

/** Streams a CRI log file as `kubectl logs` shows it. */
export async function* readLogFile(
  path: string,
  opts: LogOptions,
  deps: ReadLogDeps,
): AsyncGenerator<Buffer> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch {
    throw new LogNotFoundError(`log file ${path} not found`);
  }
  let watcher: FSWatcher | undefined;
  let wake: (() => void) | undefined;
  try {
    const size = (await fh.stat()).size;
    // A negative tail (kubectl's default of -1) means everything.
    const tail = opts.tailLines !== undefined && opts.tailLines >= 0 ? opts.tailLines : undefined;
    const range = tail !== undefined ? await tailRange(fh, size, tail) : { start: 0, end: size };
    let pos = range.start;
    if (tail === 0 && !opts.follow) return;
    const fmt = formatter(opts);
    let limit = opts.limitBytes ?? Infinity;
    let pending: Buffer = Buffer.alloc(0);
    const buf = Buffer.alloc(CHUNK);

    const emitLines = function* (data: Buffer, final: boolean): Generator<Buffer> {
      pending = pending.length ? Buffer.concat([pending, data]) : data;
      let start = 0;
      for (;;) {
        const nl = pending.indexOf(NEWLINE, start);
        if (nl < 0) break;
        const entry = parseCriLine(pending.subarray(start, nl));
        start = nl + 1;
        const out = entry && fmt.format(entry);
        if (out) yield out;
      }
      pending = Buffer.from(pending.subarray(start));
      if (final && pending.length) {
        const entry = parseCriLine(pending);
        pending = Buffer.alloc(0);
        const out = entry && fmt.format(entry);
        if (out) yield out;
      }
    };

    const limited = (out: Buffer): Buffer => {
      const piece = out.length > limit ? out.subarray(0, limit) : out;
      limit -= piece.length;
      return piece;
    };

    // Without follow, the log is read as it stood when asked: lines written meanwhile, or
    // the one being written, would make `--tail=N` print more than N.
    const readable = (): number =>
      opts.follow ? CHUNK : Math.max(0, Math.min(CHUNK, range.end - pos));
    for (;;) {
      if (opts.signal?.aborted) return;
      const want = readable();
      const { bytesRead } = want > 0 ? await fh.read(buf, 0, want, pos) : { bytesRead: 0 };
      if (bytesRead > 0) {
        pos += bytesRead;
        for (const out of emitLines(Buffer.from(buf.subarray(0, bytesRead)), false)) {
          yield limited(out);
          if (limit <= 0) return;
        }
        continue;
      }
      // At the end of what is written so far.
      if (!opts.follow || !(await deps.isActive())) {
        // One more look: the writer may have added its last lines before exiting.
        const again = readable();
        const { bytesRead: more } =
          again > 0 ? await fh.read(buf, 0, again, pos) : { bytesRead: 0 };
        if (more > 0) {
          pos += more;
          for (const out of emitLines(Buffer.from(buf.subarray(0, more)), false)) {
            yield limited(out);
            if (limit <= 0) return;
          }
          continue;
        }
        for (const out of emitLines(Buffer.alloc(0), true)) {
          yield limited(out);
          if (limit <= 0) return;
        }
        return;
      }
      if (!watcher) {
        try {
          watcher = watch(path, () => wake?.());
          watcher.on('error', () => undefined);
        } catch {
          /* polling alone then */
        }
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', done);
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, deps.pollMs ?? 500);
        wake = done;
        opts.signal?.addEventListener('abort', done, { once: true });
      });
    }
  } finally {
    watcher?.close();
    await fh.close();
  }
}

// exec and attach, independent of the transport: the client's channels (from SPDY streams or
// WebSocket channels) are wired to a backend session, and when the command is over the
// status goes on the error channel after every byte of output.

import type { Readable, Writable } from 'node:stream';
import { exitStatus, type ExecStatus, type ExitResult } from './status.js';
import type { ExecSession, ExecTarget, StreamingBackend } from './types.js';

/** After the command exits, output still open and silent this long is cut off. */
const OUTPUT_IDLE_MS = 2_000;
/**
 * How long a terminal exec waits for the client's first size, so the command starts with
 * it (kubectl sends it as soon as the session is up) rather than being resized after.
 */
const FIRST_SIZE_WAIT_MS = 300;
/** The client's input waits this long at most for its earlier sizes to be set. */
const RESIZE_WAIT_MS = 1_000;

export interface TerminalSize {
  width: number;
  height: number;
}

/** Most sizes kept for a session that cannot take them yet (the oldest go first). */
const MAX_QUEUED_SIZES = 16;

/**
 * Terminal sizes from the client, in the order sent, kept until the session can take them.
 * Every one is passed on: kubectl attach sends its size plus one, then its size, so that a
 * re-attached program gets SIGWINCH and redraws.
 */
export class ResizeQueue {
  private pending: TerminalSize[] = [];
  private handler: ((s: TerminalSize) => void) | undefined;
  private waiters: (() => void)[] = [];

  push(size: TerminalSize): void {
    if (this.handler) this.handler(size);
    else {
      this.pending.push(size);
      if (this.pending.length > MAX_QUEUED_SIZES) this.pending.shift();
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** The newest size the client sent so far, waiting up to `ms` for one (all stay queued). */
  async first(ms: number): Promise<TerminalSize | undefined> {
    if (!this.pending.length) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        timer = setTimeout(resolve, ms);
      });
      clearTimeout(timer);
    }
    return this.pending.at(-1);
  }

  onResize(fn: (s: TerminalSize) => void): void {
    this.handler = fn;
    for (const p of this.pending.splice(0)) fn(p);
  }
}

/**
 * Reads `{"Width":80,"Height":24}` objects, one after another (newline-separated or not),
 * as Go's json.Decoder does on the resize stream.
 */
export class ResizeParser {
  private buf = '';
  private readonly queue: ResizeQueue;

  constructor(queue: ResizeQueue) {
    this.queue = queue;
  }

  push(chunk: Buffer | string): void {
    this.buf += chunk.toString();
    let end: number;
    while ((end = this.buf.indexOf('}')) >= 0) {
      const text = this.buf.slice(0, end + 1).trim();
      this.buf = this.buf.slice(end + 1);
      try {
        const v = JSON.parse(text) as { Width?: unknown; Height?: unknown };
        const width = Number(v.Width ?? 0);
        const height = Number(v.Height ?? 0);
        if (Number.isFinite(width) && Number.isFinite(height)) this.queue.push({ width, height });
      } catch {
        // Not a size: skipped, as a decode error ends nothing else.
      }
    }
    if (this.buf.length > 4096) this.buf = '';
  }
}

/** The client's side of a session, whatever carries it. */
export interface CommandChannels {
  /** Input from the client (when it asked for stdin). */
  stdin?: Readable;
  /** Output to the client (when it asked for each). */
  stdout?: Writable;
  stderr?: Writable;
  resize: ResizeQueue;
  /** Writes the final status on the error channel and ends the session. */
  finish(status: ExecStatus): void;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

async function settledWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

interface Copy {
  done: Promise<void>;
  lastData: number;
  cut(): void;
}

function copy(src: Readable | undefined, dst: Writable | undefined): Copy {
  if (!src) {
    if (dst && !dst.writableEnded) dst.end();
    return { done: Promise.resolve(), lastData: 0, cut: () => {} };
  }
  const c: Copy = { done: Promise.resolve(), lastData: Date.now(), cut: () => {} };
  src.on('error', () => {});
  src.on('data', () => (c.lastData = Date.now()));
  c.done = new Promise<void>((resolve) => {
    if (!dst) {
      src.on('end', resolve).on('close', resolve);
      src.resume();
      return;
    }
    dst.on('finish', resolve).on('close', resolve);
    src.on('close', () => {
      // A source torn down without 'end' still closes the channel.
      if (!dst.writableEnded) dst.end();
    });
    src.pipe(dst);
  });
  c.cut = () => {
    src.unpipe();
    src.destroy();
    if (dst && !dst.writableEnded) dst.end();
  };
  return c;
}

/** Waits for the copies to finish, cutting them off after `idleMs` of silence. */
async function drain(copies: Copy[], idleMs: number): Promise<void> {
  const all = Promise.all(copies.map((c) => c.done));
  const exitedAt = Date.now();
  let settled = false;
  void all.then(() => (settled = true));
  while (!settled) {
    const quiet = Math.min(...copies.map((c) => Date.now() - Math.max(c.lastData, exitedAt)));
    if (quiet >= idleMs) {
      for (const c of copies) c.cut();
      break;
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, idleMs - quiet + 10)))]);
    clearTimeout(timer);
  }
  await all;
}

/** Runs one exec or attach session to its end. */
export async function runCommand(
  kind: 'exec' | 'attach',
  target: ExecTarget,
  backend: StreamingBackend,
  ch: CommandChannels,
  outputIdleMs = OUTPUT_IDLE_MS,
): Promise<void> {
  let session: ExecSession;
  if (target.tty && !target.size) {
    // An exec starts with the size; an attach sets it before the client's first input (a
    // shell reading `stty size` from that input must see the client's size).
    const size = await ch.resize.first(FIRST_SIZE_WAIT_MS);
    if (size && kind === 'exec') target = { ...target, size };
  }
  try {
    session = await (kind === 'exec' ? backend.exec(target) : backend.attach(target));
  } catch (e) {
    ch.finish(exitStatus(kind, target.command, { error: message(e) }));
    return;
  }
  // Sizes are applied one after another, in the order sent: two at once could land in
  // either order and leave the terminal at the older size.
  let resized: Promise<void> = Promise.resolve();
  ch.resize.onResize((s) => {
    resized = resized.then(() => session.resize(s.width, s.height)).catch(() => undefined); // a session that cannot resize ignores it
  });
  const copies = [copy(session.stdout, ch.stdout), copy(session.stderr, ch.stderr)];
  // An exec already started at the client's size; an attach sets it before passing input.
  if (kind === 'attach') await settledWithin(resized, RESIZE_WAIT_MS);
  const { stdin } = session;
  if (stdin) stdin.on('error', () => {}); // EPIPE once the command is gone
  if (ch.stdin) {
    if (stdin) ch.stdin.pipe(stdin);
    else ch.stdin.resume();
  } else stdin?.end();
  const aborted = new Promise<'aborted'>((resolve) => {
    if (ch.signal.aborted) resolve('aborted');
    ch.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  const exit = await Promise.race([
    session.exit.catch((e: unknown): ExitResult => ({ error: message(e) })),
    aborted,
  ]);
  if (exit === 'aborted') {
    for (const c of copies) c.cut();
    return;
  }
  await drain(copies, outputIdleMs);
  ch.finish(exitStatus(kind, target.command, exit));
}

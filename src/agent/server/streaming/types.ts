// The streaming layer's contract: the backend that really runs things in pods (the node
// agent, or a host-process fake in tests).

import type { OnReadOpts } from 'node:net';
import type { Duplex, Readable, Writable } from 'node:stream';
import type { ExitResult } from './status.js';

export type { ExitResult } from './status.js';

/** What to run (exec) or join (attach), and which streams the client asked for. */
export interface ExecTarget {
  namespace: string;
  pod: string;
  uid: string;
  container: string;
  /** The command and its arguments; empty for attach. */
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** With a tty, the client's terminal size when it sent one before the start. */
  size?: { width: number; height: number };
  /** Aborted when the client goes away before the command ends. */
  signal: AbortSignal;
}

/** A running exec or attach session. */
export interface ExecSession {
  /** Where the client's input goes (only read when the client asked for stdin). */
  stdin?: Writable;
  /** The command's output; with a tty, stdout and stderr come here together. */
  stdout: Readable;
  stderr?: Readable;
  /** Sets the terminal's size; a returned promise settles once it is set. */
  resize(width: number, height: number): void | Promise<void>;
  /** How it ended: an exit code, or why it could not run. */
  exit: Promise<ExitResult>;
}

export interface PortForwardTarget {
  namespace: string;
  pod: string;
  uid: string;
  port: number;
  /** Aborted when the forwarded connection is torn down. */
  signal: AbortSignal;
  /**
   * Where the connection's reads may go instead of 'data' events (net's `onread`): into
   * this buffer, one read at a time. A backend that cannot honour it emits 'data' as usual.
   */
  onread?: OnReadOpts;
}

export interface LogRequest {
  namespace: string;
  pod: string;
  uid: string;
  container: string;
  /** The previous (terminated) instance of the container. */
  previous: boolean;
  follow: boolean;
  tailLines?: number;
  /** Only lines written at or after this time. */
  since?: Date;
  /** Prefix each line with its RFC 3339 (nanosecond) timestamp and a space. */
  timestamps: boolean;
  limitBytes?: number;
  /** Aborted when the client goes away; a following iterable must then end. */
  signal: AbortSignal;
}

/** What the node agent provides; everything on the wire is this layer's business. */
export interface StreamingBackend {
  exec(target: ExecTarget): ExecSession | Promise<ExecSession>;
  attach(target: ExecTarget): ExecSession | Promise<ExecSession>;
  /** A TCP connection to `port` inside the pod's network namespace. */
  portForward(target: PortForwardTarget): Promise<Duplex>;
  /**
   * The container's log. Throwing (or failing on the first read) answers the request with
   * 400 and the error's message, as the kubelet does.
   */
  logs(request: LogRequest): AsyncIterable<Buffer>;
}

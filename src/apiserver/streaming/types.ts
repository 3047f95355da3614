// The streaming layer's contracts: the backend that really runs things in pods (the node
// agent, or a fake in tests) and the options the server is built from.

import type { Duplex, Readable, Writable } from 'node:stream';
import type { KubeObject } from '../../api/types.js';
import type { AuthorizationAttributes, Credentials, UserInfo } from '../auth/types.js';
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
  resize(width: number, height: number): void;
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
   * 400 and the error's message, as the kubelet does; an ApiError is passed on as is.
   */
  logs(request: LogRequest): AsyncIterable<Buffer>;
}

export interface StreamingServerOptions {
  backend: StreamingBackend;
  /**
   * Authorization for upgrade requests (the REST chain authorizes `pods/log` itself): throws
   * the Forbidden ApiError to refuse, like the API server's authorizer chain `check`.
   */
  authorize(attributes: AuthorizationAttributes): void | Promise<void>;
  /** The pod as stored, or undefined when there is none. */
  getPod(namespace: string, name: string): Promise<KubeObject | undefined>;
  /**
   * Turns an upgrade request's credentials into a user, throwing the 401 ApiError for bad
   * ones (the API server's authenticator). Without it a verified client certificate is the
   * user, a request with no credentials is anonymous and a bearer token is refused.
   */
  authenticate?(credentials: Credentials): UserInfo;
  /** How long the client has to open all of a session's SPDY streams (default 30 s). */
  streamCreationTimeoutMs?: number;
  clock?: { now(): Date };
}

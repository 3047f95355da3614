import type { Readable } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import type { Credentials, UserInfo } from './auth/types.js';

/** A request as the handler chain sees it: transport-independent, so tests need no socket. */
export interface ApiRequest {
  method: string;
  url: URL;
  /**
   * The path exactly as the client sent it (`url.pathname` has dot segments resolved, so
   * `configmaps/..` would read as the namespace); `url.pathname` when absent.
   */
  path?: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  credentials: Credentials;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** The client's address (for X-Forwarded-For on proxied requests); absent in-process. */
  remoteAddress?: string;
  /**
   * The body as it arrives, for the proxy subresources (streamed to the backend, any size, as
   * kube does); `body` is then empty.
   */
  bodyStream?: Readable;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body?: Buffer | string;
  /** A streamed body (watch, follow logs); each chunk is written and flushed as it comes. */
  stream?: AsyncIterable<string | Buffer>;
}

export interface RequestContext {
  req: ApiRequest;
  user: UserInfo;
  now: Date;
  warnings: string[];
}

export interface VersionInfo {
  major: string;
  minor: string;
  /** The emulated and minimum compatibility versions (a 1.33 server reports both). */
  emulationMajor?: string;
  emulationMinor?: string;
  minCompatibilityMajor?: string;
  minCompatibilityMinor?: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

// What the agent's thread and the node server's thread tell each other besides calls.

import type { NodeConfigz } from '../types.js';

/** The server's settings: the plain-data part of NodeServerOptions. */
export interface ThreadConfig {
  nodeName: string;
  certPem: string;
  keyPem: string;
  clientCaPem: string;
  /** Whether /stats/summary and /metrics/resource are served. */
  stats: boolean;
  configz?: NodeConfigz;
  streamCreationTimeoutMs?: number;
}

export type ThreadOrder = { order: 'listen'; port: number; host?: string } | { order: 'close' };

export type ThreadReport =
  | { report: 'listening'; port: number }
  | { report: 'failed'; code: string | undefined; message: string }
  | { report: 'closed' };

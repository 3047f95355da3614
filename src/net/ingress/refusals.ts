// Requests nginx refused as too large (an enormous header or body), which the controller turns
// into Warning events on the Ingress that routes them. nginx reports each one as a syslog
// line over UDP to a socket of ours on loopback (nginx-light has no other way out of a
// worker); the line's JSON names the status, host and URI.

import { createSocket } from 'node:dgram';
import type { Logger } from '../../log/index.js';
import { MAX_BODY_SIZE, HEADER_BUFFERS } from './nginx-config.js';

export interface Refusal {
  status: number;
  host: string;
  uri: string;
}

export interface RefusalListener {
  /** `127.0.0.1:port`, for nginx's `access_log syslog:server=`. */
  address: string;
  on(listener: (r: Refusal) => void): void;
  close(): void;
}

export async function listenForRefusals(log: Logger): Promise<RefusalListener> {
  const socket = createSocket('udp4');
  const listeners = new Set<(r: Refusal) => void>();
  socket.on('message', (msg, from) => {
    if (from.address !== '127.0.0.1') return;
    const text = msg.toString('utf8');
    const at = text.indexOf('{');
    if (at < 0) return;
    let r: Partial<Refusal>;
    try {
      r = JSON.parse(text.slice(at)) as Partial<Refusal>;
    } catch {
      return; // not a line of ours
    }
    if (typeof r.status !== 'number') return;
    const refusal = { status: r.status, host: String(r.host ?? ''), uri: String(r.uri ?? '') };
    for (const l of listeners) l(refusal);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', (err) => log.warn('refusal reports: socket error', { err }));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    on: (l) => void listeners.add(l),
    close: () => socket.close(),
  };
}

/** The Warning event for a refusal (the same message for a host, so repeats are counted). */
export function refusalProblem(r: Refusal): { reason: string; message: string } | undefined {
  const host = r.host && r.host !== '_' ? `host "${r.host}"` : 'a request without a known host';
  if (r.status === 431)
    return {
      reason: 'RequestHeaderTooLarge',
      message: `a request for ${host} was refused with 431 Request Header Fields Too Large: a header line over ${HEADER_BUFFERS.size} or headers over ${HEADER_BUFFERS.count} × ${HEADER_BUFFERS.size}; other requests are served`,
    };
  if (r.status === 413)
    return {
      reason: 'RequestBodyTooLarge',
      message: `a request for ${host} was refused with 413 Content Too Large: a body over ${MAX_BODY_SIZE}; other requests are served`,
    };
  return undefined;
}

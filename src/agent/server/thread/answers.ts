// The agent's side of the node server's calls: each answered from the server's dependencies
// (the API client, the pod informer, the streaming backend, the statistics), with an exec's
// streams, a log or a relayed connection carried on the ports the call brought.

import type { Duplex, Readable, Writable } from 'node:stream';
import { pipeline, Readable as ReadableStream } from 'node:stream';
import type { NodeServerOptions } from '../types.js';
import type { ExecSession } from '../streaming/types.js';
import type { Call, ControlMessage, SessionPorts } from './calls.js';
import { portStream } from './port-stream.js';

type Deps = Pick<NodeServerOptions, 'client' | 'pods' | 'backend' | 'stats'>;

const ignore = (): void => {};

/** `from` into `to`; either failing or going away ends both. */
const relay = (from: Readable, to: Writable): void => void pipeline(from, to, ignore);

function closePorts(ports: SessionPorts): void {
  for (const p of Object.values(ports)) p?.close();
}

/** Wires a running session to the server thread's ends of its streams. */
function bridgeSession(s: ExecSession, ports: SessionPorts, abort: () => void): void {
  const control = ports.control;
  let exited = false;
  control.on('message', (m: ControlMessage) => {
    if ('resize' in m) s.resize(m.resize.width, m.resize.height);
    else if ('abort' in m) abort();
  });
  // The server's thread gone before the end: as the client going away.
  control.on('close', () => exited || abort());
  relay(s.stdout, portStream(ports.stdout));
  if (ports.stderr) {
    const stderr = portStream(ports.stderr);
    if (s.stderr) relay(s.stderr, stderr);
    else stderr.end();
  }
  if (ports.stdin) {
    const stdin = portStream(ports.stdin);
    if (s.stdin) relay(stdin, s.stdin);
    else stdin.resume();
  }
  void s.exit
    .catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }))
    .then((exit) => {
      exited = true;
      control.postMessage({ exit } satisfies ControlMessage);
    });
}

/** A connection the backend made, relayed both ways over the port's stream. */
function bridgeConnection(conn: Duplex, stream: Duplex, abort: () => void): void {
  conn.pipe(stream);
  stream.pipe(conn);
  conn.on('error', (e: Error) => stream.destroy(e));
  // Closed without its end (reset): so is the relayed stream.
  conn.on('close', () => stream.writableEnded || stream.destroy());
  stream.on('error', ignore);
  stream.on('close', () => {
    conn.destroy();
    abort();
  });
}

export function answerer(d: Deps): (c: Call) => Promise<unknown> {
  return async (c) => {
    switch (c.method) {
      case 'create':
        return d.client.create(c.ref, c.namespace, c.body);
      case 'getPod':
        return d.pods.get(c.namespace, c.name);
      case 'listPods':
        return d.pods.list();
      case 'summary':
        if (!d.stats) throw new Error('no statistics on this node');
        return d.stats.summary();
      case 'resourceMetrics':
        if (!d.stats) throw new Error('no statistics on this node');
        return d.stats.resourceMetrics();
      case 'portForwardAddress':
        return d.backend.portForwardAddress ? d.backend.portForwardAddress(c.target) : null;
      case 'portForward': {
        const ac = new AbortController();
        let conn: Duplex;
        try {
          conn = await d.backend.portForward({ ...c.target, signal: ac.signal });
        } catch (e) {
          c.port.close();
          throw e;
        }
        bridgeConnection(conn, portStream(c.port), () => ac.abort());
        return undefined;
      }
      case 'exec':
      case 'attach': {
        const ac = new AbortController();
        const target = { ...c.target, signal: ac.signal };
        let s: ExecSession;
        try {
          s = await (c.method === 'exec' ? d.backend.exec(target) : d.backend.attach(target));
        } catch (e) {
          closePorts(c.ports);
          throw e;
        }
        bridgeSession(s, c.ports, () => ac.abort());
        return undefined;
      }
      case 'logs': {
        const ac = new AbortController();
        const out = portStream(c.port);
        out.on('close', () => ac.abort());
        let lines: AsyncIterable<Buffer>;
        try {
          lines = d.backend.logs({ ...c.request, signal: ac.signal });
        } catch (e) {
          out.destroy();
          throw e;
        }
        // A failure reading the log reaches the server as its stream's error.
        pipeline(ReadableStream.from(lines, { objectMode: false }), out, ignore);
        return undefined;
      }
    }
  };
}

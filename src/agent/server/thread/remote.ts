// The node server's dependencies as its own thread sees them: each a call to the agent's
// thread (calls.ts), except port-forward's connections, made here when the agent says where
// the pod's port is, so that the pod's bytes are read and framed on this thread.

import type { Duplex } from 'node:stream';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { dialTcp } from '../../netns-dial.js';
import type {
  ExecSession,
  ExecTarget,
  LogRequest,
  PortForwardTarget,
  StreamingBackend,
} from '../streaming/types.js';
import type { PodSource, ReviewClient, StatsProvider } from '../types.js';
import type { Caller, ControlMessage, Plain, SessionPorts } from './calls.js';
import { portStream } from './port-stream.js';

const plain = <T extends { signal: AbortSignal; onread?: unknown }>(t: T): Plain<T> => {
  const { signal: _signal, onread: _onread, ...rest } = t;
  return rest as Plain<T>;
};

/** A stream to the agent's thread, and the port to hand over for its other end. */
function channel(): { local: Duplex; remote: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  return { local: portStream(port1), remote: port2 };
}

/** Destroys `stream` when `signal` fires (or has fired). */
function endWith(signal: AbortSignal, stream: Duplex): Duplex {
  if (signal.aborted) stream.destroy();
  else signal.addEventListener('abort', () => stream.destroy(), { once: true });
  return stream;
}

export function remoteReviews(c: Caller): ReviewClient {
  return {
    create: ((ref, namespace, body) =>
      c.call({ method: 'create', ref, namespace, body })) as ReviewClient['create'],
  };
}

export function remotePods(c: Caller): PodSource {
  return {
    list: () => c.call({ method: 'listPods' }),
    get: (namespace, name) => c.call({ method: 'getPod', namespace, name }),
  };
}

export function remoteStats(c: Caller): StatsProvider {
  return {
    summary: () => c.call({ method: 'summary' }),
    resourceMetrics: () => c.call({ method: 'resourceMetrics' }),
  };
}

export function remoteBackend(c: Caller): StreamingBackend {
  const session = async (kind: 'exec' | 'attach', t: ExecTarget): Promise<ExecSession> => {
    const control = new MessageChannel();
    const stdin = t.stdin ? channel() : undefined;
    const stdout = channel();
    const stderr = t.stderr ? channel() : undefined;
    const ports: SessionPorts = {
      control: control.port2,
      stdout: stdout.remote,
      ...(stdin ? { stdin: stdin.remote } : {}),
      ...(stderr ? { stderr: stderr.remote } : {}),
    };
    const send = (m: ControlMessage): void => control.port1.postMessage(m);
    const exit = new Promise<{ code: number } | { error: string }>((resolve) => {
      control.port1.on('message', (m: ControlMessage) => {
        if ('exit' in m) resolve(m.exit);
      });
      control.port1.on('close', () => resolve({ error: 'the node agent went away' }));
    });
    const local = [stdin?.local, stdout.local, stderr?.local];
    try {
      await c.call({ method: kind, target: plain(t), ports }, Object.values(ports));
    } catch (e) {
      control.port1.close();
      for (const s of local) s?.destroy();
      throw e;
    }
    t.signal.addEventListener('abort', () => send({ abort: true }), { once: true });
    void exit.then(() => control.port1.close());
    return {
      ...(stdin ? { stdin: stdin.local } : {}),
      stdout: stdout.local,
      ...(stderr ? { stderr: stderr.local } : {}),
      resize: (width, height) => send({ resize: { width, height } }),
      exit,
    };
  };

  return {
    exec: (t) => session('exec', t),
    attach: (t) => session('attach', t),
    async portForward(t: PortForwardTarget): Promise<Duplex> {
      const address = await c.call({ method: 'portForwardAddress', target: plain(t) });
      if (address)
        return endWith(
          t.signal,
          await dialTcp(address.netns, address.host, address.port, undefined, t.onread),
        );
      // The backend makes its connections itself: its bytes are relayed.
      const { local, remote } = channel();
      try {
        await c.call({ method: 'portForward', target: plain(t), port: remote }, [remote]);
      } catch (e) {
        local.destroy();
        throw e;
      }
      return endWith(t.signal, local);
    },
    async *logs(r: LogRequest): AsyncIterable<Buffer> {
      const { local, remote } = channel();
      endWith(r.signal, local);
      try {
        await c.call({ method: 'logs', request: plain(r), port: remote }, [remote]);
      } catch (e) {
        local.destroy();
        throw e;
      }
      try {
        for await (const chunk of local) yield chunk as Buffer;
      } catch (e) {
        // The client gone ends the log; anything else is the backend's error.
        if (!r.signal.aborted) throw e;
      } finally {
        local.destroy();
      }
    },
  };
}

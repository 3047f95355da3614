// The agent as the API server's streaming backend: exec, port-forward and logs in the pods
// this node runs. (A remote agent will serve the same through its own endpoint.)

import type { Duplex } from 'node:stream';
import type {
  ExecSession as StreamingSession,
  ExecTarget,
  StreamingBackend,
} from '../apiserver/index.js';
import type { NodeAgent } from './agent.js';
import type { ExecSession } from './runtime/index.js';
import { LogNotFoundError } from './runtime/index.js';

/** `agent()` is undefined while no agent runs (API-only clusters, or still starting). */
export function agentStreamingBackend(agent: () => NodeAgent | undefined): StreamingBackend {
  const running = (): NodeAgent => {
    const a = agent();
    if (!a) throw new Error('no node agent is running on this cluster');
    return a;
  };
  const session = (t: ExecTarget, s: ExecSession): StreamingSession => {
    t.signal.addEventListener('abort', () => s.kill('SIGKILL'), { once: true });
    if (!t.stdin) s.stdin?.end();
    return {
      ...(s.stdin ? { stdin: s.stdin } : {}),
      stdout: s.stdout,
      ...(s.stderr ? { stderr: s.stderr } : {}),
      resize: (width, height) => void s.resize({ width, height }).catch(() => undefined),
      exit: s.exit.then((x) =>
        x.error && x.exitCode >= 126 ? { error: x.error } : { code: x.exitCode },
      ),
    };
  };
  return {
    exec: async (t) =>
      session(t, await running().execIn(t.namespace, t.pod, t.container, t.command, t.tty, t.size)),
    // The session ends when the container does (or the client leaves); the exit code is
    // the container's business, shown in its status.
    attach: async (t) =>
      session(t, await running().attach(t.namespace, t.pod, t.container, t.stdin)),
    async portForward(t): Promise<Duplex> {
      const socket = await running().portForward(t.namespace, t.pod, t.port);
      if (t.signal.aborted) socket.destroy();
      else t.signal.addEventListener('abort', () => socket.destroy(), { once: true });
      return socket;
    },
    async *logs(r) {
      let lines: AsyncIterable<Buffer>;
      try {
        lines = await running().logs(r.namespace, r.pod, r.container, {
          previous: r.previous,
          follow: r.follow,
          timestamps: r.timestamps,
          signal: r.signal,
          ...(r.tailLines !== undefined ? { tailLines: r.tailLines } : {}),
          ...(r.since ? { sinceTime: r.since } : {}),
          ...(r.limitBytes !== undefined ? { limitBytes: r.limitBytes } : {}),
        });
      } catch (e) {
        if (e instanceof LogNotFoundError && r.previous)
          throw new Error(
            `previous terminated container "${r.container}" in pod "${r.pod}" not found`,
          );
        throw e;
      }
      yield* lines;
    },
  };
}

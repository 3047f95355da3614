// The node agent as the server's streaming backend: exec, attach, port-forward and logs in
// the pods this node runs, with the agent's sessions adapted to the protocol layer's.

import type { OnReadOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ExecSession, LogOptions } from '../runtime/index.js';
import { LogNotFoundError } from '../runtime/index.js';
import type {
  ExecSession as StreamingSession,
  ExecTarget,
  StreamingBackend,
} from './streaming/types.js';

/** What the backend needs of the agent: the NodeAgent interface extends it. */
export interface PodRuntimeAccess {
  execIn(
    namespace: string,
    pod: string,
    container: string | undefined,
    command: string[],
    tty: boolean,
    size?: { width: number; height: number },
    /** Whether the client sends input (without, the process's stdin is /dev/null). */
    stdin?: boolean,
  ): Promise<ExecSession>;
  attach(
    namespace: string,
    pod: string,
    container: string | undefined,
    stdin: boolean,
  ): Promise<ExecSession>;
  logs(
    namespace: string,
    pod: string,
    container: string | undefined,
    options?: LogOptions,
  ): Promise<AsyncIterable<Buffer>>;
  /** A connection to the pod's port, read into `onread`'s buffer when given. */
  portForward(namespace: string, pod: string, port: number, onread?: OnReadOpts): Promise<Duplex>;
}

export function agentBackend(agent: PodRuntimeAccess): StreamingBackend {
  const session = (t: ExecTarget, s: ExecSession): StreamingSession => {
    t.signal.addEventListener('abort', () => s.kill('SIGKILL'), { once: true });
    if (!t.stdin) s.stdin?.end();
    return {
      ...(s.stdin ? { stdin: s.stdin } : {}),
      stdout: s.stdout,
      ...(s.stderr ? { stderr: s.stderr } : {}),
      resize: (width, height) => s.resize({ width, height }).catch(() => undefined),
      exit: s.exit.then((x) =>
        x.error && x.exitCode >= 126 ? { error: x.error } : { code: x.exitCode },
      ),
    };
  };
  return {
    exec: async (t) =>
      session(
        t,
        await agent.execIn(t.namespace, t.pod, t.container, t.command, t.tty, t.size, t.stdin),
      ),
    // The session ends when the container does (or the client leaves); the exit code is
    // the container's business, shown in its status.
    attach: async (t) => session(t, await agent.attach(t.namespace, t.pod, t.container, t.stdin)),
    async portForward(t): Promise<Duplex> {
      const socket = await agent.portForward(t.namespace, t.pod, t.port, t.onread);
      if (t.signal.aborted) socket.destroy();
      else t.signal.addEventListener('abort', () => socket.destroy(), { once: true });
      return socket;
    },
    async *logs(r) {
      let lines: AsyncIterable<Buffer>;
      try {
        lines = await agent.logs(r.namespace, r.pod, r.container, {
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

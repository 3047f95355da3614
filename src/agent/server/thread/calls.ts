// What the node server's thread asks of the agent's thread, and how: each call a message with
// an id, each answer the value or the error's message. Streams (an exec's input and output,
// a log, a forwarded connection) go on MessagePorts of their own, sent with the call.

import type { MessagePort, Transferable } from 'node:worker_threads';
import type { KubeObject } from '../../../api/types.js';
import type { ResourceRef } from '../../../client/index.js';
import type {
  ExecTarget,
  LogRequest,
  PortForwardAddress,
  PortForwardTarget,
} from '../streaming/types.js';

/** A request without what cannot cross threads (its signal: the ports carry that). */
export type Plain<T> = Omit<T, 'signal' | 'onread'>;

/** The ports of one exec or attach session (those the client asked for). */
export interface SessionPorts {
  /** Resize and abort go one way on it, the exit the other. */
  control: MessagePort;
  stdin?: MessagePort;
  stdout: MessagePort;
  stderr?: MessagePort;
}

export type Call =
  | { method: 'create'; ref: ResourceRef; namespace: string; body: KubeObject }
  | { method: 'getPod'; namespace: string; name: string }
  | { method: 'listPods' }
  | { method: 'summary' }
  | { method: 'resourceMetrics' }
  | { method: 'portForwardAddress'; target: Plain<PortForwardTarget> }
  | { method: 'portForward'; target: Plain<PortForwardTarget>; port: MessagePort }
  | { method: 'exec' | 'attach'; target: Plain<ExecTarget>; ports: SessionPorts }
  | { method: 'logs'; request: Plain<LogRequest>; port: MessagePort };

/** What each call resolves with. */
export interface Answers {
  create: KubeObject;
  getPod: KubeObject | undefined;
  listPods: KubeObject[];
  summary: unknown;
  resourceMetrics: string;
  portForwardAddress: PortForwardAddress | null;
  portForward: void;
  exec: void;
  attach: void;
  logs: void;
}

/** The messages on a session's control port. */
export type ControlMessage =
  | { resize: { width: number; height: number } }
  | { abort: true }
  | { exit: { code: number } | { error: string } };

type Reply = { reply: number; value?: unknown; error?: { message: string; code?: string } };

/** The server thread's side: `call` sends, the answer resolves or rejects it. */
export function caller(port: MessagePort) {
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  port.on('message', (m: Reply) => {
    if (typeof m?.reply !== 'number') return;
    const p = pending.get(m.reply);
    if (!p) return;
    pending.delete(m.reply);
    if (m.error) p.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
    else p.resolve(m.value);
  });
  return {
    call<C extends Call>(c: C, transfer: Transferable[] = []): Promise<Answers[C['method']]> {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        port.postMessage({ call: id, ...c }, transfer);
      });
    },
    /** Fails every call still waiting (the other thread is gone). */
    failAll(why: string): void {
      for (const p of pending.values()) p.reject(new Error(why));
      pending.clear();
    },
  };
}

export type Caller = ReturnType<typeof caller>;

/** The agent's side: each call handled, its answer (or error) sent back. */
export function answerCalls(
  port: {
    on(event: 'message', listener: (m: Call & { call?: number }) => void): unknown;
    postMessage(m: unknown): void;
  },
  handle: (c: Call) => Promise<unknown>,
): void {
  port.on('message', (m: Call & { call?: number }) => {
    const id = m?.call;
    if (typeof id !== 'number') return;
    handle(m).then(
      (value) => port.postMessage({ reply: id, value }),
      (e: unknown) =>
        port.postMessage({
          reply: id,
          error: {
            message: e instanceof Error ? e.message : String(e),
            ...(typeof (e as { code?: unknown })?.code === 'string'
              ? { code: (e as { code: string }).code }
              : {}),
          },
        }),
    );
  });
}

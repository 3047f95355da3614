// The node server on a thread of its own (worker.ts): the same server and the same answers
// as createNodeServer, with its TLS, HTTP and stream framing off the agent's thread (which
// in `skiff up` is also the API server's). The agent's thread keeps everything stateful and
// answers the server's calls (answers.ts).

import { Worker } from 'node:worker_threads';
import type { NodeServer, NodeServerOptions } from '../types.js';
import { answerCalls } from './calls.js';
import { answerer } from './answers.js';
import type { ThreadConfig, ThreadOrder, ThreadReport } from './protocol.js';

/** The thread's module, beside this one: compiled, or (tests) run from source. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(`./worker${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);

/** A thread running the worker module; from source, with tsx's loader (a thread needs its own). */
function startThread(workerData: ThreadConfig): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { workerData });
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

export interface NodeServerThreadOptions extends Omit<NodeServerOptions, 'clock'> {
  /** The thread failed after it started (the node's API is then down). */
  onError?(e: Error): void;
}

export function createNodeServerThread(o: NodeServerThreadOptions): NodeServer {
  const config: ThreadConfig = {
    nodeName: o.nodeName,
    certPem: o.certPem,
    keyPem: o.keyPem,
    clientCaPem: o.clientCaPem,
    stats: Boolean(o.stats),
    ...(o.configz ? { configz: o.configz } : {}),
    ...(o.streamCreationTimeoutMs !== undefined
      ? { streamCreationTimeoutMs: o.streamCreationTimeoutMs }
      : {}),
  };
  const worker = startThread(config);
  answerCalls(worker, answerer(o));
  let boundPort: number | undefined;
  let exited = false;
  const exit = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  void exit.then(() => (exited = true));
  worker.on('error', (e) => o.onError?.(e));

  const order = (m: ThreadOrder): void => worker.postMessage(m);
  /** The thread's next report that `pick` takes, or its exit. */
  const next = <T>(pick: (r: ThreadReport) => T | undefined): Promise<T | 'exited'> =>
    new Promise((resolve) => {
      const onReport = (r: ThreadReport): void => {
        const v = pick(r);
        if (v === undefined) return;
        worker.off('message', onReport);
        resolve(v);
      };
      worker.on('message', onReport);
      void exit.then(() => {
        worker.off('message', onReport);
        resolve('exited');
      });
    });

  return {
    get port() {
      return boundPort;
    },
    async listen(port, host) {
      const answer = next((r) => (r.report === 'closed' ? undefined : r));
      order({ order: 'listen', port, ...(host !== undefined ? { host } : {}) });
      const r = await answer;
      if (r === 'exited') throw new Error('the node server thread exited');
      if (r.report === 'failed') throw Object.assign(new Error(r.message), { code: r.code });
      boundPort = r.port;
      return r.port;
    },
    async close() {
      if (exited) return;
      const closed = next((r) => (r.report === 'closed' ? r : undefined));
      order({ order: 'close' });
      await closed;
      await worker.terminate();
    },
  };
}

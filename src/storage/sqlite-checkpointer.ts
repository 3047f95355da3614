// Moves WAL checkpoints off the main thread. SQLite's automatic checkpoint runs inside the
// commit that crosses the threshold, copying megabytes and fsyncing on the event loop:
// a stall of several milliseconds every few hundred writes. Here a worker thread with its
// own connection runs PASSIVE checkpoints (they never block the writer) on a timer, and the
// main connection's automatic checkpoint is only a distant safety net.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Plain CommonJS so the worker needs no TypeScript loader, in tests and in the build alike.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
db.pragma('synchronous = ' + workerData.synchronous);
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  process.exit(0);
});
`;

export interface Checkpointer {
  /** Runs a last checkpoint and stops the worker. */
  stop(): Promise<void>;
}

export function startCheckpointer(options: {
  path: string;
  synchronous: 'NORMAL' | 'FULL';
  intervalMs: number;
  onError: (message: string) => void;
}): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver,
      path: options.path,
      synchronous: options.synchronous,
      intervalMs: options.intervalMs,
    },
    // The parent's loader flags (tsx in tests) are not needed by plain CommonJS.
    execArgv: [],
  });
  worker.unref();
  worker.on('message', (message: { error?: string }) => {
    if (message.error) options.onError(message.error);
  });
  worker.on('error', (error) => options.onError(String(error)));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    stop: async () => {
      worker.ref(); // keep the process alive until the last checkpoint is done
      worker.postMessage('stop');
      await exited;
    },
  };
}

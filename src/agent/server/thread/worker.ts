// The node server's thread: the HTTPS listener, TLS, the kubelet's request handling and the
// streaming protocols run here, on an event loop (and a core) of their own; what needs the
// agent goes to the agent's thread as calls (remote.ts). Port-forward's connections to pods
// are made here, so their bytes never cross threads.

import { parentPort, workerData } from 'node:worker_threads';
import { createNodeServer } from '../server.js';
import { caller } from './calls.js';
import { remoteBackend, remotePods, remoteReviews, remoteStats } from './remote.js';
import type { ThreadConfig, ThreadOrder, ThreadReport } from './protocol.js';

function main(): void {
  const port = parentPort;
  if (!port) return;
  const c = workerData as ThreadConfig;
  const calls = caller(port);
  const server = createNodeServer({
    nodeName: c.nodeName,
    certPem: c.certPem,
    keyPem: c.keyPem,
    clientCaPem: c.clientCaPem,
    client: remoteReviews(calls),
    pods: remotePods(calls),
    backend: remoteBackend(calls),
    ...(c.stats ? { stats: remoteStats(calls) } : {}),
    ...(c.configz ? { configz: c.configz } : {}),
    ...(c.streamCreationTimeoutMs !== undefined
      ? { streamCreationTimeoutMs: c.streamCreationTimeoutMs }
      : {}),
  });
  const report = (r: ThreadReport): void => port.postMessage(r);
  port.on('message', (m: ThreadOrder) => {
    if (m?.order === 'listen')
      server.listen(m.port, m.host).then(
        (bound) => report({ report: 'listening', port: bound }),
        (e: NodeJS.ErrnoException) =>
          report({ report: 'failed', code: e.code, message: e.message }),
      );
    else if (m?.order === 'close')
      void server.close().then(() => {
        calls.failAll('the node server is closing');
        report({ report: 'closed' });
      });
  });
}

main();

// The cluster `skiff up` keeps in a data dir, reached as its admin kubeconfig says: what the
// commands that talk to a running cluster from this machine (`skiff url`, `skiff dashboard`)
// start with, and the words they say when there is none or it is not running.

import { existsSync } from 'node:fs';
import {
  clientOptionsFromKubeconfig,
  createClient,
  createHttpsTransport,
  loadKubeconfig,
  type Client,
} from '../client/index.js';
import type { Io } from './commands.js';
import { dataPaths, type DataPaths } from './paths.js';

export interface LocalCluster {
  paths: DataPaths;
  server: string;
  /** The kubeconfig's namespace, if it names one. */
  namespace: string | undefined;
  client: Client;
  close(): void;
}

/** The client of the cluster in `dataDir`; undefined (and said on `io`) when there is none. */
export function openLocalCluster(
  dataDir: string | undefined,
  userAgent: string,
  io: Io,
): LocalCluster | undefined {
  const paths = dataPaths(dataDir);
  if (!existsSync(paths.kubeconfig)) {
    io.err(`error: no cluster in ${paths.dir}; start one with: skiff up --data-dir ${paths.dir}`);
    return undefined;
  }
  const options = clientOptionsFromKubeconfig(loadKubeconfig(paths.kubeconfig));
  const transport = createHttpsTransport({
    server: options.server,
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.cert ? { cert: options.cert } : {}),
    ...(options.key ? { key: options.key } : {}),
    ...(options.token ? { token: options.token } : {}),
    userAgent,
  });
  return {
    paths,
    server: options.server,
    namespace: options.namespace,
    client: createClient(transport),
    close: () => transport.close(),
  };
}

/** Says so when `e` is the cluster's address refusing connections (it is not running). */
export function saidNotRunning(c: LocalCluster, e: unknown, io: Io): boolean {
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  if (err?.code !== 'ECONNREFUSED' && err?.cause?.code !== 'ECONNREFUSED') return false;
  io.err(
    `error: the cluster of ${c.paths.dir} is not running (${c.server} refused); start it with: skiff up --data-dir ${c.paths.dir}`,
  );
  return true;
}

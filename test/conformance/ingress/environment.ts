// What the step definitions use, set by the test file before it runs cucumber: the cluster's
// kubectl, its data dir and the client's machine. A module of its own so that cucumber's
// import of the step definitions (which must run their registrations once, inside the run)
// and the test file share it.

import type { ClientMachine } from '../../e2e/ingress-client.js';

export interface ConformanceEnvironment {
  /** kubectl with the cluster's kubeconfig; rejects with stderr on a non-zero exit. */
  kubectl(args: string[], input?: string): Promise<string>;
  /** The node's data dir (the ingress controller's nginx.conf is under ingress/). */
  dataDir: string;
  client: ClientMachine;
}

let current: ConformanceEnvironment | undefined;

export function setEnvironment(e: ConformanceEnvironment | undefined): void {
  current = e;
}

export function environment(): ConformanceEnvironment {
  if (!current) throw new Error('the conformance environment is not set (run the test file)');
  return current;
}

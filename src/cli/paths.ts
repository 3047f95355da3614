// The data directory and what lives in it.

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface DataPaths {
  dir: string;
  kubeconfig: string;
  pid: string;
  state: string;
  pki: string;
  tokens: string;
  log: string;
  /** Written once the API is ready: `{ "pid": …, "port": … }`. */
  endpoint: string;
}

export function dataPaths(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): DataPaths {
  const dir = resolve(flag ?? env['SKIFF_DATA_DIR'] ?? join(homedir(), '.skiff'));
  return {
    dir,
    kubeconfig: join(dir, 'kubeconfig'),
    pid: join(dir, 'skiff.pid'),
    state: join(dir, 'state.db'),
    pki: join(dir, 'pki'),
    tokens: join(dir, 'tokens.csv'),
    log: join(dir, 'skiff.log'),
    endpoint: join(dir, 'endpoint.json'),
  };
}

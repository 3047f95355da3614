// The OCI runtime's command line (runc and crun share it): state, list, start, kill,
// delete. Container state lives under a root directory of our own, so a new agent
// process finds the containers an earlier one made.

import type { CommandRunner } from '../runner/index.js';
import { stderrOf } from './rootfs.js';

export interface OciState {
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'stopped' | 'paused';
  bundle: string;
  created: string;
}

export class OciNotFoundError extends Error {
  constructor(id: string) {
    super(`container "${id}" does not exist in the OCI runtime`);
    this.name = 'OciNotFoundError';
  }
}

function notFound(text: string): boolean {
  return /does not exist|not found|No such file or directory/i.test(text);
}

/** The message of runc's logrus line (`level=error msg="…"`), or the text as it is. */
function cleanMessage(text: string): string {
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(text);
  return m?.[1] ? m[1].replace(/\\"/g, '"') : text.trim();
}

export interface OciCli {
  readonly path: string;
  readonly root: string;
  /** Global flags every invocation starts with. */
  readonly globalArgs: string[];
  state(id: string): Promise<OciState | undefined>;
  list(): Promise<OciState[]>;
  start(id: string): Promise<void>;
  kill(id: string, signal: string): Promise<void>;
  delete(id: string, force: boolean): Promise<void>;
}

export function createOciCli(runner: CommandRunner, path: string, root: string): OciCli {
  const globalArgs = [`--root=${root}`];
  const call = async (args: string[], id?: string): Promise<string> => {
    try {
      const { stdout } = await runner.exec(path, [...globalArgs, ...args]);
      return stdout;
    } catch (err) {
      const text = stderrOf(err);
      if (id && notFound(text)) throw new OciNotFoundError(id);
      throw new Error(`${path} ${args[0]} failed: ${cleanMessage(text)}`);
    }
  };
  return {
    path,
    root,
    globalArgs,
    async state(id) {
      try {
        return JSON.parse(await call(['state', id], id)) as OciState;
      } catch (err) {
        if (err instanceof OciNotFoundError) return undefined;
        throw err;
      }
    },
    async list() {
      const out = await call(['list', '--format', 'json']);
      return (JSON.parse(out.trim() || 'null') as OciState[] | null) ?? [];
    },
    async start(id) {
      await call(['start', id], id);
    },
    async kill(id, signal) {
      await call(['kill', id, signal.replace(/^SIG/, '')], id);
    },
    async delete(id, force) {
      try {
        await call(['delete', ...(force ? ['--force'] : []), id], id);
      } catch (err) {
        if (!(err instanceof OciNotFoundError)) throw err;
      }
    },
  };
}

// A command run in a container with a time limit, its output collected: what exec probes
// and exec hooks both do. Past the limit the command is killed (SIGKILL).

import type { ContainerRuntime } from '../runtime/index.js';

export interface ExecOutcome {
  exitCode: number;
  /** Why the command could not run, when it could not. */
  error?: string;
  timedOut: boolean;
  /** stdout and stderr as they came, at most `maxOutput` characters (once past, no more is kept). */
  output: string;
}

export async function execWithTimeout(
  runtime: Pick<ContainerRuntime, 'exec'>,
  id: string,
  args: string[],
  timeoutMs: number,
  maxOutput = Infinity,
): Promise<ExecOutcome> {
  const x = await runtime.exec(id, { args });
  let output = '';
  const collect = (d: Buffer): void => {
    if (output.length < maxOutput) output += d.toString();
  };
  x.stdout.on('data', collect);
  x.stderr?.on('data', collect);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((res) => {
    timer = setTimeout(() => {
      x.kill('SIGKILL');
      res('timeout');
    }, timeoutMs);
  });
  const out = await Promise.race([x.exit, timeout]);
  clearTimeout(timer);
  if (out === 'timeout') return { exitCode: -1, timedOut: true, output };
  return { ...out, timedOut: false, output };
}

// The command runner: short host commands through one long-lived Perl process
// (docs/adr/0004-command-runner.md).

import { createCommandRunner, type CommandOptions, type CommandResult } from './runner.js';

export {
  CommandFailed,
  createCommandRunner,
  type CommandOptions,
  type CommandResult,
  type CommandRunner,
  type CommandRunnerOptions,
} from './runner.js';

/**
 * The process's default runner, made by the factory like any other (its Perl process starts
 * with the first command). The agent uses it when its options name none, and the modules
 * that run commands from plain functions (runtime, sandbox, mounts, pod set-up) use it through
 * runCommand and execCommand below.
 */
export const defaultCommandRunner = createCommandRunner();

/** defaultCommandRunner.run. */
export function runCommand(argv: string[], o: CommandOptions = {}): Promise<CommandResult> {
  return defaultCommandRunner.run(argv, o);
}

/** defaultCommandRunner.exec: execFile's promise form, through the runner. */
export function execCommand(
  file: string,
  args: string[],
  o: CommandOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  return defaultCommandRunner.exec(file, args, o);
}

// Command runners for tests: one shared by a test file's helpers, and a wrapper that
// records every command it passes on to a real runner.

import {
  createCommandRunner,
  type CommandOptions,
  type CommandRunner,
} from '../../src/agent/runner/index.js';

/**
 * The runner of a test process's helpers. Its Perl process starts with the first command
 * and does not keep the test process alive; tests that start an agent or a runtime may
 * pass it, or make their own with createCommandRunner and close it.
 */
export const testCommandRunner: CommandRunner = createCommandRunner();

export interface RecordingRunner extends CommandRunner {
  /** The argv of every command run so far (exec's file first), in the order they started. */
  readonly commands: string[][];
}

/** A runner that records each command, then runs it through `inner`. */
export function recordingRunner(inner: CommandRunner): RecordingRunner {
  const commands: string[][] = [];
  return {
    commands,
    run(argv: string[], o?: CommandOptions) {
      commands.push([...argv]);
      return inner.run(argv, o);
    },
    exec(file: string, args: string[], o?: CommandOptions) {
      commands.push([file, ...args]);
      return inner.exec(file, args, o);
    },
    close: () => inner.close(),
  };
}

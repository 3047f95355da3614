// The command runner: short host commands through one long-lived Perl process
// (docs/adr/0004-command-runner.md).

export {
  CommandFailed,
  createCommandRunner,
  type CommandOptions,
  type CommandResult,
  type CommandRunner,
  type CommandRunnerOptions,
} from './runner.js';

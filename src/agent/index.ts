// The node agent (Skiff's kubelet): registers the Node and makes the pods bound to it real.
// See runtime/README.md and sandbox/README.md for the layers underneath.

export { AGENT_VERSION, createNodeAgent, type NodeAgent, type NodeAgentOptions } from './agent.js';
export type { ExecSession, LogOptions } from './runtime/index.js';
export { nodeHostProblems, PreflightError } from './preflight.js';
export { defaultNodeIP } from './node-status.js';
export {
  createNodeServer,
  type NodeServer,
  type NodeServerOptions,
  type StatsProvider,
} from './server/index.js';
export { createCommandRunner, type CommandRunner } from './runner/index.js';
export { AgentError, type AgentErrorReason } from './errors.js';

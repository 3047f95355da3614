// The errors the node agent raises where its callers act on them. `reason` is stable (tests
// and callers match on it); the message is for people and may change.

export type AgentErrorReason =
  /** No pod by that namespace and name runs on this node. */
  | 'PodNotFound'
  /** The pod has no container by that name. */
  | 'ContainerNotFound'
  /** The container exists but does not run (exec, attach). */
  | 'ContainerNotRunning'
  /** A pod's sync stopped at a step boundary because the pod is being killed. */
  | 'SyncCancelled'
  /** The container's command and environment cannot be worked out (kubelet: CreateContainerConfigError). */
  | 'CreateContainerConfigError';

export class AgentError extends Error {
  override name = 'AgentError';
  readonly reason: AgentErrorReason;
  constructor(reason: AgentErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

export const isAgentError = (e: unknown, reason: AgentErrorReason): e is AgentError =>
  e instanceof AgentError && e.reason === reason;

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

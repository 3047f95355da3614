// The node's HTTPS API (the kubelet's): exec, attach, port-forward, container logs, the
// pods bound here, health, configuration and statistics, behind client-certificate or
// bearer-token authentication and SubjectAccessReview authorization.

export { createNodeServer } from './server.js';
export { agentBackend, type PodRuntimeAccess } from './backend.js';
export type {
  NodeConfigz,
  NodeServer,
  NodeServerOptions,
  PodSource,
  StatsProvider,
} from './types.js';
export type {
  ExecSession,
  ExecTarget,
  ExitResult,
  LogRequest,
  PortForwardTarget,
  StreamingBackend,
} from './streaming/types.js';

// The container runtime layer of the node agent: containers (never pods) run by runc or
// crun under a per-container monitor, CRI logs, exec. See README.md.

export type {
  BindMount,
  ContainerConfig,
  ContainerEvent,
  ContainerResources,
  ContainerRuntime,
  ContainerState,
  ContainerStatus,
  ExecOptions,
  ExecSession,
  LogOptions,
  Rlimit,
  RuntimeInfo,
} from './types.js';
export {
  createRuntime,
  ContainerNotFoundError,
  DEFAULT_CGROUP_PARENT,
  type RuntimeOptions,
} from './runtime.js';
export {
  RuntimeUnavailableError,
  PACKAGES as RUNTIME_PACKAGES,
  RUNTIME_CANDIDATES,
  findExecutable,
  type Detected,
} from './detect.js';
export { LogNotFoundError, parseCriLine, criLine } from './logs.js';

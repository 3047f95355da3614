// Streaming for pods: exec, attach and port-forward (HTTP upgrades: SPDY/3.1, WebSocket, and
// SPDY tunnelled in WebSocket) and logs, over an abstract backend (the node agent).

import { badRequest } from '../../api/errors.js';
import type { SubresourceHandler } from '../handler.js';
import type { UpgradeHandler } from '../http-server.js';
import { createLogHandler } from './logs.js';
import { createUpgradeHandler } from './upgrade.js';
import type { StreamingServerOptions } from './types.js';

export type {
  ExecSession,
  ExecTarget,
  ExitResult,
  LogRequest,
  PortForwardTarget,
  StreamingBackend,
  StreamingServerOptions,
} from './types.js';
export { isStreamingUpgrade } from './upgrade.js';

export interface StreamingServer {
  /** For the TLS front's `onUpgrade`: pods/exec, pods/attach and pods/portforward. */
  onUpgrade: UpgradeHandler;
  /**
   * For the request chain's `subresources`: `pods/log`, and exec/attach/portforward
   * reached without an upgrade (answered 400 "Upgrade request required", as kube does).
   */
  subresources: Map<string, SubresourceHandler>;
}

export function createStreamingServer(o: StreamingServerOptions): StreamingServer {
  const upgradeRequired: SubresourceHandler = () =>
    Promise.reject(badRequest('Upgrade request required'));
  return {
    onUpgrade: createUpgradeHandler(o),
    subresources: new Map<string, SubresourceHandler>([
      ['pods/log', createLogHandler(o)],
      ['pods/exec', upgradeRequired],
      ['pods/attach', upgradeRequired],
      ['pods/portforward', upgradeRequired],
    ]),
  };
}

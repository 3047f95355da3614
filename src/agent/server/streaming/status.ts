// The remotecommand protocols' names and the Status the error channel carries when a command
// ends, as the kubelet's streaming server writes it.

/** SPDY subprotocols (X-Stream-Protocol-Version), newest first. */
export const SPDY_EXEC_PROTOCOLS = [
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
] as const;

/**
 * WebSocket subprotocols (Sec-WebSocket-Protocol), newest first; '' stands for a client that
 * offers none (binary channels, as channel.k8s.io).
 */
export const WS_EXEC_PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v4.base64.channel.k8s.io',
  'channel.k8s.io',
  'base64.channel.k8s.io',
  '',
] as const;

export const SPDY_PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const WS_PORT_FORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
export const WS_PORT_FORWARD_PROTOCOLS = [
  WS_PORT_FORWARD_TUNNEL_PROTOCOL,
  'v4.channel.k8s.io',
  'v4.base64.channel.k8s.io',
  '',
] as const;

/** How a command ended, as the backend reports it. */
export type ExitResult = { code: number } | { error: string };

/** metav1.Status as the v4/v5 error channel carries it (no kind/apiVersion, as Go omits them). */
export interface ExecStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: { reason?: string; message: string }[] };
  code?: number;
}

export const successStatus = (): ExecStatus => ({ metadata: {}, status: 'Success' });

export function internalErrorStatus(message: string): ExecStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  };
}

/**
 * The Status for a finished command. `exec` reports the exit code (kubectl exits with it);
 * `attach` succeeds whenever the attachment itself worked, as the kubelet's does.
 */
export function exitStatus(kind: 'exec' | 'attach', command: string[], r: ExitResult): ExecStatus {
  if ('error' in r) {
    const what =
      kind === 'exec' ? 'error executing command in container' : 'error attaching to container';
    return internalErrorStatus(`${what}: ${r.error}`);
  }
  if (kind === 'attach' || r.code === 0) return successStatus();
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${r.code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(r.code) }] },
  };
}

/**
 * The bytes for the error channel: JSON for v4 and v5; for older protocols only a failure's
 * message, as plain text (nothing on success).
 */
export function statusBytes(s: ExecStatus, json: boolean): Buffer {
  if (json) return Buffer.from(JSON.stringify(s));
  return Buffer.from(s.status === 'Success' ? '' : (s.message ?? ''));
}

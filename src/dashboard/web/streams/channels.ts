// The exec WebSocket's wire format (v4/v5.channel.k8s.io): every binary message starts with
// one byte naming its channel — 0 stdin, 1 stdout, 2 stderr, 3 the final Status (JSON), 4
// terminal size (JSON `{"Width","Height"}`), and in v5 255 "close this channel" — followed
// by the channel's bytes. Pure, so the browser page and the unit tests share it.

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
/** v5 only: the payload is the number of the channel the sender will not write to again. */
export const CLOSE = 255;

/** Offered in this order; v5 adds the close signal, v4 is what older servers speak. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

/** The shells the terminal page offers. */
export const SHELLS = ['sh', 'bash', '/bin/sh'];

const encoder = new TextEncoder();

/** One message: the channel byte, then the payload. */
export function frame(channel: number, payload: Uint8Array | string): Uint8Array {
  const bytes = typeof payload === 'string' ? encoder.encode(payload) : payload;
  const out = new Uint8Array(bytes.length + 1);
  out[0] = channel;
  out.set(bytes, 1);
  return out;
}

export const stdinFrame = (data: Uint8Array | string): Uint8Array => frame(STDIN, data);

/** The terminal's size, as kubectl sends it (columns and rows). */
export function resizeFrame(columns: number, rows: number): Uint8Array {
  return frame(RESIZE, JSON.stringify({ Width: columns, Height: rows }));
}

/** v5: "no more stdin". Older protocols have no such message. */
export function closeStdinFrame(): Uint8Array {
  return frame(CLOSE, new Uint8Array([STDIN]));
}

export interface ChannelMessage {
  channel: number;
  data: Uint8Array;
}

/** A received binary message; undefined when empty (no channel byte). */
export function parseFrame(message: ArrayBuffer | Uint8Array): ChannelMessage | undefined {
  const bytes = message instanceof Uint8Array ? message : new Uint8Array(message);
  if (bytes.length === 0) return undefined;
  return { channel: bytes[0]!, data: bytes.subarray(1) };
}

/** How a command ended, from the Status on channel 3. */
export interface ExecEnd {
  /** The command's exit code when it ran (0 on success). */
  exitCode: number | undefined;
  /** What to tell the user. */
  message: string;
}

/**
 * The Status the server sends on the error channel when the command ends: `Success`, or
 * `NonZeroExitCode` with an `ExitCode` cause, or any other failure (its message).
 */
export function execEnd(statusText: string): ExecEnd {
  let status: any;
  try {
    status = JSON.parse(statusText);
  } catch {
    // channel.k8s.io sends the error as plain text
    return { exitCode: undefined, message: statusText.trim() || 'The command failed.' };
  }
  if (status?.status === 'Success') return { exitCode: 0, message: 'exited with code 0' };
  const causes: { reason?: string; message?: string }[] = status?.details?.causes ?? [];
  const code = causes.find((c) => c.reason === 'ExitCode')?.message;
  if (status?.reason === 'NonZeroExitCode' && code !== undefined && /^\d+$/.test(code))
    return { exitCode: Number(code), message: `exited with code ${code}` };
  return {
    exitCode: undefined,
    message: typeof status?.message === 'string' ? status.message : statusText.trim(),
  };
}

export interface ExecOptions {
  container?: string | undefined;
  command: string[];
  tty?: boolean;
}

/** The exec subresource's path with its query, as kubectl builds it. */
export function execPath(namespace: string, pod: string, o: ExecOptions): string {
  const q = new URLSearchParams();
  for (const c of o.command) q.append('command', c);
  q.set('stdin', '1');
  q.set('stdout', '1');
  const tty = o.tty ?? true;
  // with a terminal, stderr is merged into stdout by the runtime (kubectl sends stderr=false)
  if (!tty) q.set('stderr', '1');
  if (tty) q.set('tty', '1');
  if (o.container) q.set('container', o.container);
  return (
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}` +
    `/exec?${q.toString()}`
  );
}

/**
 * What the answer to a refused terminal's request, sent again without the upgrade, tells:
 * the API's Status message or the node's text; nothing for a bare 403 when the page came
 * through the API server's proxy path, which is `kubectl proxy`'s own filter of exec paths
 * (its default `--reject-paths`), not the server's word; nothing either for "Upgrade request
 * required", the answer when the pod and container were found.
 */
export function refusalMessage(
  answer: { code: number; kind?: string | undefined; message: string },
  pagePath: string,
): string | undefined {
  const throughProxy = /\/api\/v1\/namespaces\/[^/]+\/services\/[^/]+\/proxy\//.test(pagePath);
  if (answer.code === 403 && answer.kind !== 'Status' && throughProxy) return undefined;
  // the request itself was fine: whatever refused the upgrade is not in this answer
  if (/^upgrade request required/i.test(answer.message.trim())) return undefined;
  return answer.message;
}

/** A SelfSubjectAccessReview asking whether the user may exec into the pod. */
export function execAccessReview(namespace: string, pod: string): object {
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: {
      resourceAttributes: {
        namespace,
        name: pod,
        verb: 'create',
        resource: 'pods',
        subresource: 'exec',
      },
    },
  };
}

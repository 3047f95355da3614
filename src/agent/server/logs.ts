// GET /containerLogs/{namespace}/{pod}/{container}: PodLogOptions from the query as the
// kubelet decodes and validates them (its terse JSON-looking texts), the pod and container
// looked up, the container's state checked, then the backend's bytes streamed while they come.

import type { ServerResponse } from 'node:http';
import type { KubeObject } from '../../api/types.js';
import { boolParam, int64Param, QueryError, timeParam } from './params.js';
import { hasContainer, logStatusProblem, podView } from './streaming/pod.js';
import type { LogRequest, StreamingBackend } from './streaming/types.js';
import { TEXT, writeText } from './reply.js';

/** How long the first read may take before the response starts without it. */
const FIRST_READ_WAIT_MS = 200;

export interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  /** Present (possibly the zero time, from an empty value) when the query names it. */
  sinceTime?: Date | null;
  limitBytes?: number;
}

/** The query as PodLogOptions, or the kubelet's 400/422 answer. */
export function parseLogOptions(
  query: URLSearchParams,
): LogOptions | { status: number; body: string } {
  const q = new URLSearchParams(query);
  // The old `tail` parameter: a count, or `all` for everything.
  const tail = q.get('tail');
  if (tail) {
    q.delete('tailLines');
    if (tail !== 'all') q.set('tailLines', tail);
  }
  const o: LogOptions = {
    follow: boolParam(q, 'follow'),
    previous: boolParam(q, 'previous'),
    timestamps: boolParam(q, 'timestamps'),
  };
  try {
    const tailLines = int64Param(q, 'tailLines');
    const sinceSeconds = int64Param(q, 'sinceSeconds');
    const limitBytes = int64Param(q, 'limitBytes');
    const sinceTime = timeParam(q, 'sinceTime');
    if (tailLines !== undefined) o.tailLines = tailLines;
    if (sinceSeconds !== undefined) o.sinceSeconds = sinceSeconds;
    if (limitBytes !== undefined) o.limitBytes = limitBytes;
    if (sinceTime !== undefined) o.sinceTime = sinceTime;
  } catch (e) {
    if (e instanceof QueryError)
      return { status: 400, body: '{"message": "Unable to decode query."}' };
    throw e;
  }
  const invalid =
    (o.tailLines !== undefined && o.tailLines < 0) ||
    (o.limitBytes !== undefined && o.limitBytes < 1) ||
    (o.sinceSeconds !== undefined && o.sinceTime !== undefined) ||
    (o.sinceSeconds !== undefined && o.sinceSeconds < 1);
  if (invalid) return { status: 422, body: '{"message": "Invalid request."}' };
  return o;
}

/** Passes chunks on, stopping after `limit` bytes (cutting the last chunk) or on abort. */
async function* limited(
  it: AsyncIterator<Buffer>,
  first: Promise<IteratorResult<Buffer>>,
  limit: number | undefined,
  signal: AbortSignal,
): AsyncGenerator<Buffer> {
  let left = limit ?? Infinity;
  try {
    let r = await first;
    while (!r.done && !signal.aborted) {
      const chunk = r.value.length > left ? r.value.subarray(0, left) : r.value;
      left -= chunk.length;
      if (chunk.length) yield chunk;
      if (left <= 0) break;
      r = await it.next();
    }
  } catch {
    // A failure mid-stream can only end the body.
  } finally {
    await it.return?.();
  }
}

export interface ContainerLogsRequest {
  namespace: string;
  pod: string;
  container: string;
  query: URLSearchParams;
  signal: AbortSignal;
}

export async function serveContainerLogs(
  r: ContainerLogsRequest,
  res: ServerResponse,
  deps: {
    backend: StreamingBackend;
    getPod(namespace: string, name: string): KubeObject | undefined;
    now(): Date;
  },
): Promise<void> {
  const opts = parseLogOptions(r.query);
  if ('status' in opts) return writeText(res, opts.status, opts.body);
  const obj = deps.getPod(r.namespace, r.pod);
  if (!obj) return writeText(res, 404, `pod ${JSON.stringify(r.pod)} does not exist`);
  const pod = podView(obj);
  if (!hasContainer(pod, r.container))
    return writeText(
      res,
      404,
      `container ${JSON.stringify(r.container)} not found in pod ${JSON.stringify(r.pod)}`,
    );
  const problem = logStatusProblem(pod, r.container, opts.previous);
  if (problem) return writeText(res, 400, problem);

  const since =
    opts.sinceTime ??
    (opts.sinceSeconds !== undefined
      ? new Date(deps.now().getTime() - opts.sinceSeconds * 1000)
      : undefined);
  const req: LogRequest = {
    namespace: r.namespace,
    pod: r.pod,
    uid: pod.uid,
    container: r.container,
    previous: opts.previous,
    follow: opts.follow,
    timestamps: opts.timestamps,
    signal: r.signal,
    ...(opts.tailLines !== undefined ? { tailLines: opts.tailLines } : {}),
    ...(since ? { since } : {}),
    ...(opts.limitBytes !== undefined ? { limitBytes: opts.limitBytes } : {}),
  };
  const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
  let it: AsyncIterator<Buffer>;
  try {
    it = deps.backend.logs(req)[Symbol.asyncIterator]();
  } catch (e) {
    return writeText(res, 400, message(e));
  }
  // An error on the first read is still a 400; a slow first read (an idle log being
  // followed) does not hold the response back.
  const firstRead = it.next();
  const first = await Promise.race([
    firstRead.then(
      (v) => ({ v }),
      (e: unknown) => ({ e }),
    ),
    new Promise<undefined>((resolve) => {
      setTimeout(() => resolve(undefined), FIRST_READ_WAIT_MS).unref();
    }),
  ]);
  if (first && 'e' in first) return writeText(res, 400, message(first.e));
  res.writeHead(200, { 'Content-Type': TEXT, 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  for await (const chunk of limited(it, firstRead, opts.limitBytes, r.signal)) {
    if (!res.write(chunk))
      await new Promise<void>((ok) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          ok();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    if (res.destroyed) break;
  }
  res.end();
}

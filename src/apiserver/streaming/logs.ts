// GET pods/{name}/log: PodLogOptions from the query, validated as kube-apiserver does; the
// container chosen and its state checked as the kubelet does; then the backend's bytes as
// text/plain, streamed for as long as the backend goes on (follow).

import { ApiError, badRequest, invalid, methodNotSupported, notFound } from '../../api/errors.js';
import type { FieldError } from '../../api/types.js';
import type { SubresourceHandler } from '../handler.js';
import type { ApiResponse } from '../types.js';
import { boolParam } from '../query-params.js';
import { intParam, timeParam } from './params.js';
import { chooseContainer, logStatusProblem, podView } from './pod.js';
import type { LogRequest, StreamingServerOptions } from './types.js';

/** How long the first read may take before the response starts without it. */
const FIRST_READ_WAIT_MS = 200;

const TEXT = { 'content-type': 'text/plain' };

interface LogOptions {
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: Date;
  limitBytes?: number;
}

function parseOptions(q: URLSearchParams, pod: string): LogOptions {
  const o: LogOptions = {
    container: q.get('container') ?? '',
    follow: boolParam(q, 'follow'),
    previous: boolParam(q, 'previous'),
    timestamps: boolParam(q, 'timestamps'),
  };
  const tailLines = intParam(q, 'tailLines');
  const sinceSeconds = intParam(q, 'sinceSeconds');
  const limitBytes = intParam(q, 'limitBytes');
  const sinceTime = timeParam(q, 'sinceTime');
  if (tailLines !== undefined) o.tailLines = tailLines;
  if (sinceSeconds !== undefined) o.sinceSeconds = sinceSeconds;
  if (limitBytes !== undefined) o.limitBytes = limitBytes;
  if (sinceTime !== undefined) o.sinceTime = sinceTime;
  const errs: FieldError[] = [];
  if (o.tailLines !== undefined && o.tailLines < 0)
    errs.push({
      type: 'FieldValueInvalid',
      field: 'tailLines',
      badValue: o.tailLines,
      detail: 'must be greater than or equal to 0',
    });
  if (o.limitBytes !== undefined && o.limitBytes < 1)
    errs.push({
      type: 'FieldValueInvalid',
      field: 'limitBytes',
      badValue: o.limitBytes,
      detail: 'must be greater than 0',
    });
  if (o.sinceSeconds !== undefined && o.sinceTime !== undefined)
    errs.push({
      type: 'FieldValueForbidden',
      field: '',
      detail: 'at most one of `sinceTime` or `sinceSeconds` may be specified',
    });
  else if (o.sinceSeconds !== undefined && o.sinceSeconds < 1)
    errs.push({
      type: 'FieldValueInvalid',
      field: 'sinceSeconds',
      badValue: o.sinceSeconds,
      detail: 'must be greater than 0',
    });
  if (errs.length) throw invalid('PodLogOptions', '', pod, errs);
  return o;
}

const asApiError = (e: unknown): ApiError =>
  e instanceof ApiError ? e : badRequest(e instanceof Error ? e.message : String(e));

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

export function createLogHandler(o: StreamingServerOptions): SubresourceHandler {
  const clock = o.clock ?? { now: () => new Date() };
  return async (r): Promise<ApiResponse> => {
    if (r.info.verb !== 'get')
      throw methodNotSupported({ group: '', resource: 'pods/log' }, r.info.verb);
    const { namespace, name } = r.info;
    const opts = parseOptions(r.query, name);
    const obj = await o.getPod(namespace, name);
    if (!obj) throw notFound({ group: '', resource: 'pods' }, name);
    const pod = podView(obj);
    const container = chooseContainer(pod, opts.container, true);
    // An unscheduled pod has no node to ask: an empty log.
    if (!pod.nodeName) return { status: 200, headers: { ...TEXT }, body: '' };
    const problem = logStatusProblem(pod, container, opts.previous);
    if (problem) throw badRequest(problem);

    const signal = r.ctx.req.signal;
    const since =
      opts.sinceTime ??
      (opts.sinceSeconds !== undefined
        ? new Date(clock.now().getTime() - opts.sinceSeconds * 1000)
        : undefined);
    const req: LogRequest = {
      namespace,
      pod: name,
      uid: pod.uid,
      container,
      previous: opts.previous,
      follow: opts.follow,
      timestamps: opts.timestamps,
      signal,
      ...(opts.tailLines !== undefined ? { tailLines: opts.tailLines } : {}),
      ...(since ? { since } : {}),
      ...(opts.limitBytes !== undefined ? { limitBytes: opts.limitBytes } : {}),
    };
    let it: AsyncIterator<Buffer>;
    try {
      it = o.backend.logs(req)[Symbol.asyncIterator]();
    } catch (e) {
      throw asApiError(e);
    }
    // An error on the first read still becomes a Status; a slow first read (an idle log
    // being followed) does not hold the response back.
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
    if (first && 'e' in first) throw asApiError(first.e);
    return {
      status: 200,
      headers: { ...TEXT },
      stream: limited(it, firstRead, opts.limitBytes, signal),
    };
  };
}

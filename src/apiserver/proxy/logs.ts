// GET pods/{name}/log as kube-apiserver's LogREST serves it: PodLogOptions from the query,
// validated; the container chosen; then the pod's kubelet asked for /containerLogs with the
// query kube's LogLocation builds, and its answer streamed back (or its error turned into a
// Status as kube's response checker does).

import type { IncomingMessage } from 'node:http';
import {
  ApiError,
  badRequest,
  internalError,
  type StatusReason,
  invalid,
  methodNotSupported,
} from '../../api/errors.js';
import type { FieldError } from '../../api/types.js';
import type { SubresourceHandler } from '../handler.js';
import { joinHostPort, type KubeletClient } from '../kubelet/index.js';
import type { ApiResponse } from '../types.js';
import { boolParam } from '../query-params.js';
import { goNetError } from './dial-errors.js';
import { openBackend } from './forward.js';
import { escapePath, type Backend, type Locator } from './locations.js';
import { intParam, timeParam } from './params.js';
import { chooseContainer } from './pod.js';

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

/** Go's time.RFC3339 at second precision, in UTC. */
const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z');

/** The kubelet's query for these options (keys sorted, as url.Values.Encode writes them). */
function kubeletQuery(o: LogOptions): string {
  const p = new URLSearchParams();
  if (o.follow) p.append('follow', 'true');
  if (o.previous) p.append('previous', 'true');
  if (o.timestamps) p.append('timestamps', 'true');
  if (o.sinceSeconds !== undefined) p.append('sinceSeconds', String(o.sinceSeconds));
  if (o.sinceTime !== undefined) p.append('sinceTime', rfc3339(o.sinceTime));
  if (o.tailLines !== undefined) p.append('tailLines', String(o.tailLines));
  if (o.limitBytes !== undefined) p.append('limitBytes', String(o.limitBytes));
  p.sort();
  return p.toString();
}

/** Longest kubelet error body read into a Status (kube's response checker reads 1 MiB). */
const MAX_ERROR_BODY = 1 << 20;

async function errorBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res) {
    chunks.push(c as Buffer);
    size += (c as Buffer).length;
    if (size >= MAX_ERROR_BODY) break;
  }
  res.destroy();
  return Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY).toString('utf8');
}

/** What kube's NewGenericServerResponse makes of a status code (reason, message). */
const GENERIC: Record<number, [StatusReason, string]> = {
  404: ['NotFound', 'the server could not find the requested resource'],
  401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
  405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  409: ['Conflict', 'the server reported a conflict'],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: [
    'TooManyRequests',
    'the server has received too many requests and has asked us to try again later',
  ],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
};

/** kube's NewGenericServerResponse for pods/log (its verb is empty: `( pods/log NAME)`). */
function genericServerResponse(code: number, name: string, serverMessage: string): ApiError {
  let [reason, message]: [StatusReason, string] = GENERIC[code] ?? [
    '',
    `the server responded with the status code ${code} but did not return more information`,
  ];
  if (code === 403) [reason, message] = ['Forbidden', serverMessage];
  else if (!GENERIC[code] && code >= 500)
    [reason, message] = [
      'InternalError',
      `an error on the server (${JSON.stringify(serverMessage)}) has prevented the request from succeeding`,
    ];
  return new ApiError(code, reason, `${message} ( pods/log ${name})`, { name, kind: 'pods/log' });
}

/** kube's GenericHttpResponseChecker: a kubelet error answer as the API error it becomes. */
async function kubeletError(res: IncomingMessage, name: string): Promise<ApiError> {
  const status = res.statusCode ?? 500;
  const text = await errorBody(res);
  if (status === 500) return internalError(new Error(text));
  if (status === 400) return badRequest(text);
  return genericServerResponse(status, name, text);
}

export interface LogHandlerOptions {
  locator: Locator;
  kubelet: KubeletClient | undefined;
}

/**
 * GET pods/{name}/log: the options validated, the pod and container checked, then the
 * kubelet's /containerLogs answer streamed back as text/plain.
 */
export function createLogHandler(o: LogHandlerOptions): SubresourceHandler {
  return async (r): Promise<ApiResponse> => {
    if (r.info.verb !== 'get')
      throw methodNotSupported({ group: '', resource: 'pods/log' }, r.info.verb);
    const { namespace, name } = r.info;
    const opts = parseOptions(r.query, name);
    const pod = await o.locator.getPod(namespace, name);
    const container = chooseContainer(pod, opts.container, true);
    // An unscheduled pod has no node to ask: an empty log.
    if (!pod.nodeName || !o.kubelet) return { status: 200, headers: { ...TEXT }, body: '' };
    const node = await o.kubelet.endpoint(pod.nodeName);
    const backend: Backend = {
      scheme: 'https',
      hostname: node.host,
      port: node.port,
      path: `/containerLogs/${escapePath(pod.namespace)}/${escapePath(pod.name)}/${escapePath(container)}`,
      query: kubeletQuery(opts),
      tls: 'kubelet',
      rewrite: false,
    };
    let res: IncomingMessage;
    try {
      res = await openBackend(
        backend,
        { method: 'GET', headers: {}, signal: r.ctx.req.signal },
        o.kubelet,
      );
    } catch (e) {
      const url = `https://${joinHostPort(node.host, node.port)}${backend.path}${backend.query ? `?${backend.query}` : ''}`;
      // The HTTP client's error as it is: kube-apiserver answers it 500 without a reason.
      throw new ApiError(500, '', `Get "${url}": ${goNetError(e, node.host, node.port)}`);
    }
    const status = res.statusCode ?? 500;
    if (status < 200 || status > 206) throw await kubeletError(res, name);
    return { status: 200, headers: { ...TEXT }, stream: res };
  };
}

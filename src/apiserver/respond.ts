// Building responses: JSON bodies and Status errors, in one place.

import { ApiError, internalError } from '../api/errors.js';
import type { ApiResponse } from './types.js';

/** A JSON body ends with a newline, as kube-apiserver's encoder writes one (clients compare). */
export function json(
  status: number,
  body: unknown,
  contentType = 'application/json',
  extra: Record<string, string> = {},
): ApiResponse {
  return {
    status,
    headers: { 'content-type': contentType, ...extra },
    body: JSON.stringify(body) + '\n',
  };
}

export function errorResponse(e: unknown): ApiResponse {
  const err = e instanceof ApiError ? e : internalError(e);
  const headers: Record<string, string> = {};
  if (err.details?.retryAfterSeconds)
    headers['retry-after'] = String(err.details.retryAfterSeconds);
  return json(err.code, err.toStatus(), 'application/json', headers);
}

export function successStatus(details: Record<string, unknown>): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
}

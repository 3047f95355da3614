// Query parameters decoded as kube-apiserver's parameter codec decodes them (booleans:
// ../query-params.ts, shared with the request info and the handlers).

import { badRequest } from '../../api/errors.js';

/** An integer parameter, or undefined when absent or empty. */
export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^[+-]?\d+$/.test(v))
    throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/** An RFC 3339 time parameter, or undefined when absent or empty. */
export function timeParam(q: URLSearchParams, name: string): Date | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(v);
  const d = new Date(v);
  if (!ok || Number.isNaN(d.getTime()))
    throw badRequest(
      `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as "2006"`,
    );
  return d;
}

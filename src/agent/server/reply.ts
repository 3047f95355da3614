// Plain answers as the kubelet's Go handlers write them: go-restful's WriteError (the text as
// is) and net/http's Error (the text and a newline, nosniff).

import type { ServerResponse } from 'node:http';

export const TEXT = 'text/plain; charset=utf-8';

/** go-restful's WriteErrorString / WriteError: the status and the text, nothing added. */
export function writeText(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string | string[]> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const bytes = Buffer.from(body);
  res.writeHead(status, {
    ...(bytes.length ? { 'Content-Type': TEXT } : {}),
    'Content-Length': String(bytes.length),
    ...headers,
  });
  res.end(bytes);
}

/** net/http's Error: the text with a newline, and X-Content-Type-Options: nosniff. */
export function httpError(res: ServerResponse, status: number, message: string): void {
  writeText(res, status, message + '\n', { 'X-Content-Type-Options': 'nosniff' });
}

export function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(bytes.length),
  });
  res.end(bytes);
}

/** Go's htmlReplacer: the five characters HTML gives meaning to. */
export const htmlEscape = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c] ?? c,
  );

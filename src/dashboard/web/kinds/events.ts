// Events newest first, with the time that matters (the last time it happened) and whether it
// is a warning.

import type { KObject } from '../api/reducer.js';

/** The last time an event happened: lastTimestamp, eventTime, series, or creation. */
export function eventTime(e: KObject): string | undefined {
  return (
    e.series?.lastObservedTime ??
    e.lastTimestamp ??
    e.eventTime ??
    e.firstTimestamp ??
    e.metadata.creationTimestamp
  );
}

export function newestFirst(events: Iterable<KObject>): KObject[] {
  const withTime = [...events].map((e) => [Date.parse(eventTime(e) ?? '') || 0, e] as const);
  withTime.sort((a, b) => b[0] - a[0]);
  return withTime.map(([, e]) => e);
}

export const isWarning = (e: KObject): boolean => e.type === 'Warning';

/** `Deployment/web`, the object an event is about. */
export function involved(e: KObject): string {
  const o = e.involvedObject ?? e.regarding ?? {};
  return `${o.kind ?? ''}/${o.name ?? ''}`;
}

/** A secret's value, base64-decoded as UTF-8 text (binary bytes shown as replacement marks). */
export function decodeSecretValue(b64: string): string {
  let bin: string;
  try {
    bin = atob(b64);
  } catch {
    return b64;
  }
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** A value inside a field selector, escaped as the API server reads it (`\`, `,` and `=`). */
export function escapeFieldValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** A path segment decoded, or left as it is when it is not valid percent-encoding. */
export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A name the API could hold in a path: not `.` or `..`, no `/` or `%` (as the API server checks). */
export function isPathSegmentName(s: string): boolean {
  return s !== '' && s !== '.' && s !== '..' && !/[/%]/.test(s);
}

// Timestamps as the Kubernetes API writes them: RFC 3339 in UTC.

/** RFC 3339 in UTC at second precision, as metav1.Time writes it: `2024-05-01T10:20:30Z`. */
export function formatTime(d: Date): string {
  // Not a slice: years past 9999 are written with a sign and six digits.
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * RFC 3339 in UTC with exactly six fractional digits, as metav1.MicroTime writes it:
 * `2024-05-01T10:20:30.123456Z` (a Date holds milliseconds, so the last three are zeros).
 */
export function formatMicroTime(d: Date): string {
  return d.toISOString().replace(/Z$/, '000Z');
}

/**
 * Go's time.RFC3339Nano for a time in milliseconds: fractional seconds only when non-zero,
 * trailing zeros dropped (`…:30Z`, `…:30.5Z`, `…:30.123Z`).
 */
export function formatTimeNano(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.(\d*?)0*Z$/, (_m, f: string) => (f ? `.${f}Z` : 'Z'));
}

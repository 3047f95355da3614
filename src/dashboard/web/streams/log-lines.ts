// The log viewer's model: a bounded buffer of lines fed by chunks of a streamed log (a chunk
// may end mid-line), the log request's query, search matching and the window of lines a
// scrolled view shows. Pure, so that megabytes of log can be tested under Node.

/** Lines held and shown; older ones are dropped (the download has the full log). */
export const MAX_LINES = 10_000;

export class LogLines {
  private held: string[] = [];
  /** The unfinished last line of the stream so far. */
  private partial = '';
  /** Lines removed from the front of `held`. */
  private removed = 0;
  readonly max: number;

  constructor(max = MAX_LINES) {
    this.max = max;
  }

  /** Append a decoded chunk. */
  push(chunk: string): void {
    if (!chunk) return;
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) this.held.push(p.endsWith('\r') ? p.slice(0, -1) : p);
    this.trim();
  }

  /** The stream ended: an unfinished last line becomes a line. */
  end(): void {
    if (this.partial) this.held.push(this.partial);
    this.partial = '';
    this.trim();
  }

  /** The last `max` lines, the unfinished one included while the stream is open. */
  lines(): string[] {
    const all = this.partial ? [...this.held, this.partial] : this.held;
    return all.slice(Math.max(0, all.length - this.max));
  }

  /** Lines of the stream that `lines()` no longer has. */
  get dropped(): number {
    return this.removed + Math.max(0, this.held.length + (this.partial ? 1 : 0) - this.max);
  }

  get length(): number {
    return Math.min(this.max, this.held.length + (this.partial ? 1 : 0));
  }

  private trim(): void {
    // removing in batches keeps appends cheap (no shift per line)
    if (this.held.length <= this.max + Math.max(16, this.max >> 3)) return;
    const over = this.held.length - this.max;
    this.held.splice(0, over);
    this.removed += over;
  }
}

export interface LogQuery {
  container?: string | undefined;
  follow?: boolean;
  previous?: boolean;
  timestamps?: boolean;
  /** Undefined for the whole log. */
  tailLines?: number | undefined;
}

/** The log subresource's path and query, as kubectl logs builds it. */
export function logPath(namespace: string, pod: string, o: LogQuery): string {
  const q = new URLSearchParams();
  if (o.container) q.set('container', o.container);
  if (o.follow) q.set('follow', 'true');
  if (o.previous) q.set('previous', 'true');
  if (o.timestamps) q.set('timestamps', 'true');
  if (o.tailLines !== undefined) q.set('tailLines', String(o.tailLines));
  const query = q.toString();
  return (
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log` +
    (query ? `?${query}` : '')
  );
}

/** A piece of a line, marked when it matches the search. */
export interface Segment {
  text: string;
  hit: boolean;
}

/** A line cut around every case-insensitive occurrence of `search`. */
export function highlight(line: string, search: string): Segment[] {
  if (!search) return [{ text: line, hit: false }];
  const lower = line.toLowerCase();
  const needle = search.toLowerCase();
  const out: Segment[] = [];
  let at = 0;
  for (;;) {
    const i = lower.indexOf(needle, at);
    if (i < 0) break;
    if (i > at) out.push({ text: line.slice(at, i), hit: false });
    out.push({ text: line.slice(i, i + needle.length), hit: true });
    at = i + needle.length;
  }
  if (at < line.length || out.length === 0) out.push({ text: line.slice(at), hit: false });
  return out;
}

export const matches = (line: string, search: string): boolean =>
  !search || line.toLowerCase().includes(search.toLowerCase());

/** The lines to render for a view scrolled to `scrollTop`, with a few more either side. */
export function visibleWindow(
  scrollTop: number,
  viewportHeight: number,
  lineHeight: number,
  count: number,
  overscan = 20,
): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / lineHeight);
  const shown = Math.ceil(viewportHeight / lineHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + shown + overscan);
  return { start, end: Math.max(start, end) };
}

/** A file name for the downloaded log: pod, container, and whether it is the previous one. */
export function logFileName(pod: string, container: string, previous: boolean): string {
  return `${pod}_${container}${previous ? '_previous' : ''}.log`;
}

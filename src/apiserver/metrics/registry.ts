// A small metrics registry: counters, gauges and histograms with labels, rendered in the
// Prometheus text exposition format (version 0.0.4) as the Go client renders it — families
// sorted by name, label names sorted, every declared label present (empty values included).

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type LabelValues = Record<string, string>;

interface FamilyOptions {
  name: string;
  help: string;
  labels?: readonly string[];
}

export interface HistogramOptions extends FamilyOptions {
  /** Upper bounds, ascending; +Inf is implied. */
  buckets: readonly number[];
}

type MetricType = 'counter' | 'gauge' | 'histogram';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** HELP text: backslash and newline escaped. */
export const escapeHelp = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
/** Label values: backslash, double quote and newline escaped. */
export const escapeLabelValue = (s: string): string =>
  s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

abstract class Family<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected readonly series = new Map<string, { labels: string[]; state: S }>();
  abstract readonly type: MetricType;

  constructor(o: FamilyOptions) {
    if (!NAME.test(o.name)) throw new Error(`invalid metric name ${JSON.stringify(o.name)}`);
    for (const l of o.labels ?? [])
      if (!LABEL.test(l) || l.startsWith('__') || l === 'le')
        throw new Error(`invalid label name ${JSON.stringify(l)} on ${o.name}`);
    this.name = o.name;
    this.help = o.help;
    this.labelNames = [...(o.labels ?? [])];
  }

  protected abstract fresh(): S;

  /** The state of the series with these label values, created on first use. */
  protected at(values: LabelValues): S {
    // Called on every request: each declared name is looked up once (same count, all
    // present), rather than each given name searched for among the declared ones.
    const given = Object.keys(values);
    if (given.length !== this.labelNames.length || this.labelNames.some((l) => !(l in values)))
      throw new Error(`${this.name}: labels ${given.join(',')} != ${this.labelNames.join(',')}`);
    const labels = this.labelNames.map((l) => values[l] ?? '');
    const key = JSON.stringify(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, state: this.fresh() };
      this.series.set(key, s);
    }
    return s.state;
  }

  /** `{a="x",b="y"}` with label names sorted, plus any extra pair (e.g. `le`) last. */
  protected labelText(values: string[], extra?: [string, string]): string {
    const pairs = this.labelNames.map((n, i) => [n, values[i] ?? ''] as [string, string]);
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (extra) pairs.push(extra);
    if (!pairs.length) return '';
    return `{${pairs.map(([n, v]) => `${n}="${escapeLabelValue(v)}"`).join(',')}}`;
  }

  protected abstract sample(labels: string[], state: S): string[];

  /** Whether any series exists (families without one are left out, as the Go client does). */
  get empty(): boolean {
    return this.series.size === 0;
  }

  render(): string {
    const lines = [
      `# HELP ${this.name} ${escapeHelp(this.help)}`,
      `# TYPE ${this.name} ${this.type}`,
    ];
    // Series in the order of their label values taken by sorted label name.
    const order = this.labelNames
      .map((n, i) => [n, i] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([, i]) => i);
    const sortKey = (labels: string[]) => JSON.stringify(order.map((i) => labels[i]));
    const rows = [...this.series.values()].sort((a, b) => {
      const x = sortKey(a.labels);
      const y = sortKey(b.labels);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    for (const r of rows) lines.push(...this.sample(r.labels, r.state));
    return lines.join('\n') + '\n';
  }
}

export class Counter extends Family<{ v: number }> {
  readonly type = 'counter' as const;
  protected fresh() {
    return { v: 0 };
  }
  inc(labels: LabelValues = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name}: a counter only goes up`);
    this.at(labels).v += by;
  }
  get(labels: LabelValues = {}): number {
    return this.at(labels).v;
  }
  protected sample(labels: string[], s: { v: number }): string[] {
    return [`${this.name}${this.labelText(labels)} ${formatValue(s.v)}`];
  }
}

export class Gauge extends Family<{ v: number }> {
  readonly type = 'gauge' as const;
  protected fresh() {
    return { v: 0 };
  }
  set(labels: LabelValues, v: number): void {
    this.at(labels).v = v;
  }
  inc(labels: LabelValues = {}, by = 1): void {
    this.at(labels).v += by;
  }
  dec(labels: LabelValues = {}, by = 1): void {
    this.at(labels).v -= by;
  }
  get(labels: LabelValues = {}): number {
    return this.at(labels).v;
  }
  /** Forgets every series (for gauges refilled at each scrape). */
  reset(): void {
    this.series.clear();
  }
  protected sample(labels: string[], s: { v: number }): string[] {
    return [`${this.name}${this.labelText(labels)} ${formatValue(s.v)}`];
  }
}

interface HistogramState {
  /** Per bucket, not cumulative; the last slot is +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Family<HistogramState> {
  readonly type = 'histogram' as const;
  readonly buckets: readonly number[];
  constructor(o: HistogramOptions) {
    super(o);
    for (let i = 1; i < o.buckets.length; i++)
      if (!((o.buckets[i] ?? 0) > (o.buckets[i - 1] ?? 0)))
        throw new Error(`${o.name}: buckets must increase`);
    this.buckets = o.buckets.filter((b) => b !== Infinity);
  }
  protected fresh(): HistogramState {
    return { counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
  }
  observe(labels: LabelValues, v: number): void {
    const s = this.at(labels);
    let i = this.buckets.findIndex((b) => v <= b);
    if (i < 0) i = this.buckets.length;
    s.counts[i] = (s.counts[i] ?? 0) + 1;
    s.sum += v;
    s.count += 1;
  }
  protected sample(labels: string[], s: HistogramState): string[] {
    const out: string[] = [];
    let cumulative = 0;
    [...this.buckets, Infinity].forEach((b, i) => {
      cumulative += s.counts[i] ?? 0;
      out.push(
        `${this.name}_bucket${this.labelText(labels, ['le', formatValue(b)])} ${cumulative}`,
      );
    });
    out.push(`${this.name}_sum${this.labelText(labels)} ${formatValue(s.sum)}`);
    out.push(`${this.name}_count${this.labelText(labels)} ${s.count}`);
    return out;
  }
}

type AnyFamily = Counter | Gauge | Histogram;

export class MetricsRegistry {
  private readonly families = new Map<string, AnyFamily>();
  private readonly collectors: (() => void | Promise<void>)[] = [];

  private add<F extends AnyFamily>(f: F): F {
    if (this.families.has(f.name)) throw new Error(`metric ${f.name} registered twice`);
    this.families.set(f.name, f);
    return f;
  }
  counter(o: FamilyOptions): Counter {
    return this.add(new Counter(o));
  }
  gauge(o: FamilyOptions): Gauge {
    return this.add(new Gauge(o));
  }
  histogram(o: HistogramOptions): Histogram {
    return this.add(new Histogram(o));
  }
  /** Runs before each rendering, e.g. to refresh gauges read from elsewhere. */
  onCollect(fn: () => void | Promise<void>): void {
    this.collectors.push(fn);
  }

  async render(): Promise<string> {
    for (const c of this.collectors) await c();
    return [...this.families.values()]
      .filter((f) => !f.empty)
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((f) => f.render())
      .join('');
  }
}

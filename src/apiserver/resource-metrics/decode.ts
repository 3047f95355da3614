// A kubelet's /metrics/resource text as metrics-server decodes it: the node's cumulative CPU
// and working set, and per container its CPU, working set and start time, each point timed
// by its sample's millisecond timestamp (the scrape's start when a line has none).

/** One point of a node or container. Times in ms since the epoch; CPU in nanosecond-cores. */
export interface MetricsPoint {
  /** When the container started; absent for nodes and unknown starts. */
  startMs?: number;
  timestampMs: number;
  cumulativeCpuNanos: bigint;
  memoryBytes: bigint;
}

export interface MetricsBatch {
  nodes: Map<string, MetricsPoint>;
  /** By `namespace/name`, then container name. */
  pods: Map<string, Map<string, MetricsPoint>>;
}

export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

function parseValue(s: string): number {
  if (/^[+]?inf$/i.test(s)) return Infinity;
  if (/^-inf$/i.test(s)) return -Infinity;
  if (/^nan$/i.test(s)) return NaN;
  const n = Number(s);
  if (s === '' || Number.isNaN(n)) throw new Error(`invalid sample value ${JSON.stringify(s)}`);
  return n;
}

/** The series of a Prometheus text exposition (comments and blank lines skipped). */
export function parsePrometheusText(text: string): PrometheusSample[] {
  const out: PrometheusSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (!m) throw new Error(`invalid series line ${JSON.stringify(line)}`);
    const name = m[1]!;
    let i = name.length;
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i++;
      for (;;) {
        while (line[i] === ' ' || line[i] === ',') i++;
        if (line[i] === '}') {
          i++;
          break;
        }
        const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"/.exec(line.slice(i));
        if (!lm) throw new Error(`invalid labels in ${JSON.stringify(line)}`);
        i += lm[0].length;
        let value = '';
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\') {
            const next = line[i + 1];
            value += next === 'n' ? '\n' : (next ?? '');
            i += 2;
          } else value += line[i++];
        }
        if (line[i] !== '"') throw new Error(`unterminated label value in ${JSON.stringify(line)}`);
        i++;
        labels[lm[1]!] = value;
      }
    }
    const [value = '', ts] = line.slice(i).trim().split(/\s+/);
    out.push({
      name,
      labels,
      value: parseValue(value),
      ...(ts !== undefined ? { timestampMs: Number(ts) } : {}),
    });
  }
  return out;
}

/** float64 → uint64 as Go converts (truncation; negative and NaN as 0 here). */
const toUint = (v: number): bigint => (Number.isFinite(v) && v > 0 ? BigInt(Math.trunc(v)) : 0n);

/** metrics-server's decodeBatch: one node's text as a batch. */
export function decodeBatch(text: string, defaultTimeMs: number, nodeName: string): MetricsBatch {
  const batch: MetricsBatch = { nodes: new Map(), pods: new Map() };
  const node: Partial<MetricsPoint> = {};
  const pods = new Map<string, Map<string, Partial<MetricsPoint>>>();
  const container = (l: Record<string, string>): Partial<MetricsPoint> => {
    const key = `${l['namespace'] ?? ''}/${l['pod'] ?? ''}`;
    let p = pods.get(key);
    if (!p) pods.set(key, (p = new Map()));
    const name = l['container'] ?? '';
    let c = p.get(name);
    if (!c) p.set(name, (c = {}));
    return c;
  };
  for (const s of parsePrometheusText(text)) {
    const ts = s.timestampMs ?? defaultTimeMs;
    switch (s.name) {
      case 'node_cpu_usage_seconds_total':
        node.cumulativeCpuNanos = toUint(s.value * 1e9);
        node.timestampMs = ts;
        break;
      case 'node_memory_working_set_bytes':
        node.memoryBytes = toUint(s.value);
        node.timestampMs = ts;
        break;
      case 'container_cpu_usage_seconds_total': {
        const c = container(s.labels);
        c.cumulativeCpuNanos = toUint(s.value * 1e9);
        c.timestampMs = ts;
        break;
      }
      case 'container_memory_working_set_bytes': {
        const c = container(s.labels);
        c.memoryBytes = toUint(s.value);
        c.timestampMs = ts;
        break;
      }
      case 'container_start_time_seconds':
        container(s.labels).startMs = Math.trunc(s.value * 1e3);
        break;
      default:
    }
  }
  if (node.timestampMs && node.cumulativeCpuNanos && node.memoryBytes)
    batch.nodes.set(nodeName, node as MetricsPoint);
  for (const [key, containers] of pods) {
    const complete = new Map<string, MetricsPoint>();
    let dropped = false;
    for (const [name, c] of containers) {
      if (c.timestampMs === undefined && !c.cumulativeCpuNanos && !c.memoryBytes && !c.startMs)
        continue;
      // A container without CPU or memory drops its whole pod, as metrics-server does.
      if (!c.cumulativeCpuNanos || !c.memoryBytes) {
        dropped = true;
        break;
      }
      complete.set(name, { timestampMs: 0, ...c } as MetricsPoint);
    }
    if (!dropped && containers.size) batch.pods.set(key, complete);
  }
  return batch;
}

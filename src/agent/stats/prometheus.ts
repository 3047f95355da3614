// The kubelet's /metrics/resource: a Summary as Prometheus text, family by family in name
// order, labels in name order, values as Go prints float64 ('g', shortest) and sample
// timestamps in milliseconds, which metrics-server takes as the time of each point.

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: { labels: [string, string][]; value: number; timeMs?: number }[];
}

const DESCS = {
  container_cpu_usage_seconds_total: [
    'counter',
    '[STABLE] Cumulative cpu time consumed by the container in core-seconds',
  ],
  container_memory_working_set_bytes: [
    'gauge',
    '[STABLE] Current working set of the container in bytes',
  ],
  container_start_time_seconds: [
    'gauge',
    '[STABLE] Start time of the container since unix epoch in seconds',
  ],
  node_cpu_usage_seconds_total: [
    'counter',
    '[STABLE] Cumulative cpu time consumed by the node in core-seconds',
  ],
  node_memory_working_set_bytes: ['gauge', '[STABLE] Current working set of the node in bytes'],
  pod_cpu_usage_seconds_total: [
    'counter',
    '[STABLE] Cumulative cpu time consumed by the pod in core-seconds',
  ],
  pod_memory_working_set_bytes: ['gauge', '[STABLE] Current working set of the pod in bytes'],
  resource_scrape_error: [
    'gauge',
    '[STABLE] 1 if there was an error while getting container metrics, 0 otherwise',
  ],
} as const;

type Name = keyof typeof DESCS;

/** A float64 as Go's strconv.FormatFloat(v, 'g', -1, 64): the exponent form below 1e-4 and from 1e6. */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, expText] = v.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(v);
}

const escapeLabel = (v: string): string =>
  v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** A cumulative CPU reading and a working set, each with the time it was taken. */
export interface UsagePoint {
  cpu?: { usageCoreNanoSeconds: number; time: Date };
  memory?: { workingSetBytes: number; time: Date };
}

/** What /metrics/resource reports: the node, and each pod with its containers. */
export interface ResourceSample {
  node: UsagePoint;
  pods: (UsagePoint & {
    name: string;
    namespace: string;
    containers: (UsagePoint & { name: string; startTime?: Date })[];
  })[];
}

/**
 * The text the kubelet serves at /metrics/resource for this sample. `scrapeError` is set
 * when the usage could not be read (the families of usage are then absent).
 */
export function formatResourceMetrics(
  sample: ResourceSample | undefined,
  scrapeError = false,
): string {
  const families = new Map<Name, Family>();
  const add = (name: Name, labels: [string, string][], value: number, time?: Date): void => {
    let f = families.get(name);
    if (!f) {
      const [type, help] = DESCS[name];
      f = { name, help, type, samples: [] };
      families.set(name, f);
    }
    f.samples.push({ labels, value, ...(time ? { timeMs: time.getTime() } : {}) });
  };
  const usage = (cpuName: Name, memName: Name, labels: [string, string][], p: UsagePoint): void => {
    if (p.cpu) add(cpuName, labels, p.cpu.usageCoreNanoSeconds / 1e9, p.cpu.time);
    if (p.memory) add(memName, labels, p.memory.workingSetBytes, p.memory.time);
  };
  if (sample) {
    usage('node_cpu_usage_seconds_total', 'node_memory_working_set_bytes', [], sample.node);
    for (const pod of sample.pods) {
      for (const c of pod.containers) {
        const labels: [string, string][] = [
          ['container', c.name],
          ['namespace', pod.namespace],
          ['pod', pod.name],
        ];
        if (c.startTime && c.startTime.getTime() > 0)
          add('container_start_time_seconds', labels, c.startTime.getTime() / 1000);
        usage('container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', labels, c);
      }
      const podLabels: [string, string][] = [
        ['namespace', pod.namespace],
        ['pod', pod.name],
      ];
      usage('pod_cpu_usage_seconds_total', 'pod_memory_working_set_bytes', podLabels, pod);
    }
  }
  add('resource_scrape_error', [], scrapeError ? 1 : 0);
  let out = '';
  for (const name of [...families.keys()].sort()) {
    const f = families.get(name)!;
    out += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
    // As the Prometheus registry gathers: series ordered by their label values.
    f.samples.sort((a, b) => compareLabels(a.labels, b.labels));
    for (const s of f.samples) {
      const labels = s.labels.length
        ? `{${s.labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
        : '';
      out += `${f.name}${labels} ${goFloat(s.value)}${s.timeMs !== undefined ? ` ${s.timeMs}` : ''}\n`;
    }
  }
  return out;
}

function compareLabels(a: [string, string][], b: [string, string][]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]![1];
    const y = b[i]![1];
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

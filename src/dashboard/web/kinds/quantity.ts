// Resource quantities as the API writes them (`128Mi`, `250m`, `1.5Gi`, `2e3`, `123456789n`)
// read into plain numbers (bytes, cores), and written back the short way people read them.

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** The number a quantity stands for (bytes for memory, cores for CPU); NaN when it is not one. */
export function parseQuantity(q: string | number | undefined | null): number {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return NaN;
  const m = QUANTITY.exec(q.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  if (m[2]) return n * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? '';
  return n * (BINARY[suffix] ?? DECIMAL[suffix] ?? NaN);
}

const trim = (n: number, digits: number): string =>
  n
    .toFixed(digits)
    .replace(/\.0+$/, '')
    .replace(/(\.\d*?)0+$/, '$1');

/** Bytes the way kubectl top and the dashboard show memory: `128Mi`, `1.5Gi`, `512Ki`. */
export function formatMemory(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  if (bytes < 1024) return `${Math.round(bytes)}`;
  const units = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
  let i = 0;
  let v = bytes / 1024;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${trim(v, v < 10 ? 1 : 0)}${units[i]}`;
}

/** Cores the way kubectl top shows CPU: millicores below one core (`250m`), cores above (`1.5`). */
export function formatCpu(cores: number): string {
  if (!Number.isFinite(cores)) return '—';
  if (cores < 1) return `${Math.round(cores * 1000)}m`;
  return trim(cores, 2);
}

/** A share as a whole percentage (`42%`), or '' when the total is unknown. */
export function percent(part: number, total: number): string {
  if (!Number.isFinite(part) || !Number.isFinite(total) || total <= 0) return '';
  return `${Math.round((part / total) * 100)}%`;
}

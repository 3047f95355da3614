// What a benchmark hands back, and how run.ts prints it: one compact table per benchmark.

/** One measured figure beside its goal; `pass` is undefined for figures without a goal. */
export interface Row {
  metric: string;
  measured: string;
  goal?: string;
  pass?: boolean;
}

export function formatTable(rows: Row[]): string {
  const cells = rows.map((r) => [
    r.metric,
    r.measured,
    r.goal ?? '—',
    r.pass === undefined ? '' : r.pass ? 'PASS' : 'MISS',
  ]);
  const header = ['metric', 'measured', 'goal', 'result'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]): string =>
    '  ' +
    c
      .map((s, i) => s.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export const ms = (v: number): string =>
  v >= 100 ? `${Math.round(v)} ms` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`;
export const perSec = (v: number): string => `${Math.round(v).toLocaleString('en-US')}/s`;
export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
export const count = (n: number): string => n.toLocaleString('en-US');

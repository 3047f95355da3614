// Ages as kubectl prints them (5s, 3m12s, 4h, 2d3h), updated as time passes.

import { useEffect, useState } from 'preact/hooks';

export function shortAge(since: string | undefined, now = Date.now()): string {
  if (!since) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return `${d}d${h % 24 ? `${h % 24}h` : ''}`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

let tick = Date.now();
const listeners = new Set<() => void>();
setInterval(() => {
  tick = Date.now();
  for (const f of listeners) f();
}, 5000);

export function Age({ since }: { since: string | undefined }) {
  const [, set] = useState(0);
  useEffect(() => {
    const f = (): void => set((n) => n + 1);
    listeners.add(f);
    return () => void listeners.delete(f);
  }, []);
  return <span title={since}>{shortAge(since, tick)}</span>;
}

// The container select shared by the log viewer and the terminal.

import type { PodContainer } from './containers.js';

export function ContainerPicker(p: {
  containers: PodContainer[];
  value: string | undefined;
  onChange(name: string): void;
}) {
  const names = p.containers.map((c) => c.name);
  const options =
    p.value && !names.includes(p.value)
      ? [{ name: p.value, kind: 'app', state: 'unknown', restarts: 0 }, ...p.containers]
      : p.containers;
  return (
    <label>
      Container{' '}
      <select
        name="container"
        aria-label="Container"
        value={p.value ?? ''}
        onChange={(e) => p.onChange((e.target as HTMLSelectElement).value)}
      >
        {options.length === 0 && <option value="">(default)</option>}
        {options.map((c) => (
          <option key={c.name} value={c.name}>
            {c.name}
            {c.kind === 'app' ? '' : ` (${c.kind})`} — {c.state}
            {c.restarts ? `, ${c.restarts} restarts` : ''}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Write the page's query into the hash without a navigation (the page keeps its state). */
export function replaceHashQuery(path: string, query: Record<string, string | undefined>): void {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
  const s = q.toString();
  history.replaceState(history.state, '', `#${path}${s ? `?${s}` : ''}`);
}

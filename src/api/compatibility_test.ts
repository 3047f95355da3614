// docs/compatibility.md lists the resources the server serves; this keeps it true.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { defaultResourceTable } from './registry.js';

it('docs/compatibility.md lists exactly the served resources, verbs and subresources', () => {
  const doc = readFileSync(new URL('../../docs/compatibility.md', import.meta.url), 'utf8');
  const rows = doc
    .split('\n')
    .filter((l) => /^\| (core|[a-z0-9.-]+\.[a-z]+|apps|batch|extensions) \|/.test(l))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim())
        .join(' | '),
    );
  const served = defaultResourceTable().all.map((d) =>
    [
      d.group || 'core',
      d.version,
      d.plural,
      d.kind,
      d.namespaced ? 'Namespaced' : 'Cluster',
      (d.shortNames ?? []).join(', '),
      d.verbs.join(', '),
      (d.subresources ?? []).map((s) => s.name).join(', '),
    ].join(' | '),
  );
  assert.deepEqual(rows.sort(), served.sort());
});

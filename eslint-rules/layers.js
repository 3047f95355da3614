// Two lint rules that keep the layers of src/ apart. They are ours rather than a plugin's
// because the policy is about this tree's components (a folder directly under src/ is one),
// which no generic path matcher expresses without a pattern per folder pair.
//
//   skiff/layers    who may import which component, and only through its index.ts
//   skiff/no-cycle  no module reaches itself again through static imports
//
// The policy itself (which component may import which) is data in eslint.config.js.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const posix = (p) => p.split(path.sep).join('/');

/** The file a relative specifier names: `./x.js` is written for `./x.ts`; a folder means its index. */
function resolveSpecifier(fromFile, spec) {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return undefined;
  const base = path.resolve(path.dirname(fromFile), spec);
  const candidates = [
    base.replace(/\.js$/, '.ts'),
    base,
    `${base}.ts`,
    path.join(base, 'index.ts'),
  ];
  for (const c of candidates) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  // Unresolved (a file that does not exist yet): judge by the name as written.
  return base.replace(/\.js$/, '.ts');
}

const isTestFile = (rel) => /_test\.ts$/.test(rel);

/** `src/<component>/...` → component; undefined outside src/. */
function componentOf(rel) {
  const m = /^src\/([^/]+)\//.exec(rel);
  return m ? m[1] : undefined;
}

function isPublicEntry(targetRel, component, shared) {
  const inside = targetRel.slice(`src/${component}/`.length);
  if (inside === 'index.ts') return true;
  // The shared vocabulary has no single index: its top-level modules and the index of each
  // subfolder are public; anything deeper (src/api/kinds/podspec/volumes.ts) is internal.
  if (shared.includes(component)) return !inside.includes('/') || /^[^/]+\/index\.ts$/.test(inside);
  return false;
}

/** Every import a rule inspects: static imports, re-exports and `import()` with a literal. */
function importVisitors(check) {
  const fromSource = (node) => {
    if (node.source && typeof node.source.value === 'string') check(node.source, node);
  };
  return {
    ImportDeclaration: fromSource,
    ExportNamedDeclaration: fromSource,
    ExportAllDeclaration: fromSource,
    ImportExpression(node) {
      if (node.source.type === 'Literal' && typeof node.source.value === 'string') {
        check(node.source, node);
      }
    },
  };
}

const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'Components import each other only as the layer policy allows.' },
    schema: [{ type: 'object', additionalProperties: true }],
    messages: {
      forbidden: '{{from}} must not import {{to}}: {{why}}',
      internal:
        '{{target}} is internal to src/{{component}}; import src/{{component}}/index.js (or export it there).',
      fromTest:
        'Code under src/ must not import {{target}}: test support lives in test/ and never ships.',
    },
  },
  create(context) {
    const policy = context.options[0] ?? {};
    const root = policy.root ?? context.cwd;
    const shared = policy.shared ?? [];
    const forbidden = policy.forbidden ?? [];
    const rootEntries = new Map(Object.entries(policy.compositionRootEntries ?? {}));
    const pending = new Set((policy.pending ?? []).map((p) => `${p.from} -> ${p.to}`));
    const fileRel = posix(path.relative(root, context.filename));
    const fromComponent = componentOf(fileRel);
    if (!fromComponent) return {}; // test/ and bench/ look at the whole system on purpose
    const fromTest = isTestFile(fileRel);

    return importVisitors((source) => {
      const resolved = resolveSpecifier(context.filename, source.value);
      if (!resolved) return;
      const target = posix(path.relative(root, resolved));
      if (pending.has(`${fileRel} -> ${target}`)) return;
      if (target.startsWith('test/')) {
        if (!fromTest) context.report({ node: source, messageId: 'fromTest', data: { target } });
        return;
      }
      const toComponent = componentOf(target);
      if (!toComponent || toComponent === fromComponent) return;
      for (const rule of forbidden) {
        if (rule.to !== toComponent) continue;
        const applies = rule.from
          ? rule.from.includes(fromComponent)
          : !(rule.allowed ?? []).includes(fromComponent);
        if (applies) {
          context.report({
            node: source,
            messageId: 'forbidden',
            data: { from: `src/${fromComponent}`, to: `src/${toComponent}`, why: rule.why },
          });
          return;
        }
      }
      if (isPublicEntry(target, toComponent, shared)) return;
      if ((rootEntries.get(fromComponent) ?? []).includes(target)) return;
      context.report({
        node: source,
        messageId: 'internal',
        data: { target, component: toComponent },
      });
    });
  },
};

// ---- cycles ---------------------------------------------------------------------------------

/** The static imports of one file (type-only ones too: they tie modules together as much). */
function staticImports(file) {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const out = [];
  for (const st of sf.statements) {
    if (
      (ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) &&
      st.moduleSpecifier &&
      ts.isStringLiteral(st.moduleSpecifier)
    ) {
      const target = resolveSpecifier(file, st.moduleSpecifier.text);
      if (target && existsSync(target)) out.push(target);
    }
  }
  return out;
}

function listTs(dir, out = []) {
  let entries = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'dist') listTs(p, out);
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Strongly connected components of the import graph (Tarjan), as file → its component. */
function cyclicGroups(files) {
  const graph = new Map(files.map((f) => [f, staticImports(f)]));
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const groupOf = new Map();
  let counter = 0;
  const visit = (v) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const group = new Set();
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        group.add(w);
      } while (w !== v);
      const selfLoop = (graph.get(v) ?? []).includes(v);
      if (group.size > 1 || selfLoop) for (const m of group) groupOf.set(m, group);
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return { graph, groupOf };
}

/** Shortest way back from `start` to `goal` inside one cyclic group. */
function pathBack(graph, group, start, goal) {
  const prev = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    if (v === goal) break;
    for (const w of graph.get(v) ?? []) {
      if (group.has(w) && !prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  const steps = [];
  for (let v = goal; v !== undefined; v = prev.get(v)) steps.unshift(v);
  return steps;
}

// One scan per lint run and root: the graph is the whole tree's, not one file's.
const scans = new Map();

const noCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'No import cycles between modules (type-only imports count).' },
    schema: [
      {
        type: 'object',
        properties: { root: { type: 'string' }, folders: { type: 'array' } },
        additionalProperties: false,
      },
    ],
    messages: { cycle: 'Import cycle: {{cycle}}' },
  },
  create(context) {
    const options = context.options[0] ?? {};
    const root = options.root ?? context.cwd;
    const folders = options.folders ?? ['src', 'test', 'bench'];
    const key = `${root}\n${folders.join(',')}`;
    if (!scans.has(key)) {
      scans.set(key, cyclicGroups(folders.flatMap((f) => listTs(path.join(root, f)))));
    }
    const { graph, groupOf } = scans.get(key);
    const self = path.resolve(context.filename);
    const group = groupOf.get(self);
    if (!group) return {};
    const rel = (f) => posix(path.relative(root, f));
    const check = (source, node) => {
      if (node.type === 'ImportExpression') return; // a lazy import() is how a cycle is broken
      const target = resolveSpecifier(self, source.value);
      if (!target || !group.has(target)) return;
      const cycle = [self, ...pathBack(graph, group, target, self)].map(rel).join(' → ');
      context.report({ node: source, messageId: 'cycle', data: { cycle } });
    };
    return importVisitors(check);
  },
};

export const skiffPlugin = {
  meta: { name: 'skiff' },
  rules: { layers, 'no-cycle': noCycle },
};

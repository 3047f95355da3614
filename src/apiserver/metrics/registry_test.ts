import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry } from './registry.js';
import { parseExposition, select } from './text-format.js';

describe('metrics registry and text exposition', () => {
  it('renders HELP and TYPE lines, sorted families and labels, read back by the parser', async () => {
    const r = new MetricsRegistry();
    const c = r.counter({ name: 'b_total', help: 'Counts b.', labels: ['zeta', 'alpha'] });
    const g = r.gauge({ name: 'a_gauge', help: 'A gauge.' });
    c.inc({ zeta: 'z', alpha: 'a' });
    c.inc({ zeta: 'z', alpha: 'a' }, 2);
    c.inc({ zeta: '', alpha: 'b' });
    g.set({}, 1.5);
    const text = await r.render();
    assert.equal(
      text,
      [
        '# HELP a_gauge A gauge.',
        '# TYPE a_gauge gauge',
        'a_gauge 1.5',
        '# HELP b_total Counts b.',
        '# TYPE b_total counter',
        'b_total{alpha="a",zeta="z"} 3',
        'b_total{alpha="b",zeta=""} 1',
        '',
      ].join('\n'),
    );
    const e = parseExposition(text);
    assert.equal(e.type.get('b_total'), 'counter');
    assert.equal(e.help.get('a_gauge'), 'A gauge.');
    assert.deepEqual(select(e, 'b_total', { alpha: 'a' }), [
      { name: 'b_total', labels: { alpha: 'a', zeta: 'z' }, value: 3 },
    ]);
  });

  it('escapes label values and help text so they read back unchanged', async () => {
    const r = new MetricsRegistry();
    const c = r.counter({ name: 'x_total', help: 'Back\\slash\nnewline "quoted"', labels: ['v'] });
    const hostile = ['a"b', 'back\\slash', 'new\nline', '}{,=', 'ünïcode', ''];
    for (const v of hostile) c.inc({ v });
    const text = await r.render();
    assert.match(text, /^# HELP x_total Back\\\\slash\\nnewline "quoted"$/m);
    assert.match(text, /^x_total\{v="a\\"b"\} 1$/m);
    assert.match(text, /^x_total\{v="new\\nline"\} 1$/m);
    // Every sample is one line.
    assert.equal(text.trimEnd().split('\n').length, 2 + hostile.length);
    const e = parseExposition(text);
    assert.equal(e.help.get('x_total'), 'Back\\slash\nnewline "quoted"');
    assert.deepEqual(e.samples.map((s) => s.labels['v']).sort(), [...hostile].sort());
  });

  it('renders histograms with cumulative buckets, +Inf, _sum and _count', async () => {
    const r = new MetricsRegistry();
    const h = r.histogram({
      name: 'lat_seconds',
      help: 'L.',
      labels: ['op'],
      buckets: [0.1, 1, 5],
    });
    for (const v of [0.05, 0.1, 0.5, 2, 7, 100]) h.observe({ op: 'get' }, v);
    const e = parseExposition(await r.render());
    assert.equal(e.type.get('lat_seconds'), 'histogram');
    assert.deepEqual(
      select(e, 'lat_seconds_bucket', { op: 'get' }).map((s) => [s.labels['le'], s.value]),
      [
        ['0.1', 2],
        ['1', 3],
        ['5', 4],
        ['+Inf', 6],
      ],
    );
    assert.equal(select(e, 'lat_seconds_count')[0]?.value, 6);
    assert.equal(select(e, 'lat_seconds_sum')[0]?.value, 109.65);
  });

  it('leaves out families without series and refuses bad names, labels and decrements', async () => {
    const r = new MetricsRegistry();
    r.counter({ name: 'unused_total', help: 'U.', labels: ['a'] });
    assert.equal(await r.render(), '');
    assert.throws(() => r.counter({ name: 'bad-name', help: '' }));
    assert.throws(() => r.counter({ name: 'ok_total', help: '', labels: ['le'] }));
    assert.throws(() => r.counter({ name: 'unused_total', help: '' }), /twice/);
    const c = r.counter({ name: 'c_total', help: '', labels: ['a'] });
    assert.throws(() => c.inc({ a: 'x' }, -1));
    assert.throws(() => c.inc({ b: 'x' }), /labels/);
    assert.throws(() => r.histogram({ name: 'h', help: '', buckets: [2, 1] }));
  });

  it('reads back a seeded run of random label values and observations', async () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = ['a', 'Z', '"', '\\', '\n', ',', '=', '{', '}', ' ', 'é', '0'];
    const r = new MetricsRegistry();
    const c = r.counter({ name: 'f_total', help: 'F.', labels: ['k'] });
    const h = r.histogram({ name: 'f_seconds', help: 'F.', labels: ['k'], buckets: [0.5, 1] });
    const want = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const k = Array.from(
        { length: Math.floor(rand() * 6) },
        () => alphabet[Math.floor(rand() * alphabet.length)],
      ).join('');
      c.inc({ k });
      h.observe({ k }, rand() * 2);
      want.set(k, (want.get(k) ?? 0) + 1);
    }
    const e = parseExposition(await r.render());
    for (const [k, n] of want) {
      assert.equal(select(e, 'f_total', { k })[0]?.value, n, JSON.stringify(k));
      assert.equal(select(e, 'f_seconds_count', { k })[0]?.value, n);
      const buckets = select(e, 'f_seconds_bucket', { k }).map((s) => s.value);
      assert.deepEqual(
        buckets,
        [...buckets].sort((a, b) => a - b),
        'monotonic',
      );
      assert.equal(buckets.at(-1), n);
    }
  });
});

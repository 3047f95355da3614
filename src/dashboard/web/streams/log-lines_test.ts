import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { highlight, LogLines, logFileName, logPath, matches, visibleWindow } from './log-lines.js';

describe('log line buffer', () => {
  it('joins chunks that end mid-line and keeps the open line visible', () => {
    const b = new LogLines();
    b.push('one\ntw');
    assert.deepEqual(b.lines(), ['one', 'tw']);
    b.push('o\r\nthree');
    assert.deepEqual(b.lines(), ['one', 'two', 'three']);
    b.end();
    assert.deepEqual(b.lines(), ['one', 'two', 'three']);
    assert.equal(b.length, 3);
  });

  it('keeps an empty line but no phantom line after the last newline', () => {
    const b = new LogLines();
    b.push('a\n\nb\n');
    b.end();
    assert.deepEqual(b.lines(), ['a', '', 'b']);
  });

  it('holds at most about its cap, counting what it dropped', () => {
    const b = new LogLines(1000);
    let chunk = '';
    for (let i = 0; i < 200_000; i++) chunk += `line ${i}\n`;
    b.push(chunk);
    b.end();
    const lines = b.lines();
    assert.equal(lines.length, 1000);
    assert.equal(lines.at(-1), 'line 199999');
    assert.equal(b.dropped, 199_000);
    assert.equal(lines[0], 'line 199000');
    // the open line counts too
    const c = new LogLines(3);
    c.push('a\nb\nc\nd');
    assert.deepEqual([c.lines(), c.dropped, c.length], [['b', 'c', 'd'], 1, 3]);
  });

  it('takes megabytes in small chunks quickly', () => {
    const b = new LogLines();
    const started = performance.now();
    const chunk = 'x'.repeat(100) + '\n';
    for (let i = 0; i < 50_000; i++) b.push(chunk.repeat(2));
    assert.ok(performance.now() - started < 2000);
    assert.equal(b.length, 10_000);
    assert.equal(b.dropped, 90_000);
  });
});

describe('log request', () => {
  it('builds the query kubectl logs sends', () => {
    assert.equal(logPath('default', 'web', {}), '/api/v1/namespaces/default/pods/web/log');
    assert.equal(
      logPath('default', 'web', {
        container: 'app',
        follow: true,
        previous: true,
        timestamps: true,
        tailLines: 100,
      }),
      '/api/v1/namespaces/default/pods/web/log?container=app&follow=true&previous=true&timestamps=true&tailLines=100',
    );
    assert.equal(
      logPath('default', 'web', { follow: false, tailLines: 0 }),
      '/api/v1/namespaces/default/pods/web/log?tailLines=0',
    );
  });

  it('names the downloaded file after the pod and container', () => {
    assert.equal(logFileName('web', 'app', false), 'web_app.log');
    assert.equal(logFileName('web', 'app', true), 'web_app_previous.log');
  });
});

describe('log search', () => {
  it('cuts a line around every match, ignoring case', () => {
    assert.deepEqual(highlight('Error: an error', 'error'), [
      { text: 'Error', hit: true },
      { text: ': an ', hit: false },
      { text: 'error', hit: true },
    ]);
    assert.deepEqual(highlight('plain', ''), [{ text: 'plain', hit: false }]);
    assert.deepEqual(highlight('plain', 'zzz'), [{ text: 'plain', hit: false }]);
    assert.deepEqual(highlight('', 'x'), [{ text: '', hit: false }]);
    assert.deepEqual(highlight('aaa', 'a').length, 3);
  });

  it('filters lines by the same rule', () => {
    assert.ok(matches('GET /healthz 200', 'HEALTH'));
    assert.ok(!matches('GET /', 'post'));
    assert.ok(matches('anything', ''));
  });
});

describe('visible window', () => {
  it('renders the lines in view plus an overscan, within bounds', () => {
    assert.deepEqual(visibleWindow(0, 400, 20, 10_000, 10), { start: 0, end: 30 });
    assert.deepEqual(visibleWindow(2000, 400, 20, 10_000, 10), { start: 90, end: 130 });
    assert.deepEqual(visibleWindow(199_990, 400, 20, 10_000, 10), { start: 9989, end: 10_000 });
    assert.deepEqual(visibleWindow(0, 400, 20, 0), { start: 0, end: 0 });
  });
});

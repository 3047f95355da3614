import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { backendPath, escapePath } from './locations.js';
import { isProxyableIp, splitSchemeNamePort } from './names.js';
import { rewriteHtml, rewriteHtmlBody, rewriteUrl } from './rewrite.js';

const ctx = {
  prefix: '/api/v1/namespaces/ns/services/web/proxy',
  backendHost: '10.0.0.5:8080',
  requestHost: 'api.example:6443',
};

describe('link rewriting', () => {
  it('puts links to the backend, or to the API server, under the proxy prefix', () => {
    const cases: [string, string][] = [
      ['/a/b', `${ctx.prefix}/a/b`],
      ['/a/b/?q=1#f', `${ctx.prefix}/a/b/?q=1#f`],
      ['http://10.0.0.5:8080/x', `${ctx.prefix}/x`],
      ['https://api.example:6443/x', `https://api.example:6443${ctx.prefix}/x`],
      [`${ctx.prefix}/already`, `${ctx.prefix}/already`],
      ['/a/../b', `${ctx.prefix}/b`],
      ['http://elsewhere/x', 'http://elsewhere/x'],
      ['relative/path', 'relative/path'],
      ['mailto:someone@example.com', 'mailto:someone@example.com'],
      ['#top', '#top'],
    ];
    for (const [from, to] of cases) assert.equal(rewriteUrl(from, ctx), to, from);
  });

  it('rewrites URL attributes of known elements only, outside comments and scripts', () => {
    const html =
      '<!-- <a href="/c"> --><A HREF=\'/x\' title="/t"><form action=/f method=post>' +
      '<img data-src="/d" src="/i.png"/><script src="/s.js">document.write("<a href=\'/n\'>")</script>' +
      '<p>a < b</p>';
    assert.equal(
      rewriteHtml(html, ctx),
      `<!-- <a href="/c"> --><A HREF="${ctx.prefix}/x" title="/t"><form action="${ctx.prefix}/f" method=post>` +
        `<img data-src="/d" src="${ctx.prefix}/i.png"/><script src="${ctx.prefix}/s.js">document.write("<a href='/n'>")</script>` +
        '<p>a < b</p>',
    );
  });

  it('reads and writes gzip bodies, and leaves unknown encodings alone', () => {
    const out = rewriteHtmlBody(gzipSync('<a href="/x">'), 'gzip', ctx);
    assert.equal(gunzipSync(out ?? Buffer.alloc(0)).toString(), `<a href="${ctx.prefix}/x">`);
    assert.equal(rewriteHtmlBody(Buffer.from('<a href="/x">'), 'br', ctx), undefined);
  });
});

describe('proxy names and paths', () => {
  it('splits [scheme:]name[:port] as apimachinery does', () => {
    assert.deepEqual(splitSchemeNamePort('web'), { scheme: '', name: 'web', port: '' });
    assert.deepEqual(splitSchemeNamePort('web:http'), { scheme: '', name: 'web', port: 'http' });
    assert.deepEqual(splitSchemeNamePort('https:web:'), { scheme: 'https', name: 'web', port: '' });
    assert.deepEqual(splitSchemeNamePort('https:web'), { scheme: '', name: 'https', port: 'web' });
    assert.equal(splitSchemeNamePort('ftp:web:80'), undefined);
    assert.equal(splitSchemeNamePort(':80'), undefined);
    assert.equal(splitSchemeNamePort('a:b:c:d'), undefined);
  });

  it('proxies only to global unicast addresses (loopback when allowed)', () => {
    for (const ip of ['10.1.2.3', '192.0.2.1', '2001:db8::1']) assert.ok(isProxyableIp(ip), ip);
    for (const ip of ['127.0.0.1', '::1', '0.0.0.0', '169.254.169.254', '224.0.0.1', 'fe80::1', ''])
      assert.ok(!isProxyableIp(ip), ip);
    assert.ok(isProxyableIp('127.0.0.1', true));
    assert.ok(!isProxyableIp('169.254.169.254', true));
  });

  it('cleans proxy paths, keeping the trailing slash and escaping as Go does', () => {
    assert.equal(backendPath(''), '');
    assert.equal(backendPath('/'), '/');
    assert.equal(backendPath('//a/../../b/'), '/b/');
    assert.equal(backendPath('/a b/c%d'), '/a%20b/c%25d');
    assert.equal(escapePath('/x:y@z;$&+,=/'), '/x:y@z;$&+,=/');
  });
});

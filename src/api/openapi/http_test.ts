import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOpenApiHandler, serveOpenApi, V2_PROTOBUF_TYPE } from './index.js';

const openapi = createOpenApiHandler();
const KUBECTL_V2_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

void test('/openapi/v2 serves protobuf to kubectl and JSON on request', () => {
  const pb = serveOpenApi(openapi, { path: '/openapi/v2', accept: KUBECTL_V2_ACCEPT });
  assert.equal(pb?.status, 200);
  assert.equal(pb.headers['Content-Type'], V2_PROTOBUF_TYPE);
  assert.equal(pb.body, openapi.v2Protobuf());

  const json = serveOpenApi(openapi, { path: '/openapi/v2', accept: 'application/json' });
  assert.equal(json?.headers['Content-Type'], 'application/json');
  assert.equal((JSON.parse(json.body.toString()) as { swagger: string }).swagger, '2.0');
  assert.equal(json.headers.ETag, pb.headers.ETag);

  assert.equal(serveOpenApi(openapi, { path: '/openapi/v2', accept: 'text/html' })?.status, 406);
  const again = serveOpenApi(openapi, {
    path: '/openapi/v2',
    accept: KUBECTL_V2_ACCEPT,
    ifNoneMatch: pb.headers.ETag,
  });
  assert.equal(again?.status, 304);
  assert.equal(again.body.length, 0);
});

void test('/openapi/v3 lists the documents', () => {
  const res = serveOpenApi(openapi, { path: '/openapi/v3', accept: 'application/json, */*' });
  assert.equal(res?.status, 200);
  assert.deepEqual(JSON.parse(res.body.toString()), openapi.v3Index());
});

void test('a document at its hash URL is cacheable for a year', () => {
  const url = new URL(openapi.v3Index().paths['apis/apps/v1']?.serverRelativeURL ?? '', 'http://x');
  const now = new Date('2026-01-02T03:04:05Z');
  const res = serveOpenApi(openapi, {
    path: url.pathname,
    hash: url.searchParams.get('hash'),
    accept: 'application/json',
    now,
  });
  assert.equal(res?.status, 200);
  assert.equal(res.headers['Cache-Control'], 'public, immutable');
  assert.equal(res.headers.Expires, 'Sat, 02 Jan 2027 03:04:05 GMT');
  assert.equal(res.headers.ETag, `"${url.searchParams.get('hash')}"`);
  assert.equal(res.body, openapi.v3Document('apis/apps/v1')?.body);

  const cached = serveOpenApi(openapi, {
    path: url.pathname,
    hash: url.searchParams.get('hash'),
    ifNoneMatch: res.headers.ETag,
  });
  assert.equal(cached?.status, 304);
});

void test('a stale hash redirects to the current one; no hash is not cacheable', () => {
  const res = serveOpenApi(openapi, {
    path: '/openapi/v3/api/v1',
    hash: 'ABC',
    accept: 'application/json',
  });
  assert.equal(res?.status, 301);
  assert.equal(res.headers.Location, openapi.v3Index().paths['api/v1']?.serverRelativeURL);

  const plain = serveOpenApi(openapi, { path: '/openapi/v3/api/v1', accept: 'application/json' });
  assert.equal(plain?.status, 200);
  assert.equal(plain.headers['Cache-Control'], undefined);
});

void test('other paths are left to the caller', () => {
  assert.equal(serveOpenApi(openapi, { path: '/openapi/v3/apis/example.com/v1' }), undefined);
  assert.equal(serveOpenApi(openapi, { path: '/api/v1' }), undefined);
});

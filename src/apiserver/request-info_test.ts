import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pathSegmentNameErrors, rawPathOf, requestInfo } from './request-info.js';
import { startTestServer, type TestApiServer } from '../../test/support/apiserver.js';

const info = (method: string, target: string): ReturnType<typeof requestInfo> =>
  requestInfo(method, new URL(target, 'https://h'), rawPathOf(target));

describe('requestInfo', () => {
  it('splits the path as sent: dot segments stay names', () => {
    const i = info('DELETE', '/api/v1/namespaces/x/configmaps/..');
    assert.equal(i.resource, 'configmaps');
    assert.equal(i.namespace, 'x');
    assert.equal(i.name, '..');
    assert.equal(i.verb, 'delete');
    assert.equal(i.path, '/api/v1/namespaces/x/configmaps/..');
  });

  it('decodes each segment after splitting: %2F stays inside its segment', () => {
    const i = info('GET', '/api/v1/namespaces/x/configmaps/a%2Fb/status');
    assert.equal(i.name, 'a/b');
    assert.equal(i.subresource, 'status');
    assert.equal(info('GET', '/api/v1/namespaces/x/configmaps/%2e%2E').name, '..');
    // An escape that does not decode is kept as sent.
    assert.equal(info('GET', '/api/v1/namespaces/x/configmaps/%zz').name, '%zz');
  });

  it('drops trailing slashes, but an inner or second leading empty segment is no resource', () => {
    assert.equal(info('DELETE', '/api/v1/namespaces/x/configmaps/').verb, 'deletecollection');
    assert.equal(info('DELETE', '/api/v1/namespaces//configmaps').isResourceRequest, false);
    assert.equal(info('GET', '//api/v1/namespaces/x/configmaps').isResourceRequest, false);
    assert.equal(info('GET', '/apis//v1/deployments').isResourceRequest, false);
  });

  it('keeps empty segments of a proxy path', () => {
    const i = info('GET', '/api/v1/namespaces/x/services/s/proxy//a/../b/');
    assert.equal(i.subresource, 'proxy');
    assert.equal(i.proxyPath, '//a/../b/');
  });

  it('reads [scheme:]NAME[:PORT] proxy names whole, the verb from the method', () => {
    const s = info('POST', '/api/v1/namespaces/x/services/https:web:/proxy/a?b=c');
    assert.deepEqual(
      [s.resource, s.name, s.subresource, s.proxyPath, s.verb],
      ['services', 'https:web:', 'proxy', '/a', 'create'],
    );
    const n = info('DELETE', '/api/v1/nodes/n1:10255/proxy/metrics');
    assert.deepEqual(
      [n.namespace, n.name, n.subresource, n.verb],
      ['', 'n1:10255', 'proxy', 'delete'],
    );
    assert.equal(info('GET', '/api/v1/namespaces/x/pods/p:8080/proxy').verb, 'get');
  });

  it('reads watch as kube-apiserver converts booleans', () => {
    for (const v of ['true', 'True', '1', '', 'yes', 't'])
      assert.equal(info('GET', `/api/v1/pods?watch=${v}`).verb, 'watch', v);
    for (const v of ['false', 'FALSE', 'False', '0'])
      assert.equal(info('GET', `/api/v1/pods?watch=${v}`).verb, 'list', v);
    assert.equal(info('GET', '/api/v1/pods').verb, 'list');
  });

  it('takes the path of an absolute-form target', () => {
    assert.equal(rawPathOf('https://h:1/api/v1/x/..?a=b'), '/api/v1/x/..');
    assert.equal(rawPathOf('/a/./b#f'), '/a/./b');
  });
});

describe('pathSegmentNameErrors', () => {
  it('says what kube-apiserver says', () => {
    assert.deepEqual(pathSegmentNameErrors('..'), [`may not be '..'`]);
    assert.deepEqual(pathSegmentNameErrors('.'), [`may not be '.'`]);
    assert.deepEqual(pathSegmentNameErrors('a/%'), [`may not contain '/'`, `may not contain '%'`]);
    assert.deepEqual(pathSegmentNameErrors('...'), []);
  });
});

describe('names from the path, in-process', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestServer();
    await api.namespace('paths');
    await api.post('/api/v1/namespaces/paths/configmaps', { metadata: { name: 'kept' } });
  });
  after(() => api.close());

  it('refuses DELETE …/configmaps/.. and /. and keeps everything', async () => {
    for (const [seg, name] of [
      ['..', '..'],
      ['%2e%2e', '..'],
      ['.', '.'],
    ]) {
      const res = await api.delete(`/api/v1/namespaces/paths/configmaps/${seg}`);
      assert.equal(res.status, 400);
      assert.equal(
        res.json()['message'],
        `Name parameter invalid: "${name}": may not be '${name}'`,
      );
    }
    assert.equal((await api.get('/api/v1/namespaces/paths')).status, 200);
    assert.equal((await api.get('/api/v1/namespaces/paths/configmaps/kept')).status, 200);
  });

  it('refuses a namespace that cannot be one', async () => {
    const res = await api.get('/api/v1/namespaces/a%2Fb/configmaps');
    assert.equal(res.status, 400);
    assert.equal(res.json()['message'], `Namespace parameter invalid: "a/b": may not contain '/'`);
  });

  it('never deletes the namespaces collection', async () => {
    const res = await api.delete('/api/v1/namespaces');
    assert.equal(res.status, 405);
    assert.equal((await api.get('/api/v1/namespaces/paths')).status, 200);
  });

  it('answers anonymous callers 403 for resources that do not exist', async () => {
    const res = await api.get('/api/v1/foos', { as: 'anonymous' });
    assert.equal(res.status, 403);
    assert.equal((await api.get('/api/v1/foos')).status, 404);
  });

  it('ends JSON bodies with a newline', async () => {
    assert.ok((await api.get('/api/v1/namespaces/paths')).text.endsWith('}\n'));
    assert.ok((await api.get('/api/v1/namespaces/nope')).text.endsWith('}\n'));
  });
});

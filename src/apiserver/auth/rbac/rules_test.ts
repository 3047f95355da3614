import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthorizationAttributes } from '../types.js';
import { ruleAllows, type PolicyRule } from './rules.js';
import { compactRules, compactString, covers } from './covers.js';

const user = { name: 'u', groups: [] };
const res = (
  verb: string,
  group: string,
  resource: string,
  subresource = '',
  name = '',
): AuthorizationAttributes => ({
  user,
  verb,
  isResourceRequest: true,
  path: '',
  namespace: 'ns',
  group,
  resource,
  subresource,
  name,
});
const url = (verb: string, path: string): AuthorizationAttributes => ({
  ...res(verb, '', ''),
  isResourceRequest: false,
  path,
});

void describe('ruleAllows', () => {
  const pods: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] };
  void it('matches verbs, groups and resources exactly or by *', () => {
    assert.equal(ruleAllows(res('get', '', 'pods'), pods), true);
    assert.equal(ruleAllows(res('watch', '', 'pods'), pods), false);
    assert.equal(ruleAllows(res('get', 'apps', 'pods'), pods), false);
    assert.equal(ruleAllows(res('get', '', 'secrets'), pods), false);
    const all: PolicyRule = { verbs: ['*'], apiGroups: ['*'], resources: ['*'] };
    assert.equal(ruleAllows(res('escalate', 'x.io', 'things', 'status', 'n'), all), true);
  });

  void it('matches subresources only as resource/sub or */sub', () => {
    assert.equal(ruleAllows(res('get', '', 'pods', 'log'), pods), false);
    const log: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] };
    assert.equal(ruleAllows(res('get', '', 'pods', 'log'), log), true);
    assert.equal(ruleAllows(res('get', '', 'pods'), log), false);
    const anyStatus: PolicyRule = { verbs: ['get'], apiGroups: ['*'], resources: ['*/status'] };
    assert.equal(ruleAllows(res('get', 'apps', 'deployments', 'status'), anyStatus), true);
    assert.equal(ruleAllows(res('get', 'apps', 'deployments', 'scale'), anyStatus), false);
    assert.equal(ruleAllows(res('get', 'apps', 'deployments'), anyStatus), false);
  });

  void it('limits to resourceNames when given (a list has no name and is refused)', () => {
    const one: PolicyRule = { ...pods, resourceNames: ['web'] };
    assert.equal(ruleAllows(res('get', '', 'pods', '', 'web'), one), true);
    assert.equal(ruleAllows(res('get', '', 'pods', '', 'db'), one), false);
    assert.equal(ruleAllows(res('list', '', 'pods'), one), false);
  });

  void it('matches non-resource URLs exactly or by a trailing *', () => {
    const r: PolicyRule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/logs/*'] };
    assert.equal(ruleAllows(url('get', '/healthz'), r), true);
    assert.equal(ruleAllows(url('get', '/healthz/etcd'), r), false);
    assert.equal(ruleAllows(url('get', '/logs/kube.log'), r), true);
    assert.equal(ruleAllows(url('get', '/logs/'), r), true);
    assert.equal(ruleAllows(url('get', '/logs'), r), false);
    assert.equal(ruleAllows(url('post', '/healthz'), r), false);
    assert.equal(
      ruleAllows(url('get', '/anything'), { verbs: ['get'], nonResourceURLs: ['*'] }),
      true,
    );
    // A resource rule never grants a URL, nor a URL rule a resource.
    assert.equal(ruleAllows(url('get', '/api'), pods), false);
    assert.equal(ruleAllows(res('get', '', 'pods'), r), false);
  });
});

void describe('covers', () => {
  void it('breaks wanted rules down and lists what no held rule covers', () => {
    const held: PolicyRule[] = [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', '*/status'] },
      { verbs: ['get'], nonResourceURLs: ['/logs/*'] },
    ];
    assert.deepEqual(covers(held, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]), []);
    assert.deepEqual(
      covers(held, [{ verbs: ['get'], apiGroups: [''], resources: ['services/status'] }]),
      [],
    );
    assert.deepEqual(covers(held, [{ verbs: ['get'], nonResourceURLs: ['/logs/a'] }]), []);
    assert.deepEqual(
      covers(held, [{ verbs: ['get', 'delete'], apiGroups: ['', 'apps'], resources: ['pods'] }]),
      [
        { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
        { apiGroups: ['apps'], resources: ['pods'], verbs: ['get'] },
        { apiGroups: ['apps'], resources: ['pods'], verbs: ['delete'] },
      ],
    );
  });

  void it('treats resourceNames as narrower: a named rule does not cover all names', () => {
    const named: PolicyRule[] = [
      { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] },
    ];
    const wantA = { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] };
    assert.deepEqual(covers(named, [wantA]), []);
    assert.equal(
      covers(named, [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]).length,
      1,
    );
    assert.deepEqual(
      covers([{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }], [wantA]),
      [],
    );
  });

  void it('compacts missing rights by verb and prints them as kube-apiserver does', () => {
    const missing = covers(
      [],
      [
        { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
        { verbs: ['get'], nonResourceURLs: ['/x'] },
      ],
    );
    assert.deepEqual(compactRules(missing).map(compactString), [
      '{NonResourceURLs:["/x"], Verbs:["get"]}',
      '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}',
    ]);
    assert.equal(
      compactString({
        verbs: ['get'],
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: ['a'],
      }),
      '{APIGroups:[""], Resources:["secrets"], ResourceNames:["a"], Verbs:["get"]}',
    );
  });
});

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

void describe('CompiledRule', () => {
  // The matching as first written (kube's RuleAllows read literally), to hold the compiled
  // form to: same answers for generated rules and requests, tricky names included.
  const some = (list: string[] | undefined, want: string): boolean =>
    !!list && list.some((x) => x === '*' || x === want);
  const reference = (a: AuthorizationAttributes, rule: PolicyRule): boolean => {
    if (!some(rule.verbs, a.verb)) return false;
    if (!a.isResourceRequest)
      return (rule.nonResourceURLs ?? []).some(
        (u) =>
          u === '*' ||
          u === a.path ||
          (u.endsWith('*') && a.path.startsWith(u.replace(/\*+$/, ''))),
      );
    const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const resource = (rule.resources ?? []).some(
      (r) => r === '*' || r === combined || (a.subresource !== '' && r === `*/${a.subresource}`),
    );
    const names = rule.resourceNames ?? [];
    return (
      some(rule.apiGroups, a.group) && resource && (names.length === 0 || names.includes(a.name))
    );
  };

  void it('answers as the literal reading does (generated: 3,000 seeded pairs)', () => {
    let seed = 0x0c0de;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 4294967296;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    // Mostly one to three entries, sometimes none.
    const few = (xs: readonly string[]): string[] =>
      Array.from({ length: next() < 0.1 ? 0 : 1 + Math.floor(next() * 3) }, () => pick(xs));
    const verbs = ['get', 'list', '*', 'watch'];
    const groups = ['', 'apps', '*'];
    const resources = ['pods', 'pods/log', '*/log', '*', 'pod', 's/log', 'pods/', '/log', 'log'];
    const subresources = ['', 'log', 'lo', 'og', 'status'];
    const paths = ['/healthz', '/healthz/x', '/logs', '/logs/', '/', '', '/api/v1'];
    const urls = ['/healthz', '/logs/*', '/logs*', '*', '/**', '/api', '/logs/'];
    for (let i = 0; i < 3000; i++) {
      const rule: PolicyRule = { verbs: few(verbs) };
      if (next() < 0.8) rule.apiGroups = few(groups);
      if (next() < 0.8) rule.resources = few(resources);
      if (next() < 0.3) rule.resourceNames = few(['web', 'db']);
      if (next() < 0.4) rule.nonResourceURLs = few(urls);
      const a =
        next() < 0.7
          ? res(
              pick(verbs.slice(0, 3)),
              pick(['', 'apps']),
              pick(['pods', 'pod', 'p', 'deployments']),
              pick(subresources),
              pick(['', 'web', 'db']),
            )
          : url(pick(['get', 'post']), pick(paths));
      assert.equal(ruleAllows(a, rule), reference(a, rule), JSON.stringify({ rule, a }));
    }
  });
});

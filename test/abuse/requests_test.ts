// Hostile requests to a real server: dot segments and escapes in paths, names and namespaces
// that cannot be storage keys, boolean parameters as Kubernetes reads them, resourceVersions
// and continue tokens that are no such thing, anonymous callers mapping the API, and the
// newline every JSON body ends with. Every refused request must change nothing.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../support/eventually.js';
import { assertStatus, startAbuseServer, type AbuseServer, type RawResponse } from './support.js';

const NS = 'abuse';
const OTHER = 'abuse-other';
const LIMITED_TOKEN = 'abuse-limited-token-0123456789';

let srv: AbuseServer;
let baseline: Record<string, string>;

/** Our namespaces and the configmaps in them (name → resourceVersion). */
async function ours(): Promise<Record<string, string>> {
  const all = await srv.snapshot([
    '/api/v1/namespaces',
    `/api/v1/namespaces/${NS}/configmaps`,
    `/api/v1/namespaces/${OTHER}/configmaps`,
  ]);
  return Object.fromEntries(Object.entries(all).filter(([k]) => k.includes(NS)));
}

async function assertUnchanged(what: string): Promise<void> {
  assert.deepEqual(await ours(), baseline, `${what} changed stored objects`);
}

async function create(path: string, body: object): Promise<void> {
  const res = await srv.send({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 201, `POST ${path}: ${res.text}`);
}

function assertMessage(res: RawResponse, code: number, reason: string, message: string): void {
  assertStatus(res, code, reason);
  assert.equal(res.json.message, message);
}

const base64url = (s: string): string => Buffer.from(s).toString('base64url');

before(async () => {
  srv = startAbuseServer({
    tokens: [{ token: LIMITED_TOKEN, user: 'limited', uid: 'limited-uid' }],
  });
  for (const ns of [NS, OTHER]) await create('/api/v1/namespaces', { metadata: { name: ns } });
  for (const name of ['a', 'b'])
    await create(`/api/v1/namespaces/${NS}/configmaps`, { metadata: { name }, data: { k: name } });
  await create(`/api/v1/namespaces/${OTHER}/configmaps`, { metadata: { name: 'c' } });
  // The root CA configmap a controller adds to every namespace is part of the baseline.
  for (const ns of [NS, OTHER])
    await eventually(
      async () => {
        const res = await srv.send({
          path: `/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`,
        });
        return res.status === 200;
      },
      `kube-root-ca.crt in ${ns}`,
      { timeoutMs: 20_000, intervalMs: 100 },
    );
  baseline = await ours();
});

after(() => srv?.stop());

describe('dot segments and escapes in names', () => {
  const names: [string, string][] = [
    ['..', `may not be '..'`],
    ['%2e%2e', `may not be '..'`],
    ['%2E%2E', `may not be '..'`],
    ['.%2e', `may not be '..'`],
    ['%2e.', `may not be '..'`],
    ['.', `may not be '.'`],
    ['%2e', `may not be '.'`],
    ['%2E', `may not be '.'`],
    ['a%2Fb', `may not contain '/'`],
    ['%2F', `may not contain '/'`],
    ['..%2F', `may not contain '/'`],
    ['a%25b', `may not contain '%'`],
    ['%252e%252e', `may not contain '%'`],
    ['a%2F%25', `may not contain '/';may not contain '%'`],
    // An escape that does not decode stays as sent, and its `%` is refused.
    ['%zz', `may not contain '%'`],
  ];
  const decoded = (raw: string): string => {
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  };
  const bodies: Record<string, { body?: string; type?: string }> = {
    GET: {},
    DELETE: {},
    PUT: {
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }),
      type: 'application/json',
    },
    PATCH: { body: '{"data":{"k":"patched"}}', type: 'application/merge-patch+json' },
  };
  for (const method of ['DELETE', 'GET', 'PUT', 'PATCH'])
    for (const [raw, why] of names)
      test(`${method} …/configmaps/${raw} is 400 and changes nothing`, async () => {
        const b = bodies[method] ?? {};
        const res = await srv.send({
          method,
          path: `/api/v1/namespaces/${NS}/configmaps/${raw}`,
          ...(b.body ? { body: b.body, headers: { 'content-type': b.type ?? '' } } : {}),
        });
        assertMessage(
          res,
          400,
          'BadRequest',
          `Name parameter invalid: ${JSON.stringify(decoded(raw))}: ${why}`,
        );
        await assertUnchanged(`${method} ${raw}`);
      });

  test('DELETE …/configmaps/.. and /. on a subresource path, and deeper, are refused', async () => {
    for (const path of [
      `/api/v1/namespaces/${NS}/configmaps/../status`,
      `/api/v1/namespaces/${NS}/configmaps/../../${NS}`,
      `/api/v1/namespaces/${NS}/configmaps/./a`,
      `/api/v1/namespaces/${NS}/configmaps/%2e%2e/%2e%2e/%2e%2e`,
    ]) {
      const res = await srv.send({ method: 'DELETE', path });
      assertStatus(res, 400, 'BadRequest');
      assert.match(res.json.message, /^Name parameter invalid: "\.\.?": may not be '\.\.?'$/);
    }
    await assertUnchanged('deeper dot segments');
  });

  test('a namespace object named .. or . is refused, by name', async () => {
    for (const [raw, name] of [
      ['..', '..'],
      ['%2E%2e', '..'],
      ['.', '.'],
    ]) {
      const res = await srv.send({ method: 'DELETE', path: `/api/v1/namespaces/${raw}` });
      assertMessage(
        res,
        400,
        'BadRequest',
        `Name parameter invalid: "${name}": may not be '${name}'`,
      );
    }
    await assertUnchanged('namespace ..');
  });

  test('namespaces in the path that cannot be one are refused for every verb', async () => {
    const cases: [string, string, string][] = [
      ['DELETE', `/api/v1/namespaces/../configmaps`, `".."`],
      ['DELETE', `/api/v1/namespaces/%2e%2e/configmaps`, `".."`],
      ['GET', `/api/v1/namespaces/./configmaps`, `"."`],
      ['DELETE', `/api/v1/namespaces/${NS}%2Fx/configmaps/a`, `"${NS}/x"`],
      ['GET', `/api/v1/namespaces/${NS}%25/configmaps/a`, `"${NS}%"`],
      ['POST', `/api/v1/namespaces/%2e%2e/configmaps`, `".."`],
    ];
    for (const [method, path, ns] of cases) {
      const res = await srv.send({
        method,
        path,
        ...(method === 'POST'
          ? {
              body: JSON.stringify({ metadata: { name: 'z' } }),
              headers: { 'content-type': 'application/json' },
            }
          : {}),
      });
      assertStatus(res, 400, 'BadRequest');
      assert.match(res.json.message, new RegExp(`^Namespace parameter invalid: ${reEscape(ns)}: `));
    }
    await assertUnchanged('bad namespaces');
  });

  test('a segment after the name is a subresource, never a way up', async () => {
    // configmaps have no subresources: kube-apiserver answers 404.
    const res = await srv.send({
      method: 'DELETE',
      path: `/api/v1/namespaces/${NS}/configmaps/a/..`,
    });
    assertMessage(res, 404, 'NotFound', 'the server could not find the requested resource');
    const up = await srv.send({ method: 'DELETE', path: `/api/v1/namespaces/${NS}/..` });
    assertMessage(up, 404, 'NotFound', 'the server could not find the requested resource');
    await assertUnchanged('subresource ..');
  });

  test('empty segments select nothing (no namespace or name silently "")', async () => {
    for (const path of [
      `/api/v1/namespaces//configmaps`,
      `/api/v1/namespaces/${NS}//configmaps/a`,
      `//api/v1/namespaces/${NS}/configmaps/a`,
      `/api/v1//namespaces/${NS}/configmaps/a`,
    ]) {
      const res = await srv.send({ method: 'DELETE', path });
      assertMessage(res, 404, 'NotFound', 'the server could not find the requested resource');
    }
    await assertUnchanged('empty segments');
  });

  test('the namespaces collection is never deleted (kube serves no deletecollection on it)', async () => {
    for (const path of ['/api/v1/namespaces', '/api/v1/namespaces/', '/api/v1/namespaces//']) {
      const res = await srv.send({ method: 'DELETE', path });
      assertMessage(
        res,
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
    }
    await assertUnchanged('DELETE /api/v1/namespaces');
  });

  test('anonymous callers are refused before the path is judged', async () => {
    const res = await srv.send({
      method: 'DELETE',
      path: `/api/v1/namespaces/${NS}/configmaps/..`,
      as: 'anonymous',
    });
    assertMessage(
      res,
      403,
      'Forbidden',
      `configmaps ".." is forbidden: User "system:anonymous" cannot delete resource "configmaps" in API group "" in the namespace "${NS}"`,
    );
    await assertUnchanged('anonymous ..');
  });

  test('authorization sees the path as sent, not what it would resolve to', async () => {
    // `limited` may do nothing to resources: the refusal names what was judged.
    const as = { token: LIMITED_TOKEN };
    const cases: [string, string][] = [
      [
        `/api/v1/namespaces/${NS}/configmaps/..`,
        `configmaps ".." is forbidden: User "limited" cannot delete resource "configmaps" in API group "" in the namespace "${NS}"`,
      ],
      [
        `/api/v1/namespaces/${OTHER}/configmaps/%2e%2e/%2e%2e/${NS}`,
        `configmaps ".." is forbidden: User "limited" cannot delete resource "configmaps/.." in API group "" in the namespace "${OTHER}"`,
      ],
    ];
    for (const [path, message] of cases)
      assertMessage(await srv.send({ method: 'DELETE', path, as }), 403, 'Forbidden', message);
    await assertUnchanged('limited user');
  });
});

describe('seeded fuzz over hostile path segments', () => {
  test('no 5xx, no change, for 300 generated requests', async () => {
    const rand = mulberry32(0x5eed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const segments = [
      '..',
      '.',
      '%2e%2e',
      '%2E%2e',
      '.%2e',
      '%2e',
      '%2f',
      '%2F..',
      '..%2f..',
      '%252e%252e',
      '%25',
      '%',
      '%zz',
      '%00',
      '%ff',
      '%c0%ae%c0%ae',
      '%C3%A9',
      '%E2%80%A4%E2%80%A4',
      '%EF%BC%8E%EF%BC%8E',
      '..%5c..',
      '..;',
      ';',
      '~',
      '%20',
      '*',
      'x'.repeat(300),
      '%2e'.repeat(200),
      '',
      'nonexistent',
    ];
    // `configmaps/` is the collection (as in kube-apiserver): no empty name position.
    const names = segments.filter((s) => s !== '');
    const methods = ['GET', 'DELETE', 'PUT', 'PATCH', 'POST'];
    for (let i = 0; i < 300; i++) {
      const shape = Math.floor(rand() * 4);
      const parts =
        shape === 0
          ? ['api', 'v1', 'namespaces', pick(segments)]
          : shape === 1
            ? ['api', 'v1', 'namespaces', pick([NS, OTHER, ...segments]), 'configmaps', pick(names)]
            : shape === 2
              ? ['api', 'v1', 'namespaces', NS, 'configmaps', pick(names), pick(segments)]
              : [
                  'apis',
                  pick(['apps', ...segments]),
                  'v1',
                  'namespaces',
                  pick(segments),
                  'deployments',
                ];
      const path = '/' + parts.join('/') + (rand() < 0.2 ? '/' : '');
      const method = pick(methods);
      const body = method === 'GET' || method === 'DELETE' ? undefined : '{"metadata":{}}';
      const res = await srv.send({
        method,
        path,
        ...(body
          ? {
              body,
              headers: {
                'content-type':
                  method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
              },
            }
          : {}),
      });
      if (process.env['FUZZ_LOG'])
        console.log('FUZZ', method, path.slice(0, 120), res.status, res.text.slice(0, 150));
      assert.ok(res.status < 500, `${method} ${path}: ${res.status} ${res.text.slice(0, 300)}`);
      if (res.status >= 400)
        assert.equal(res.json?.kind, 'Status', `${method} ${path}: ${res.text}`);
    }
    await assertUnchanged('fuzzed paths');
  });
});

describe('boolean parameters', () => {
  const list = `/api/v1/namespaces/${NS}/configmaps`;
  const isWatch = (res: RawResponse): boolean => {
    assert.equal(res.status, 200, res.text);
    const first = JSON.parse(res.text.split('\n')[0] ?? '') as Record<string, unknown>;
    return first['type'] === 'ADDED';
  };
  for (const v of ['true', 'True', 'TRUE', '1', '', 'yes', 't', 'on'])
    test(`watch=${v} watches`, async () => {
      const res = await srv.send({ path: `${list}?watch=${v}&timeoutSeconds=1` });
      assert.ok(isWatch(res), `expected watch events: ${res.text.slice(0, 200)}`);
    });
  for (const v of ['false', 'False', 'FALSE', '0'])
    test(`watch=${v} lists`, async () => {
      const res = await srv.send({ path: `${list}?watch=${v}&timeoutSeconds=1` });
      assert.equal(res.status, 200);
      assert.equal(res.json?.kind, 'ConfigMapList');
    });

  test('sendInitialEvents=True and allowWatchBookmarks=1 end the initial events with a bookmark', async () => {
    const res = await srv.send({
      path: `${list}?watch=1&sendInitialEvents=True&allowWatchBookmarks=1&resourceVersionMatch=NotOlderThan&timeoutSeconds=1`,
    });
    assert.equal(res.status, 200, res.text);
    const events = res.text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; object: any });
    const bookmark = events.find((e) => e.type === 'BOOKMARK');
    assert.ok(bookmark, `no bookmark: ${res.text.slice(0, 300)}`);
    assert.equal(bookmark.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
  });

  test('force=True takes over fields another manager owns in a server-side apply', async () => {
    const path = `/api/v1/namespaces/${OTHER}/configmaps/applied`;
    const apply = (manager: string, value: string, query = ''): Promise<RawResponse> =>
      srv.send({
        method: 'PATCH',
        path: `${path}?fieldManager=${manager}${query}`,
        headers: { 'content-type': 'application/apply-patch+yaml' },
        body: JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'applied' },
          data: { k: value },
        }),
      });
    assert.equal((await apply('first', '1')).status, 201);
    assertStatus(await apply('second', '2'), 409, 'Conflict');
    const forced = await apply('second', '2', '&force=True');
    assert.equal(forced.status, 200, forced.text);
    assert.equal(forced.json.data.k, '2');
    const del = await srv.send({ method: 'DELETE', path });
    assert.equal(del.status, 200, del.text);
  });
});

describe('resourceVersion and continue', () => {
  const list = `/api/v1/namespaces/${NS}/configmaps`;
  const invalidRv = (rv: string, why = 'invalid syntax'): string =>
    `invalid resource version: resourceVersion: Invalid value: ${JSON.stringify(rv)}: strconv.ParseUint: parsing ${JSON.stringify(rv)}: ${why}`;

  for (const [what, path] of [
    ['get', `${list}/a`],
    ['list', list],
    ['watch', `${list}?watch=true`],
  ] as const)
    test(`resourceVersion=abc on ${what} is 400`, async () => {
      const sep = path.includes('?') ? '&' : '?';
      const values: [string, string][] = [
        ['abc', 'abc'],
        ['-1', '-1'],
        ['1.5', '1.5'],
        ['%201', ' 1'],
        ['0x10', '0x10'],
      ];
      for (const [raw, rv] of values) {
        const res = await srv.send({ path: `${path}${sep}resourceVersion=${raw}` });
        assertMessage(res, 400, 'BadRequest', invalidRv(rv));
      }
      const huge = '99999999999999999999999';
      const res = await srv.send({ path: `${path}${sep}resourceVersion=${huge}` });
      assertMessage(res, 400, 'BadRequest', invalidRv(huge, 'value out of range'));
    });

  const token = (o: unknown): string => base64url(JSON.stringify(o));
  const notValid = 'invalid continue token: continue key is not valid';
  const cases: [string, string, string][] = [
    ['not base64', '!!!!', `${notValid}: illegal base64 data at input byte 0`],
    [
      'padded base64',
      `${base64url('{"v":1}')}==`,
      `${notValid}: illegal base64 data at input byte 10`,
    ],
    ['not JSON', base64url('hello'), `${notValid}: invalid character "h" in continue token`],
    ['empty JSON', base64url(' '), `${notValid}: unexpected end of JSON input`],
    [
      'a JSON array',
      token([1]),
      `${notValid}: json: cannot unmarshal array into Go value of type storage.continueToken`,
    ],
    [
      'a string resourceVersion',
      token({ v: 'meta.k8s.io/v1', rv: '5', start: 'a' }),
      `${notValid}: json: cannot unmarshal string into Go struct field continueToken.rv of type int64`,
    ],
    [
      'a fractional resourceVersion',
      token({ v: 'meta.k8s.io/v1', rv: 1.5, start: 'a' }),
      `${notValid}: json: cannot unmarshal number 1.5 into Go struct field continueToken.rv of type int64`,
    ],
    [
      'another version',
      token({ v: 'meta.k8s.io/v2', rv: 5, start: 'a' }),
      `${notValid}: server does not recognize this encoded version meta.k8s.io/v2`,
    ],
    [
      'no version',
      token({ rv: 5, start: 'a' }),
      `${notValid}: server does not recognize this encoded version `,
    ],
    [
      'a zero resourceVersion',
      token({ v: 'meta.k8s.io/v1', rv: 0, start: 'a' }),
      `${notValid}: incorrect encoded start resourceVersion (version meta.k8s.io/v1)`,
    ],
    [
      'a future resourceVersion',
      token({ v: 'meta.k8s.io/v1', rv: 2 ** 52, start: 'a' }),
      `${notValid}: incorrect encoded start resourceVersion (version meta.k8s.io/v1)`,
    ],
    [
      'an empty start key',
      token({ v: 'meta.k8s.io/v1', rv: 5, start: '' }),
      `${notValid}: encoded start key empty (version meta.k8s.io/v1)`,
    ],
    [
      'a start key climbing out of the list',
      token({ v: 'meta.k8s.io/v1', rv: 5, start: '../../secrets/' }),
      `${notValid}: ../../secrets/`,
    ],
  ];
  for (const [what, cont, message] of cases)
    test(`a continue token with ${what} is 400`, async () => {
      const res = await srv.send({ path: `${list}?limit=1&continue=${encodeURIComponent(cont)}` });
      assertMessage(res, 400, 'BadRequest', message);
    });

  test('a good token pages on; with a resourceVersion it is refused', async () => {
    const first = await srv.send({ path: `${list}?limit=1` });
    assert.equal(first.status, 200, first.text);
    const cont = first.json.metadata.continue as string;
    assert.ok(cont);
    const next = await srv.send({ path: `${list}?limit=1&continue=${cont}` });
    assert.equal(next.status, 200, next.text);
    assert.equal(next.json.items.length, 1);
    const withRv = await srv.send({ path: `${list}?limit=1&continue=${cont}&resourceVersion=1` });
    assertMessage(
      withRv,
      400,
      'BadRequest',
      'specifying resource version is not allowed when using continue',
    );
  });
});

describe('anonymous callers cannot map the API', () => {
  const cases: [string, string][] = [
    [
      '/api/v1/foos',
      'foos is forbidden: User "system:anonymous" cannot list resource "foos" in API group "" at the cluster scope',
    ],
    [
      '/apis/nope.example/v1/bars',
      'bars.nope.example is forbidden: User "system:anonymous" cannot list resource "bars" in API group "nope.example" at the cluster scope',
    ],
    [
      `/api/v1/namespaces/${NS}/foos/x`,
      `foos "x" is forbidden: User "system:anonymous" cannot get resource "foos" in API group "" in the namespace "${NS}"`,
    ],
    [
      '/api/v1/configmaps',
      'configmaps is forbidden: User "system:anonymous" cannot list resource "configmaps" in API group "" at the cluster scope',
    ],
  ];
  for (const [path, message] of cases)
    test(`GET ${path} is 403 for anonymous`, async () => {
      assertMessage(await srv.send({ path, as: 'anonymous' }), 403, 'Forbidden', message);
    });

  test('an authorized caller still gets 404 for what does not exist', async () => {
    for (const path of [
      '/api/v1/foos',
      '/apis/nope.example/v1/bars',
      `/api/v1/namespaces/${NS}/foos/x`,
    ])
      assertMessage(
        await srv.send({ path }),
        404,
        'NotFound',
        'the server could not find the requested resource',
      );
  });
});

describe('JSON bodies end with one newline', () => {
  const cases: [string, string, Record<string, string>?][] = [
    ['an object', `/api/v1/namespaces/${NS}/configmaps/a`],
    ['a list', `/api/v1/namespaces/${NS}/configmaps`],
    ['a Status', `/api/v1/namespaces/${NS}/configmaps/missing`],
    [
      'a Table',
      `/api/v1/namespaces/${NS}/configmaps`,
      { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    ],
    ['discovery', '/api'],
    ['a group list', '/apis'],
    ['a resource list', '/api/v1'],
  ];
  for (const [what, path, headers] of cases)
    test(what, async () => {
      const res = await srv.send({ path, ...(headers ? { headers } : {}) });
      assert.ok(res.json, `not JSON: ${res.text.slice(0, 200)}`);
      assert.ok(
        res.text.endsWith('}\n'),
        `no newline at the end: ${JSON.stringify(res.text.slice(-20))}`,
      );
    });

  test('/version is written raw, indented, as kube-apiserver writes it', async () => {
    const res = await srv.send({ path: '/version' });
    assert.equal(res.status, 200);
    assert.ok(res.text.startsWith('{\n  "major": '), res.text.slice(0, 40));
    assert.ok(res.text.endsWith('\n}'), JSON.stringify(res.text.slice(-10)));
  });

  test('watch events are one JSON document a line', async () => {
    const res = await srv.send({
      path: `/api/v1/namespaces/${NS}/configmaps?watch=1&timeoutSeconds=1`,
    });
    assert.ok(res.text.endsWith('\n'));
    const lines = res.text.split('\n').filter(Boolean);
    assert.ok(lines.length >= 2);
    for (const l of lines) assert.equal(JSON.parse(l).type, 'ADDED');
  });
});

function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A small seeded generator, so a failing fuzz case replays. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

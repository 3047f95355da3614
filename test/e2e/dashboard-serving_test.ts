// End-to-end: the dashboard served by `skiff up`, reached as seed 004 says — `kubectl proxy`
// and http://localhost:8001/api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy/
// — and at its own address, in headless Chromium; its API pass-through checked with curl.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dashboardSkipReason,
  KUBECTL,
  SEED_PATH,
  SEED_URL,
  PROXY_PORT,
  DASHBOARD_PORT,
  explained,
  startDashboardHarness,
  type DashboardHarness,
} from './dashboard-harness.js';
import { IMAGES } from '../images/index.js';
import { inNetns, ok, parseTable, ROOT, runSkiff, startBackground, until } from './harness.js';

const skip = dashboardSkipReason() ?? false;

/** A WebSocket client run in the cluster's namespace: what channel 1 (stdout) carried. */
const WS_CLIENT = String.raw`
import WebSocket from 'ws';
import { readFileSync } from 'node:fs';
const ws = new WebSocket(process.env.WS_URL, process.env.WS_PROTOCOLS.split(','), {
  ca: readFileSync(process.env.WS_CA),
  handshakeTimeout: 10000,
});
let stdout = '';
const done = (r) => { console.log(JSON.stringify(r)); process.exit(0); };
ws.on('message', (m) => { if (m[0] === 1) stdout += m.subarray(1).toString(); });
ws.on('close', () => done({ protocol: ws.protocol, stdout }));
ws.on('unexpected-response', (_q, res) => done({ error: 'HTTP ' + res.statusCode }));
ws.on('error', (e) => done({ error: e.message }));
setTimeout(() => done({ error: 'timed out', stdout }), 15000);
`;

const POD = (name: string, ns: string): string => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: ${IMAGES.busybox}
    command: ["sleep", "3600"]
`;

describe('dashboard serving', { skip, timeout: 600_000 }, () => {
  let d: DashboardHarness;
  let admin: string;

  before(async () => {
    d = await startDashboardHarness({ busybox: true });
    const c = d.cluster;
    ok(await c.kubectl(KUBECTL, ['create', 'namespace', 'team-a']));
    ok(await c.kubectl(KUBECTL, ['apply', '-f', c.file('web.yaml', POD('web', 'default'))]));
    ok(await c.kubectl(KUBECTL, ['apply', '-f', c.file('api.yaml', POD('api', 'team-a'))]));
    for (const [pod, ns] of [
      ['web', 'default'],
      ['api', 'team-a'],
    ] as const)
      ok(
        await c.kubectl(
          KUBECTL,
          ['wait', '--for=condition=Ready', `pod/${pod}`, '-n', ns, '--timeout=150s'],
          { timeoutMs: 180_000 },
        ),
      );
    admin = await d.tokenFor('dash-admin', 'cluster-admin');
  });
  after(async () => {
    await d?.stop();
  });

  /** curl inside the cluster's namespace; returns status and body. */
  const curl = async (args: string[]): Promise<{ status: number; body: string }> => {
    const r = await d.cluster.exec(
      'curl',
      ['-sS', '--max-time', '10', '-w', '\n%{http_code}', ...args],
      {
        timeoutMs: 20_000,
      },
    );
    const lines = r.stdout.split('\n');
    return { status: Number(lines.pop()), body: lines.join('\n') };
  };
  const direct = (path: string): string[] => [
    '--cacert',
    d.cluster.caPath,
    `https://${d.nodeAddress}:${DASHBOARD_PORT}${path}`,
  ];

  test('the seed URL through kubectl proxy shows the login page', async () => {
    const res = await d.page.goto(SEED_URL);
    assert.equal(res?.status(), 200);
    await d.page.getByLabel('Bearer token').waitFor();
    await d.screenshot('login');
  });

  test('a wrong token shows the 401 message and stays on the login page', async () => {
    await d.login('not-a-token');
    await d.page
      .getByRole('alert')
      .filter({ hasText: /401 Unauthorized/ })
      .waitFor();
    assert.ok(await d.page.getByLabel('Bearer token').isVisible());
    await d.screenshot('login-refused');
  });

  test('a good token shows the pods list with a running pod', async () => {
    await d.login(admin);
    await d.page.goto(`${SEED_URL}#/pods`);
    const row = d.page.getByRole('row').filter({ hasText: 'web' });
    await row.filter({ hasText: 'Running' }).waitFor({ timeout: 30_000 });
    assert.match(await row.innerText(), /1\/1/);
    await d.screenshot('pods');
  });

  test('a token that stops working sends the page back to the login, saying why', async () => {
    const token = await d.tokenFor('short-lived', 'view');
    const page = await d.browser.newPage();
    try {
      await explained(page, async () => {
        await page.goto(SEED_URL);
        await page.getByLabel('Bearer token').fill(token);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.goto(`${SEED_URL}#/pods`);
        await page.getByRole('row').filter({ hasText: 'web' }).waitFor();
        // Its service account deleted, the token is refused (as when it expires).
        ok(await d.cluster.kubectl(KUBECTL, ['delete', 'serviceaccount', 'short-lived']));
        // The API server learns of the deletion by its watch: reload once it refuses the token.
        await until('the token refused', async () => {
          const r = await d.cluster.exec('curl', [
            '-s',
            '-o',
            '/dev/null',
            '-w',
            '%{http_code}',
            '--max-time',
            '5',
            '--cacert',
            d.cluster.caPath,
            '-H',
            `Authorization: Bearer ${token}`,
            `${d.cluster.server}/api`,
          ]);
          return r.stdout === '401' ? true : undefined;
        });
        const ended = page.getByRole('alert').filter({ hasText: /session has ended.*401/ });
        // The page's next request is refused: back to the login, saying why.
        await page.goto(`${SEED_URL}#/configmaps`);
        await ended.waitFor();
        assert.ok(await page.getByLabel('Bearer token').isVisible());
        // A reload still says why.
        await page.reload();
        await ended.waitFor();
        // A tab that still holds the refused token (reloaded before any request of its
        // own was refused) finds out on its first request.
        await page.evaluate(
          (t) => (globalThis as any).sessionStorage.setItem('skiff.dashboard.token', t),
          token,
        );
        await page.evaluate(() =>
          (globalThis as any).sessionStorage.removeItem('skiff.dashboard.ended'),
        );
        await page.goto(`${SEED_URL}#/pods`);
        await page.reload();
        await ended.waitFor();
        assert.ok(await page.getByLabel('Bearer token').isVisible());
      });
      await d.screenshot('session-ended', page);
    } finally {
      await page.close();
    }
  });

  test('the direct URL works too', async () => {
    const page = await d.browser.newPage();
    try {
      await explained(page, async () => {
        await page.goto(d.directUrl);
        await page.getByLabel('Bearer token').fill(admin);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.goto(`${d.directUrl}#/pods`);
        await page
          .getByRole('row')
          .filter({ hasText: 'web' })
          .filter({ hasText: 'Running' })
          .waitFor();
      });
      await d.screenshot('pods-direct', page);
    } finally {
      await page.close();
    }
  });

  test("the page's calls carry the user's token: a user who may list pods in one namespace", async () => {
    ok(
      await d.cluster.kubectl(KUBECTL, [
        'create',
        'clusterrole',
        'pod-lister',
        '--verb=get,list,watch',
        '--resource=pods',
      ]),
    );
    const token = await d.tokenFor('team-a-viewer', 'pod-lister', { bindIn: 'team-a' });
    const page = await d.browser.newPage();
    try {
      await page.goto(SEED_URL);
      await page.getByLabel('Bearer token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.goto(`${SEED_URL}#/pods`);
      // May not list namespaces: the selector is a field to type one into.
      const ns = page.getByRole('textbox', { name: 'Namespace' });
      await ns.fill('default');
      await ns.press('Enter');
      await page
        .getByRole('status')
        .filter({ hasText: /not allowed to see pods/ })
        .waitFor();
      await d.screenshot('pods-forbidden', page);
      await ns.fill('team-a');
      await ns.press('Enter');
      await page.getByRole('row').filter({ hasText: 'api' }).waitFor();
      assert.equal(await page.getByRole('row').filter({ hasText: 'web' }).count(), 0);
      await d.screenshot('pods-one-namespace', page);
    } finally {
      await page.close();
    }
  });

  test('skiff dashboard prints a direct URL that signs in as the local admin', async () => {
    const r = runSkiff(['dashboard', '--data-dir', d.cluster.dataDir], {}, d.cluster.netns);
    assert.equal(r.code, 0, r.stderr);
    const url = r.stdout.trim();
    assert.match(
      url,
      new RegExp(
        `^https://${d.nodeAddress.replace(/\./g, '\\.')}:${DASHBOARD_PORT}/#token=[\\w.-]+$`,
      ),
    );
    const page = await d.browser.newPage();
    try {
      await page.goto(url);
      // Signed in: no login form, and the token left the address bar.
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      assert.doesNotMatch(page.url(), /token=/);
      await page.goto(`${d.directUrl}#/pods`);
      await page
        .getByRole('row')
        .filter({ hasText: 'web' })
        .filter({ hasText: 'Running' })
        .waitFor();
      await d.screenshot('skiff-dashboard-url', page);
    } finally {
      await page.close();
    }
  });

  test('exec over a WebSocket: the token travels in a subprotocol, the rest reach the API server', async () => {
    type Answer = { protocol?: string; stdout?: string; error?: string };
    const exec = async (url: string, protocols: string[]): Promise<Answer> => {
      const r = await d.cluster.exec(process.execPath, ['--input-type=module', '-e', WS_CLIENT], {
        cwd: ROOT,
        timeoutMs: 30_000,
        env: { WS_URL: url, WS_PROTOCOLS: protocols.join(','), WS_CA: d.cluster.caPath },
      });
      return JSON.parse(ok(r, 'websocket client')) as Answer;
    };
    const target =
      '/api/v1/namespaces/default/pods/web/exec?command=echo&command=hello&stdout=true';
    const alias = `k8s-ws?path=${encodeURIComponent(target)}`;
    const direct = `wss://${d.nodeAddress}:${DASHBOARD_PORT}/`;
    const seed = `ws://127.0.0.1:${PROXY_PORT}${SEED_PATH}`;
    const token = `dashboard.token.${Buffer.from(admin).toString('base64url')}`;
    const hello = { protocol: 'v5.channel.k8s.io', stdout: 'hello\n' };
    for (const url of [`${direct}k8s${target}`, `${direct}${alias}`, `${seed}${alias}`])
      assert.deepEqual(
        await exec(url, ['v5.channel.k8s.io', 'v4.channel.k8s.io', token]),
        hello,
        url,
      );
    assert.deepEqual(await exec(`${direct}${alias}`, ['v5.channel.k8s.io']), { error: 'HTTP 401' });
    // Why the page uses k8s-ws: kubectl proxy refuses …/pods/…/exec paths by default.
    assert.deepEqual(await exec(`${seed}k8s${target}`, ['v5.channel.k8s.io', token]), {
      error: 'HTTP 403',
    });
  });

  test('the dashboard shows as a running mirror pod of its node, made again when deleted', async () => {
    const pod = `kubernetes-dashboard-${d.cluster.nodeName}`;
    const row = async (): Promise<Record<string, string> | undefined> =>
      parseTable(
        ok(
          await d.cluster.kubectl(KUBECTL, [
            'get',
            'pods',
            '-n',
            'kubernetes-dashboard',
            '-o',
            'wide',
          ]),
        ),
      ).find((r) => r['NAME'] === pod);
    const first = await row();
    assert.equal(first?.['READY'], '1/1');
    assert.equal(first?.['STATUS'], 'Running');
    assert.equal(first?.['IP'], d.nodeAddress);
    const uid = ok(
      await d.cluster.kubectl(KUBECTL, [
        'get',
        'pod',
        pod,
        '-n',
        'kubernetes-dashboard',
        '-o',
        'jsonpath={.metadata.uid}',
      ]),
    );
    ok(
      await d.cluster.kubectl(KUBECTL, ['delete', 'pod', pod, '-n', 'kubernetes-dashboard'], {
        timeoutMs: 60_000,
      }),
    );
    await until(
      'the mirror pod is back and the seed URL serves',
      async () => {
        const r = await d.cluster.kubectl(KUBECTL, [
          'get',
          'pod',
          pod,
          '-n',
          'kubernetes-dashboard',
          '-o',
          'jsonpath={.metadata.uid} {.status.phase}',
        ]);
        if (r.code !== 0 || r.stdout.startsWith(uid) || !r.stdout.endsWith('Running'))
          return undefined;
        const page = await curl([`http://127.0.0.1:${PROXY_PORT}${SEED_PATH}`]);
        return page.status === 200 ? true : undefined;
      },
      60_000,
    );
  });

  test('curl: /k8s without a token is a 401 Status, with one the API answers', async () => {
    for (const base of [
      direct('/k8s/api'),
      [`http://127.0.0.1:${PROXY_PORT}${SEED_PATH}k8s/api`],
    ]) {
      const none = await curl(base);
      assert.equal(none.status, 401, none.body);
      assert.deepEqual(JSON.parse(none.body), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
      const withToken = await curl(['-H', `X-Dashboard-Token: ${admin}`, ...base]);
      assert.equal(withToken.status, 200, withToken.body);
      assert.equal(JSON.parse(withToken.body).kind, 'APIVersions');
      const wrong = await curl(['-H', 'X-Dashboard-Token: wrong', ...base]);
      assert.equal(wrong.status, 401, wrong.body);
    }
  });

  test('curl: a watch streams through the dashboard as events happen', async () => {
    const path = '/k8s/api/v1/namespaces/default/configmaps?watch=1';
    const watch = startBackground(
      ...inNetns(d.cluster.netns, 'curl', [
        '-sSN',
        '--max-time',
        '60',
        '-H',
        `X-Dashboard-Token: ${admin}`,
        ...direct(path),
      ]),
      {},
    );
    try {
      // The watch is open once the existing objects arrive (kube-root-ca.crt).
      await watch.handle.waitFor(/kube-root-ca\.crt/, 20_000);
      ok(
        await d.cluster.kubectl(KUBECTL, ['create', 'configmap', 'streamed', '--from-literal=a=b']),
      );
      await watch.handle.waitFor(/"type":"ADDED".*"name":"streamed"/, 20_000);
    } finally {
      await watch.handle.stop();
    }
  });
});

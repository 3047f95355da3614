// End-to-end: the dashboard's resource pages in headless Chromium, through the seed's URL
// (kubectl proxy): a deployment's readiness and memory, scaling it in the page and from
// kubectl with the page following live, restart and delete, a service's endpoints, a secret
// revealed, the overview with the node's use, and a user whose RBAC allows only pods in one
// namespace, who sees forbidden notices and no broken page.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import {
  collectPageErrors,
  explained,
  dashboardSkipReason,
  showRoute,
  tableRow as row,
  KUBECTL,
  SEED_URL,
  startDashboardHarness,
  type DashboardHarness,
} from './dashboard-harness.js';
import { IMAGES } from '../images/index.js';
import { ok, until } from './harness.js';

const skip = dashboardSkipReason() ?? false;
const NS = 'shop';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: main
        image: ${IMAGES.busybox}
        command: ["sleep", "3600"]
        ports:
        - containerPort: 8080
        resources:
          requests: {cpu: 50m, memory: 16Mi}
`;

describe('dashboard resource pages', { skip, timeout: 900_000 }, () => {
  let d: DashboardHarness;
  let page: Page;
  let errors: string[];
  let nodeName: string;
  const kubectl = (args: string[]) => d.cluster.kubectl(KUBECTL, args);

  before(async () => {
    d = await startDashboardHarness({ busybox: true });
    const c = d.cluster;
    ok(await kubectl(['create', 'namespace', NS]));
    ok(await kubectl(['apply', '-f', c.file('web.yaml', DEPLOYMENT)]));
    ok(await kubectl(['create', 'service', 'clusterip', 'web', '--tcp=80:8080', '-n', NS]));
    ok(
      await kubectl([
        'create',
        'secret',
        'generic',
        'db',
        '--from-literal=password=s3cr3t',
        '-n',
        NS,
      ]),
    );
    ok(
      await c.kubectl(
        KUBECTL,
        ['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=180s'],
        { timeoutMs: 200_000 },
      ),
    );
    nodeName = ok(await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}']));
    page = d.page;
    // The document is marked once: still marked at the end means no test reloaded the page.
    errors = await d.signInAsAdmin('resources-admin', NS);
  });
  after(async () => {
    await d?.stop();
  });

  const go = (hash: string): Promise<void> => showRoute(page, hash);

  test('a deployment appears with ready 1/1 and its memory use', async () => {
    await go('/deployments');
    await row(page, 'deployments', 'web', '1/1').waitFor({ timeout: 30_000 });
    // Memory comes from PodMetrics summed through replica set to deployment.
    await row(page, 'deployments', 'web', /\d+(\.\d)?(Ki|Mi|Gi)/).waitFor({ timeout: 90_000 });
    await go('/workloads');
    await row(page, 'pods', /^web-/, 'Running').first().waitFor({ timeout: 30_000 });
    // Every section answers (the unserved kinds say so), none left loading.
    await until('every section loaded', async () =>
      (await page.getByText(/^Loading .*…$/).count()) === 0 ? true : undefined,
    );
    await page
      .getByRole('region', { name: 'Stateful sets' })
      .getByText(/There are no stateful sets here|This cluster does not serve stateful sets/)
      .waitFor();
    await d.screenshot('resources-workloads');
  });

  test('scaling in the page updates the lists without a reload', async () => {
    await go(`/deployments/${NS}/web`);
    await page.getByRole('button', { name: 'Scale' }).click();
    const dialog = page.getByRole('dialog', { name: 'Scale web' });
    await dialog.getByLabel('Replicas').fill('3');
    await dialog.getByRole('button', { name: 'Scale' }).click();
    await page.getByRole('status').filter({ hasText: 'Scaled to 3.' }).waitFor();
    assert.equal(
      ok(await kubectl(['get', 'deployment', 'web', '-n', NS, '-o', 'jsonpath={.spec.replicas}'])),
      '3',
    );
    await page.getByText('3 ready, 3 available').waitFor({ timeout: 120_000 });
    // The pods list follows by its own watch (or poll, past the page's watch budget).
    await until('three running pods listed', async () =>
      (await row(page, 'pods', /^web-/, 'Running').count()) === 3 ? true : undefined,
    );
    await d.screenshot('resources-deployment');
    await go('/deployments');
    await row(page, 'deployments', 'web', '3/3').waitFor();
    assert.equal(await page.evaluate(() => (globalThis as any).__sameDocument), true);
  });

  test('scaling with kubectl: the page follows', async () => {
    await go('/deployments');
    await row(page, 'deployments', 'web', '3/3').waitFor();
    ok(await kubectl(['scale', 'deployment/web', '--replicas=2', '-n', NS]));
    await row(page, 'deployments', 'web', '2/2').waitFor({ timeout: 60_000 });
    assert.equal(await page.evaluate(() => (globalThis as any).__sameDocument), true);
  });

  test('restart sets the restartedAt annotation and rolls out a new replica set', async () => {
    await go(`/deployments/${NS}/web`);
    await page.getByRole('button', { name: 'Restart' }).click();
    await page
      .getByRole('dialog', { name: 'Restart web' })
      .getByRole('button', { name: 'Restart' })
      .click();
    await page.getByRole('status').filter({ hasText: 'Restart requested' }).waitFor();
    const at = ok(
      await kubectl([
        'get',
        'deployment',
        'web',
        '-n',
        NS,
        '-o',
        'jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}',
      ]),
    );
    assert.match(at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // The deployment's own page shows the second replica set as it appears.
    await until('two replica sets in the page', async () =>
      (await row(page, 'replica sets', /^web-/).count()) === 2 ? true : undefined,
    );
  });

  test('a pod page shows its containers with links to logs and terminal', async () => {
    // The restart's rollout done: no pod of the old replica set is on its way out.
    ok(
      await d.cluster.kubectl(
        KUBECTL,
        ['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=150s'],
        { timeoutMs: 180_000 },
      ),
    );
    await go(`/deployments/${NS}/web`);
    const podLink = row(page, 'pods', /^web-/, 'Running').first().getByRole('link');
    await podLink.waitFor({ timeout: 60_000 });
    await podLink.click();
    const container = page.getByRole('article', { name: 'Container main' });
    await container.getByText('Running since').waitFor({ timeout: 60_000 });
    await container.getByText('8080/TCP').waitFor();
    await page
      .getByRole('region', { name: 'Use' })
      .getByText(/^\d+(\.\d)?(Ki|Mi|Gi)$/)
      .waitFor({ timeout: 90_000 });
    const logs = await container.getByRole('link', { name: 'Logs' }).getAttribute('href');
    assert.match(logs ?? '', /#\/pods\/shop\/web-[a-z0-9-]+\/logs\?container=main$/);
    await d.screenshot('resources-pod');
  });

  test('a service shows its internal endpoints', async () => {
    const ip = ok(
      await kubectl(['get', 'service', 'web', '-n', NS, '-o', 'jsonpath={.spec.clusterIP}']),
    );
    await go(`/services/${NS}/web`);
    const internal = page.getByRole('list', { name: 'Internal endpoints' });
    await internal.getByText(`${ip}:80`, { exact: true }).waitFor();
    await internal.getByText(`web.${NS}.svc.cluster.local:80`, { exact: true }).waitFor();
    await row(page, 'pods', /^web-/, 'Running').first().waitFor({ timeout: 60_000 });
    await d.screenshot('resources-service');
  });

  test('external endpoints: a node port, and ingress hosts as links (https when TLS names the host)', async () => {
    ok(await kubectl(['create', 'service', 'nodeport', 'web-np', '--tcp=80:8080', '-n', NS]));
    const nodePort = ok(
      await kubectl([
        'get',
        'service',
        'web-np',
        '-n',
        NS,
        '-o',
        'jsonpath={.spec.ports[0].nodePort}',
      ]),
    );
    await go(`/services/${NS}/web-np`);
    await page
      .getByRole('list', { name: 'External endpoints' })
      .getByText(`<node address>:${nodePort} (NodePort)`)
      .waitFor();
    await go('/services');
    await row(page, 'services', 'web-np', `80:${nodePort}/TCP`).waitFor();
    await d.screenshot('resources-services');
    ok(
      await kubectl([
        'create',
        'ingress',
        'shop',
        '-n',
        NS,
        '--rule=secure.example.com/*=web:80,tls=shop-tls',
        '--rule=plain.example.com/api=web:80',
      ]),
    );
    await go(`/ingresses/${NS}/shop`);
    const hosts = page.getByRole('list', { name: 'Hosts' }).first();
    assert.equal(
      await hosts.getByRole('link', { name: 'https://secure.example.com/' }).getAttribute('href'),
      'https://secure.example.com/',
    );
    await hosts.getByRole('link', { name: 'http://plain.example.com/api' }).waitFor();
    await d.screenshot('resources-ingress');
  });

  test('a secret value stays hidden until revealed, then shows decoded', async () => {
    await go(`/secrets/${NS}/db`);
    await page.getByText('6 bytes, hidden').waitFor();
    assert.equal(await page.getByText('s3cr3t').count(), 0);
    await page.getByRole('button', { name: 'Reveal password' }).click();
    assert.equal(await page.getByLabel('Value of password').innerText(), 's3cr3t');
    await d.screenshot('resources-secret');
  });

  test('the overview shows the node with its CPU and memory use', async () => {
    await go('/overview');
    await row(page, 'nodes', nodeName, 'Ready', /\d+m? of \d/, /\d+(\.\d)?(Ki|Mi|Gi) of /).waitFor({
      timeout: 90_000,
    });
    await row(page, 'namespaces', NS).waitFor();
    await d.screenshot('resources-overview');
    await go(`/nodes/_/${nodeName}`);
    const resources = page.getByRole('table', { name: 'Node resources' });
    await resources
      .getByRole('row')
      .filter({ hasText: 'Memory' })
      .filter({ hasText: /of allocatable/ })
      .waitFor({
        timeout: 60_000,
      });
    await row(page, 'pods', /^web-/).first().waitFor();
    await d.screenshot('resources-node');
  });

  test('events are listed newest first', async () => {
    await go('/events');
    await row(page, 'events', 'ScalingReplicaSet').first().waitFor({ timeout: 30_000 });
    await d.screenshot('resources-events');
  });

  test('delete removes the deployment and the list follows', async () => {
    await go(`/deployments/${NS}/web`);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('dialog', { name: 'Delete web' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await page.getByText('There are no deployments here.').waitFor({ timeout: 30_000 });
    await until('the deployment gone', async () => {
      const r = await kubectl(['get', 'deployment', 'web', '-n', NS]);
      return r.code !== 0 && /NotFound/.test(r.stderr) ? true : undefined;
    });
    assert.equal(await page.evaluate(() => (globalThis as any).__sameDocument), true);
    assert.deepEqual(errors, []);
  });

  test("5,000 pods in a namespace (the issue's figure): only the rows in view are drawn, the last is reached by scrolling", async () => {
    const items = Array.from({ length: 5000 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `p-${String(i).padStart(4, '0')}`, namespace: 'many' },
      // No scheduler takes them: they stay Pending, and cost the node nothing.
      spec: { schedulerName: 'nobody', containers: [{ name: 'c', image: IMAGES.busybox }] },
    }));
    ok(await kubectl(['create', 'namespace', 'many']));
    ok(
      await d.cluster.kubectl(
        KUBECTL,
        [
          'create',
          '-f',
          d.cluster.file('many.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items })),
        ],
        { timeoutMs: 480_000 },
      ),
    );
    await page.getByRole('combobox', { name: /Namespace/ }).selectOption('many');
    await go('/pods');
    const table = page.getByRole('table', { name: 'pods', exact: true });
    await page
      .locator('table[aria-label="pods"][aria-rowcount="5001"]')
      .waitFor({ timeout: 120_000 });
    const rendered = await table.locator('tbody tr').count();
    assert.ok(rendered < 100, `${rendered} rows rendered of 5,000`);
    await d.screenshot('resources-many-pods');
    await table.evaluate((t) => {
      const scroller = (t as any).closest('.table-scroll');
      scroller.scrollTop = scroller.scrollHeight;
    });
    await row(page, 'pods', 'p-4999', 'Pending').waitFor();
    assert.equal(await row(page, 'pods', 'p-0000').count(), 0, 'the first rows left the page');
    await page.getByRole('combobox', { name: /Namespace/ }).selectOption(NS);
  });

  // Addresses typed by hand or cut short: a name that does not exist, a kind not served,
  // bad escapes, selector characters, very long names. Each page settles on words, not
  // "Loading" forever, and nothing throws.
  test('generated addresses: every resource page answers in words, none breaks', async () => {
    let seed = 15;
    const pick = <T>(xs: readonly T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return xs[seed % xs.length]!;
    };
    const kinds = [
      'deployments',
      'pods',
      'nodes',
      'secrets',
      'services',
      'ingresses',
      'jobs',
      'events',
      'nope',
    ];
    const parts = [
      'web',
      NS,
      '_',
      '%zz',
      '%2e%2e',
      '..',
      'a,b=c',
      'é',
      'x'.repeat(300),
      '%00',
      'UPPER',
      ' ',
    ];
    for (let i = 0; i < 40; i++) {
      const hash = `/${pick(kinds)}/${pick(parts)}/${pick(parts)}${pick(['', '', '/x'])}`;
      // From the welcome page each time, so no words of the last page count.
      await go('/');
      await page.getByRole('heading', { name: 'Welcome to Skiff' }).waitFor();
      await go(hash);
      await until(`${hash} answers`, async () => {
        const text = await page.locator('main').innerText();
        return /does not exist|no such page|not allowed|does not serve|Summary|can exist/.test(text)
          ? true
          : undefined;
      });
    }
    await go('/deployments');
    await page.getByRole('heading', { name: 'Deployments' }).waitFor();
    assert.deepEqual(errors, []);
    assert.equal(await page.evaluate(() => (globalThis as any).__sameDocument), true);
  });

  test('a user allowed only pods in one namespace sees forbidden notices, not a broken page', async () => {
    ok(
      await kubectl([
        'create',
        'clusterrole',
        'pods-only',
        '--verb=get,list,watch',
        '--resource=pods',
      ]),
    );
    const token = await d.tokenFor('pods-only', 'pods-only', { bindIn: NS });
    ok(
      await kubectl([
        'create',
        'deployment',
        'again',
        `--image=${IMAGES.busybox}`,
        '-n',
        NS,
        '--',
        'sleep',
        '3600',
      ]),
    );
    const limited = await d.browser.newPage();
    const limitedErrors = collectPageErrors(limited);
    try {
      await explained(limited, async () => {
        await limited.goto(SEED_URL);
        await limited.getByLabel('Bearer token').fill(token);
        await limited.getByRole('button', { name: 'Sign in' }).click();
        // Namespaces are forbidden: the selector is a field to type one into.
        const ns = limited.getByRole('textbox', { name: /Namespace/ });
        await ns.fill(NS);
        await ns.press('Enter');
        await limited.evaluate(() => ((globalThis as any).location.hash = '/workloads'));
        await limited
          .getByRole('region', { name: 'Deployments' })
          .getByText('You are not allowed to see deployments')
          .waitFor();
        await row(limited, 'pods', /^again-/)
          .first()
          .waitFor({ timeout: 60_000 });
        await d.screenshot('resources-limited-workloads', limited);

        await limited.evaluate(() => ((globalThis as any).location.hash = '/overview'));
        await limited
          .getByRole('region', { name: 'Nodes' })
          .getByText('You are not allowed to see nodes')
          .waitFor();
        await d.screenshot('resources-limited-overview', limited);

        // Its pod's page: shown, with the actions it may not use disabled and saying why.
        await limited.evaluate(() => ((globalThis as any).location.hash = '/pods'));
        await row(limited, 'pods', /^again-/)
          .first()
          .getByRole('link')
          .click();
        const del = limited.getByRole('button', { name: 'Delete' });
        await until('Delete disabled', async () => ((await del.isDisabled()) ? true : undefined));
        assert.match((await del.getAttribute('title')) ?? '', /not allowed to delete pods/);
        await limited.getByText('You are not allowed to see events').waitFor();
      });
      await d.screenshot('resources-limited-pod', limited);
      assert.deepEqual(limitedErrors, []);
    } finally {
      await limited.close();
    }
  });
});

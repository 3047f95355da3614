// End-to-end: seed 004's deploy wizard, YAML/JSON upload and namespace creation in headless
// Chromium, reached at the seed's URL through `kubectl proxy`, against a node cluster. What
// the pages create is checked with kubectl; the example app's pods must run and its Service
// must answer.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  dashboardSkipReason,
  KUBECTL,
  SEED_URL,
  startDashboardHarness,
  type DashboardHarness,
} from './dashboard-harness.js';
import { ok, until } from './harness.js';

const skip = dashboardSkipReason() ?? false;

/** Waits until the page shows `text` exactly (in any element). */
async function shows(page: Page, text: string): Promise<void> {
  await page.getByText(text, { exact: true }).first().waitFor({ timeout: 10_000 });
}

describe('dashboard: deploy wizard, upload, new namespace', { skip, timeout: 900_000 }, () => {
  let d: DashboardHarness;
  let page: Page;
  const kubectl = async (...args: string[]): Promise<string> =>
    ok(await d.cluster.kubectl(KUBECTL, args));
  const json = async (...args: string[]): Promise<any> =>
    JSON.parse(await kubectl(...args, '-o', 'json'));
  /** Opens a page of the app the way a user does: its link in the side navigation. */
  const open = async (title: string): Promise<void> => {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: title })
      .click();
  };
  /** What the wizard could create, for "nothing was created" checks. */
  const inventory = async (): Promise<string> =>
    (await kubectl('get', 'deployments,services,secrets', '-n', 'default', '-o', 'name')) +
    (await kubectl('get', 'namespaces', '-o', 'name'));

  before(async () => {
    const images = await ensureTestImages({ images: [IMAGES.nginx] });
    d = await startDashboardHarness({ images: [images.archives[IMAGES.nginx]!] });
    page = d.page;
    await d.login(await d.tokenFor('deployer', 'cluster-admin'));
    await page.getByRole('navigation', { name: 'Sections' }).waitFor();
  });
  after(async () => {
    await d?.stop();
  });

  test('the wizard shows every validation message of seed 004 for a bad value of each field', async () => {
    const before = await inventory();
    await open('Deploy an app');
    const name = page.getByLabel('App name *');
    await name.waitFor();
    await d.screenshot('deploy-wizard-empty');

    // Deploying an empty form: the required fields say so.
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await shows(page, 'Application name is required.');
    await shows(page, 'Container image is required');

    await name.fill('Web');
    await shows(
      page,
      "Application name must start with a lowercase letter and contain only lowercase letters, numbers, and '-' between words.",
    );
    await name.fill('a'.repeat(25));
    await shows(page, 'Name must be up to 24 characters long.');
    // Unique among the namespace's Deployments and Services: `kubernetes` is a Service in default.
    await name.fill('  kubernetes ');
    await shows(page, 'Deployment or service with this name already exists within namespace.');

    await page.getByLabel('Container image *').fill('Nginx:1.25');
    await shows(page, 'Container image is invalid: repository name must be lowercase');
    await page.getByLabel('Container image *').fill('nginx:');
    await shows(page, 'Container image is invalid: invalid reference format');

    const pods = page.getByLabel('Number of pods *');
    await pods.fill('');
    await shows(page, 'Number of pods is required');
    await pods.fill('1.5');
    await shows(page, 'Number of pods must be a positive integer');
    await pods.fill('0');
    await shows(page, 'Number of pods must be at least 1');
    await pods.fill('101');
    await shows(
      page,
      'Setting high number of pods may cause performance issues of the cluster and Dashboard UI.',
    );

    await page.getByLabel('Service', { exact: true }).selectOption('external');
    await shows(page, 'Port cannot be empty.');
    await shows(page, 'Target port cannot be empty.');
    const port = page.getByLabel('Port 1', { exact: true });
    const target = page.getByLabel('Target port 1', { exact: true });
    for (const [value, portMessage, targetMessage] of [
      ['80.5', 'Port must be an integer.', 'Target port must be an integer.'],
      ['0', 'Port must be greater than 0.', 'Target port must be greater than 0.'],
      ['65536', 'Port must be less than 65536.', 'Target port must be less than 65536.'],
    ] as const) {
      await port.fill(value);
      await target.fill(value);
      await shows(page, portMessage);
      await shows(page, targetMessage);
    }
    // UDP cannot be exposed by an external (LoadBalancer) Service.
    await page.getByLabel('Protocol 1').selectOption('UDP');
    await shows(page, 'Invalid protocol.');

    // A new namespace, inline.
    await page.getByLabel('Namespace *').selectOption({ label: 'Create a new namespace...' });
    const nsForm = page.getByRole('form', { name: 'Create a new namespace' });
    await nsForm.getByRole('button', { name: 'Create' }).click();
    await shows(page, 'Name is required.');
    const nsName = nsForm.getByLabel('Namespace name *');
    await nsName.fill('Team');
    await shows(page, 'Name must be alphanumeric and may contain dashes.');
    await nsName.fill('10');
    await shows(page, 'Namespace names should not consist of only numbers.');
    await nsName.fill('a'.repeat(64));
    await shows(page, 'Name must be up to 63 characters long.');
    await nsForm.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: 'Show advanced options' }).click();
    const key = page.getByLabel('Label 3 key');
    const value = page.getByLabel('Label 3 value');
    await key.fill('-tier');
    await shows(
      page,
      "Label key name must be alphanumeric separated by '-', '_' or '.', optionally prefixed by a DNS subdomain and '/'.",
    );
    await key.fill('Example.com/tier');
    await shows(page, 'Prefix is not a valid DNS subdomain prefix (eg. my-domain.com).');
    await key.fill('a'.repeat(64));
    await shows(page, 'Label Key name should not exceed 63 characters.');
    await key.fill(`${'a'.repeat(254)}/tier`);
    await shows(page, 'Prefix should not exceed 253 characters.');
    await key.fill('app');
    await shows(page, 'app is not unique');
    await key.fill('tier');
    await value.fill('-front');
    await shows(page, "Label value must be alphanumeric separated by '.' , '-' or '_'.");
    await value.fill('a'.repeat(64));
    await shows(page, 'Label Value must not exceed 63 characters.');

    // A new image pull secret, inline.
    await page.getByLabel('Image Pull Secret').selectOption({ label: 'Create a new secret...' });
    const secretForm = page.getByRole('group', { name: 'Create a new image pull secret' });
    await secretForm.getByRole('button', { name: 'Create' }).click();
    await shows(page, 'Name is required.');
    await shows(page, 'Data is required.');
    const secretName = secretForm.getByLabel('Secret name *');
    await secretName.fill('New_Secret');
    await shows(page, 'Name must follow the DNS domain name syntax (e.g. new.image-pull.secret).');
    await secretName.fill(`${'a'.repeat(63)}.`.repeat(4) + 'a');
    await shows(page, 'Name must be up to 253 characters long.');
    await secretForm.getByLabel('Image pull secret data *').fill('not base64!');
    await shows(page, 'Data must be Base64 encoded.');
    await secretForm.getByRole('button', { name: 'Cancel' }).click();

    const cpu = page.getByLabel('CPU requirement (cores)');
    const memory = page.getByLabel('Memory requirement (MiB)');
    await cpu.fill('one');
    await shows(page, 'CPU requirement must be given as a valid number.');
    await cpu.fill('-1');
    await shows(page, 'CPU requirement must be given as a positive number.');
    await memory.fill('1O0');
    await shows(page, 'Memory requirement must be given as a valid number.');
    await memory.fill('-64');
    await shows(page, 'Memory requirement must be given as a positive number.');

    await page.getByLabel('Variable 1 name').fill('1_HOST');
    await shows(page, 'Variable name must be a valid C identifier.');

    // Deploy refuses while anything is wrong: no preview, nothing created.
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await shows(page, 'Some fields need a change before the app can be deployed.');
    assert.equal(await page.getByLabel('YAML preview').count(), 0);
    await d.screenshot('deploy-wizard-errors');
    assert.equal(await inventory(), before);
  });

  test('seed 004 example app: Deployment and internal Service from the wizard, running, seen by kubectl', async () => {
    await page.goto(`${SEED_URL}#/`);
    await open('Deploy an app');
    await page.getByLabel('App name *').fill(' frontend ');
    await page.getByLabel('Container image *').fill(IMAGES.nginx);
    await page.getByLabel('Number of pods *').fill('2');
    await page.getByLabel('Service', { exact: true }).selectOption('internal');
    await page.getByLabel('Port 1', { exact: true }).fill('8080');
    await page.getByLabel('Target port 1', { exact: true }).fill('80');
    await page.getByText(/The internal DNS name for this Service will be:\s*frontend\./).waitFor();

    // The app goes into a namespace created from the wizard; it becomes the selected one.
    await page.getByLabel('Namespace *').selectOption({ label: 'Create a new namespace...' });
    const nsForm = page.getByRole('form', { name: 'Create a new namespace' });
    await nsForm.getByLabel('Namespace name *').fill('shop');
    await nsForm.getByRole('button', { name: 'Create' }).click();
    await until('the new namespace selected', async () =>
      (await page.getByLabel('Namespace *').inputValue()) === 'shop' ? true : undefined,
    );

    await page.getByRole('button', { name: 'Show advanced options' }).click();
    await page.getByLabel('Description').fill('The shop front end');
    // The seed's example labels: release=1.0 tier=frontend environment=pod track=stable.
    const labels = [
      ['release', '1.0'],
      ['tier', 'frontend'],
      ['environment', 'pod'],
      ['track', 'stable'],
    ];
    for (const [i, [k, v]] of labels.entries()) {
      await page.getByLabel(`Label ${i + 3} key`).fill(k!);
      await page.getByLabel(`Label ${i + 3} value`).fill(v!);
    }
    // An image pull secret created from the wizard, then selected.
    const dockercfg = Buffer.from(
      JSON.stringify({ 'registry.example': { auth: 'dXNlcjpwYXNz', email: 'ops@example.com' } }),
    ).toString('base64');
    await page.getByLabel('Image Pull Secret').selectOption({ label: 'Create a new secret...' });
    const secretForm = page.getByRole('group', { name: 'Create a new image pull secret' });
    await secretForm.getByLabel('Secret name *').fill('new.image-pull.secret');
    await secretForm.getByLabel('Image pull secret data *').fill(dockercfg);
    await secretForm.getByRole('button', { name: 'Create' }).click();
    await until('the new secret selected', async () =>
      (await page.getByLabel('Image Pull Secret').inputValue()) === 'new.image-pull.secret'
        ? true
        : undefined,
    );
    await page.getByLabel('Memory requirement (MiB)').fill('32');
    await page.getByLabel('Variable 1 name').fill('GREETING');
    await page.getByLabel('Variable 1 value').fill('hello');
    await page.getByLabel('Variable 2 name').fill('MESSAGE');
    await page.getByLabel('Variable 2 value').fill('$(GREETING) from the shop');

    // The preview: the YAML of both objects, before anything is created.
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    const preview = page.getByLabel('YAML preview');
    await preview.waitFor();
    const yaml = await preview.innerText();
    assert.match(yaml, /kind: Deployment[\s\S]*---\n[\s\S]*kind: Service/);
    assert.match(yaml, /type: ClusterIP/);
    assert.match(yaml, /description: The shop front end/);
    await d.screenshot('deploy-wizard-preview');
    assert.equal((await json('get', 'deployments', '-n', 'shop')).items.length, 0);

    await page.getByRole('button', { name: 'Deploy now' }).click();
    await page.waitForURL(/#\/deployments\/shop\/frontend$/);

    const wanted = {
      app: 'frontend',
      version: '1',
      release: '1.0',
      tier: 'frontend',
      environment: 'pod',
      track: 'stable',
    };
    const dep = await json('get', 'deployment', 'frontend', '-n', 'shop');
    assert.deepEqual(dep.metadata.labels, wanted);
    assert.deepEqual(dep.spec.selector, { matchLabels: wanted });
    assert.deepEqual(dep.spec.template.metadata.labels, wanted);
    assert.equal(dep.metadata.annotations.description, 'The shop front end');
    assert.equal(dep.spec.replicas, 2);
    const [container] = dep.spec.template.spec.containers;
    assert.equal(container.name, 'frontend');
    assert.equal(container.image, IMAGES.nginx);
    assert.deepEqual(container.resources, { requests: { memory: '32Mi' } });
    assert.deepEqual(container.securityContext, { privileged: false });
    assert.deepEqual(container.env, [
      { name: 'GREETING', value: 'hello' },
      { name: 'MESSAGE', value: '$(GREETING) from the shop' },
    ]);
    assert.deepEqual(dep.spec.template.spec.imagePullSecrets, [{ name: 'new.image-pull.secret' }]);
    const secret = await json('get', 'secret', 'new.image-pull.secret', '-n', 'shop');
    assert.equal(secret.type, 'kubernetes.io/dockercfg');
    assert.equal(secret.data['.dockercfg'], dockercfg);

    const svc = await json('get', 'service', 'frontend', '-n', 'shop');
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.deepEqual(svc.spec.selector, wanted);
    assert.deepEqual(svc.metadata.labels, wanted);
    assert.equal(svc.spec.ports.length, 1);
    assert.match(svc.spec.ports[0].name, /^tcp-8080-80-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(svc.spec.ports[0].port, 8080);
    assert.equal(svc.spec.ports[0].targetPort, 80);
    assert.equal(svc.spec.ports[0].protocol, 'TCP');

    // Running: both pods ready, and the Service answers on its cluster IP.
    ok(
      await d.cluster.kubectl(
        KUBECTL,
        ['rollout', 'status', 'deployment/frontend', '-n', 'shop', '--timeout=180s'],
        { timeoutMs: 200_000 },
      ),
    );
    const ready = await json('get', 'pods', '-n', 'shop', '-l', 'app=frontend,track=stable');
    assert.equal(ready.items.length, 2);
    await until('the Service answering', async () => {
      const r = await d.cluster.exec(
        'curl',
        [
          '-s',
          '--max-time',
          '5',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code}',
          `http://${svc.spec.clusterIP}:8080/`,
        ],
        { timeoutMs: 10_000 },
      );
      return r.stdout.trim() === '200' ? true : undefined;
    });

    // The name is now taken in shop (checked live), while default still has it free.
    await page.goto(`${SEED_URL}#/`);
    await open('Deploy an app');
    await page.getByLabel('Namespace *').selectOption('shop');
    await page.getByLabel('App name *').fill('frontend');
    await shows(page, 'Deployment or service with this name already exists within namespace.');
    await page.getByLabel('Namespace *').selectOption('default');
    await page
      .getByText('Deployment or service with this name already exists within namespace.')
      .waitFor({ state: 'detached' });
  });

  test('upload: a multi-document manifest with one refused object, a syntax error with its line, a JSON file', async () => {
    await page.goto(`${SEED_URL}#/`);
    await open('Create from YAML');
    const manifest = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: settings',
      'data:',
      '  color: blue',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: broken',
      'spec:',
      '  ports:',
      '  - port: 700000',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: api',
      'spec:',
      '  selector: {matchLabels: {app: api}}',
      '  template:',
      '    metadata: {labels: {app: api}}',
      `    spec: {containers: [{name: api, image: "${IMAGES.nginx}"}]}`,
      '',
    ].join('\n');
    await page.getByLabel('Manifest').fill(manifest);
    await page.getByRole('button', { name: 'Upload' }).click();
    await shows(page, '2 applied, 1 failed.');
    const results = page.getByRole('list', { name: 'Results' }).getByRole('listitem');
    const lines = await results.allInnerTexts();
    assert.equal(lines.length, 3);
    assert.equal(lines[0], 'line 1 ConfigMap settings: created');
    assert.match(
      lines[1]!,
      /^line 8 Service broken: Service "broken" is invalid: .*spec\.ports\[0\]\.port: Invalid value: 700000: must be between 1 and 65535, inclusive/,
    );
    assert.equal(lines[2], 'line 16 Deployment api: created');
    await d.screenshot('upload-results');
    assert.equal((await json('get', 'configmap', 'settings', '-n', 'default')).data.color, 'blue');
    assert.equal((await json('get', 'deployment', 'api', '-n', 'default')).spec.replicas, 1);
    assert.equal(
      (await d.cluster.kubectl(KUBECTL, ['get', 'service', 'broken', '-n', 'default'])).code,
      1,
    );

    // Applied again (server-side): the objects are updated, not refused.
    await page.getByLabel('Manifest').fill(manifest.replace('color: blue', 'color: green'));
    await page.getByRole('button', { name: 'Upload' }).click();
    await until('the second upload done', async () =>
      (await results.first().innerText()) === 'line 1 ConfigMap settings: configured'
        ? true
        : undefined,
    );
    assert.equal((await json('get', 'configmap', 'settings', '-n', 'default')).data.color, 'green');

    // A syntax error: its line, and the documents around it still go in.
    await page
      .getByLabel('Manifest')
      .fill(
        [
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata: {name: before-error}',
          '---',
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata:',
          '  name: broken-yaml',
          ' data: [1, 2',
          '---',
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata: {name: after-error}',
        ].join('\n'),
      );
    await page.getByRole('button', { name: 'Upload' }).click();
    await shows(page, '2 applied, 1 failed.');
    const withError = await results.allInnerTexts();
    assert.equal(withError[0], 'line 1 ConfigMap before-error: created');
    assert.match(withError[1]!, /^YAML syntax error at line 9: /);
    assert.equal(withError[2], 'line 11 ConfigMap after-error: created');
    await d.screenshot('upload-syntax-error');
    await kubectl('get', 'configmap', 'before-error', 'after-error', '-n', 'default');

    // A JSON file chosen from disk, with a syntax error on line 4.
    await page.getByLabel('Choose a YAML or JSON file').setInputFiles({
      name: 'namespace.json',
      mimeType: 'application/json',
      buffer: Buffer.from(
        '{\n  "apiVersion": "v1",\n  "kind": "Namespace",\n  "metadata": {"name": }\n}\n',
      ),
    });
    await until('the file read', async () =>
      (await page.getByLabel('Manifest').inputValue()).includes('"kind": "Namespace"')
        ? true
        : undefined,
    );
    await page.getByRole('button', { name: 'Upload' }).click();
    await shows(page, '0 applied, 1 failed.');
    assert.deepEqual(await results.allInnerTexts(), [
      "JSON syntax error at line 4: unexpected '}'",
    ]);
    // The same file, fixed: a List of two namespaces.
    await page.getByLabel('Choose a YAML or JSON file').setInputFiles({
      name: 'namespaces.json',
      mimeType: 'application/json',
      buffer: Buffer.from(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: ['uploaded-a', 'uploaded-b'].map((name) => ({
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name },
          })),
        }),
      ),
    });
    await until('the second file read', async () =>
      (await page.getByLabel('Manifest').inputValue()).includes('uploaded-a') ? true : undefined,
    );
    await page.getByRole('button', { name: 'Upload' }).click();
    await shows(page, '2 applied, 0 failed.');
    await kubectl('get', 'namespace', 'uploaded-a', 'uploaded-b');

    // A kind the server does not serve, as kubectl says it; the next object still goes in.
    await page
      .getByLabel('Manifest')
      .fill(
        'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\n' +
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: after-widget}\n',
      );
    await page.getByRole('button', { name: 'Upload' }).click();
    await shows(page, '1 applied, 1 failed.');
    assert.deepEqual(await results.allInnerTexts(), [
      'line 1 Widget w: no matches for kind "Widget" in version "example.com/v1"',
      'line 5 ConfigMap after-widget: created',
    ]);
  });

  test('a namespace created on its own page, with the seed rules and the server’s refusal', async () => {
    await page.goto(`${SEED_URL}#/`);
    await open('New namespace');
    const field = page.getByLabel('Namespace name *');
    await field.fill('10');
    await shows(page, 'Namespace names should not consist of only numbers.');
    await page.getByRole('button', { name: 'Create' }).click();
    assert.equal((await d.cluster.kubectl(KUBECTL, ['get', 'namespace', '10'])).code, 1);

    await field.fill('  team-b ');
    await page.getByRole('button', { name: 'Create' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Namespace team-b was created and is now selected.' })
      .waitFor();
    const ns = await json('get', 'namespace', 'team-b');
    assert.equal(ns.status.phase, 'Active');
    // The namespace selector of the page now shows it.
    assert.equal(await page.getByRole('banner').getByLabel('Namespace').inputValue(), 'team-b');
    await d.screenshot('namespace-new');

    await field.fill('team-b');
    await page.getByRole('button', { name: 'Create' }).click();
    await shows(page, 'Error creating namespace: namespaces "team-b" already exists');
  });
  test('a user who may only view: the server’s refusal shown per object, nothing created', async () => {
    const viewer = await d.tokenFor('viewer', 'view');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await d.login(viewer);
    await open('Deploy an app');
    await page.getByLabel('App name *').fill('refused');
    await page.getByLabel('Namespace *').selectOption('default');
    await page.getByLabel('Container image *').fill(IMAGES.nginx);
    await page.getByLabel('Service', { exact: true }).selectOption('internal');
    await page.getByLabel('Port 1', { exact: true }).fill('80');
    await page.getByLabel('Target port 1', { exact: true }).fill('80');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await page.getByRole('button', { name: 'Deploy now' }).click();
    const results = page.getByRole('list', { name: 'Results' }).getByRole('listitem');
    await results.first().waitFor();
    assert.deepEqual(await results.allInnerTexts(), [
      'Deployment default/refused: deployments.apps is forbidden: User "system:serviceaccount:default:viewer" cannot create resource "deployments" in API group "apps" in the namespace "default"',
      'Service default/refused: not created, because the Deployment was not',
    ]);
    // Still on the preview, able to go back to the form.
    await page.getByRole('button', { name: 'Back to the form' }).click();
    await page.getByLabel('App name *').waitFor();
    assert.equal(
      (await d.cluster.kubectl(KUBECTL, ['get', 'deployment', 'refused', '-n', 'default'])).code,
      1,
    );
  });
});

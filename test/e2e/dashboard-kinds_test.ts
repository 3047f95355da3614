// End-to-end: the dashboard's pages for the stateful, batch, autoscaling and storage kinds in
// headless Chromium, against a node cluster that runs them: a stateful set's pods in order
// and scaled from the page, a job run to completion, a cron job, a claim bound by the
// built-in provisioner, the persistent volume and default storage class in the overview,
// and the autoscaler that targets a deployment on the deployment's page.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import {
  dashboardSkipReason,
  showRoute,
  tableRow as row,
  KUBECTL,
  startDashboardHarness,
  type DashboardHarness,
} from './dashboard-harness.js';
import { IMAGES } from '../images/index.js';
import { ok, until } from './harness.js';

const skip = dashboardSkipReason() ?? false;
const NS = 'kinds';
/** A namespace of its own for a quota and a limit range, away from the other kinds' pods. */
const POLICY_NS = 'policy';

const SLEEP = ['sleep', '3600'];
const meta = (name: string) => ({ name, namespace: NS });
const podSpec = (command: string[], more: object = {}) => ({
  terminationGracePeriodSeconds: 0,
  containers: [{ name: 'main', image: IMAGES.busybox, command, ...more }],
});
const labelled = (app: string, spec: object) => ({
  selector: { matchLabels: { app } },
  template: { metadata: { labels: { app } }, spec },
});

/** What the pages show, applied as one multi-document manifest (JSON is YAML). */
const OBJECTS = [
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('db'),
    spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 80 }] },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta('db'),
    spec: { serviceName: 'db', replicas: 2, ...labelled('db', podSpec(SLEEP)) },
  },
  {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta('once'),
    spec: { template: { spec: { ...podSpec(['sh', '-c', 'echo done']), restartPolicy: 'Never' } } },
  },
  {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta('nightly'),
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: {
        spec: { template: { spec: { ...podSpec(['true']), restartPolicy: 'OnFailure' } } },
      },
    },
  },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta('data'),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta('uses-data'),
    spec: {
      ...podSpec(SLEEP, { volumeMounts: [{ name: 'data', mountPath: '/data' }] }),
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
    },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('api'),
    spec: {
      replicas: 1,
      ...labelled('api', podSpec(SLEEP, { resources: { requests: { cpu: '50m' } } })),
    },
  },
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta('api'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
      minReplicas: 1,
      maxReplicas: 4,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
        },
      ],
    },
  },
]
  .map((o) => JSON.stringify(o))
  .join('\n---\n');

describe(
  'dashboard pages of stateful sets, jobs, cron jobs, storage and autoscalers',
  {
    skip,
    timeout: 900_000,
  },
  () => {
    let d: DashboardHarness;
    let page: Page;
    let errors: string[] = [];
    const kubectl = (args: string[]) => d.cluster.kubectl(KUBECTL, args);

    before(async () => {
      d = await startDashboardHarness({ busybox: true });
      ok(await kubectl(['create', 'namespace', NS]));
      ok(await kubectl(['apply', '-f', d.cluster.file('kinds.yaml', OBJECTS)]));
      page = d.page;
      errors = await d.signInAsAdmin('kinds-admin', NS);
    });
    after(async () => {
      await d?.stop();
    });

    const go = (hash: string): Promise<void> => showRoute(page, hash);

    test('the workloads page lists every kind, none unserved', async () => {
      await go('/workloads');
      await row(page, 'stateful sets', 'db').waitFor({ timeout: 60_000 });
      await row(page, 'jobs', 'once').waitFor();
      await row(page, 'cron jobs', 'nightly').waitFor();
      assert.equal(await page.getByText(/This cluster does not serve/).count(), 0);
      await d.screenshot('kinds-workloads');
    });

    test('a stateful set shows its pods by ordinal, and scales from its page', async () => {
      await go('/statefulsets');
      await row(page, 'stateful sets', 'db', '2/2', 'Ready').waitFor({ timeout: 180_000 });
      const names = ok(
        await kubectl([
          'get',
          'pods',
          '-n',
          NS,
          '-l',
          'app=db',
          '-o',
          'jsonpath={.items[*].metadata.name}',
        ]),
      );
      assert.deepEqual(names.split(' ').sort(), ['db-0', 'db-1']);
      await go(`/statefulsets/${NS}/db`);
      await row(page, 'pods', 'db-0', 'Running').waitFor();
      await row(page, 'pods', 'db-1', 'Running').waitFor();
      await page.getByRole('button', { name: 'Scale' }).click();
      const dialog = page.getByRole('dialog', { name: 'Scale db' });
      await dialog.getByLabel('Replicas').fill('3');
      await dialog.getByRole('button', { name: 'Scale' }).click();
      await page.getByRole('status').filter({ hasText: 'Scaled to 3.' }).waitFor();
      await row(page, 'pods', 'db-2', 'Running').waitFor({ timeout: 180_000 });
      await d.screenshot('kinds-statefulset');
      await go('/statefulsets');
      await row(page, 'stateful sets', 'db', '3/3').waitFor({ timeout: 60_000 });
      assert.equal(await page.evaluate(() => (globalThis as any).__sameDocument), true);
    });

    test('a job runs to completion in the page, its pod listed on its own page', async () => {
      await go('/jobs');
      await row(page, 'jobs', 'once', '1/1', 'Complete').waitFor({ timeout: 180_000 });
      await go(`/jobs/${NS}/once`);
      await page.getByText('0 active, 1 succeeded, 0 failed').waitFor({ timeout: 30_000 });
      await row(page, 'pods', /^once-/, 'Succeeded').waitFor({ timeout: 60_000 });
      await d.screenshot('kinds-job');
    });

    test('a cron job shows its schedule, and a job made from it appears under it', async () => {
      await go('/cronjobs');
      await row(page, 'cron jobs', 'nightly', '0 3 * * *', 'Scheduled').waitFor();
      ok(await kubectl(['create', 'job', 'nightly-now', '--from=cronjob/nightly', '-n', NS]));
      await go(`/cronjobs/${NS}/nightly`);
      await row(page, 'jobs', 'nightly-now').waitFor({ timeout: 60_000 });
      await d.screenshot('kinds-cronjob');
    });

    test('a claim is bound by the default class, its volume and class in the overview', async () => {
      await go('/persistentvolumeclaims');
      await row(page, 'persistent volume claims', 'data', 'Bound', '1Gi', 'RWO').waitFor({
        timeout: 120_000,
      });
      const volume = ok(
        await kubectl(['get', 'pvc', 'data', '-n', NS, '-o', 'jsonpath={.spec.volumeName}']),
      );
      assert.notEqual(volume, '');
      await go('/overview');
      await page
        .getByRole('region', { name: 'Persistent volumes' })
        .getByText(volume)
        .waitFor({ timeout: 30_000 });
      await page.getByRole('region', { name: 'Storage classes' }).getByText('(default)').waitFor();
      await go(`/persistentvolumes/_/${volume}`);
      await page.getByText('Bound').first().waitFor();
      await page.getByRole('link', { name: 'data' }).first().waitFor();
      await d.screenshot('kinds-storage');
    });

    test('the autoscaler shows on the deployment it targets', async () => {
      await go(`/deployments/${NS}/api`);
      const hpa = row(page, 'horizontal pod autoscalers', 'api', /cpu: (\d+%|<unknown>)\/60%/);
      await hpa.waitFor({ timeout: 60_000 });
      // Current and desired replicas come from the autoscaler's status, written by its controller.
      await until('the autoscaler reports its replicas', async () => {
        const cells = await hpa.getByRole('cell').allInnerTexts();
        return cells[3] === '1' && cells[4] === '1' ? true : undefined;
      });
      await d.screenshot('kinds-hpa');
    });

    test('the autoscalers page lists it as kubectl get hpa does, and its page links the target', async () => {
      await go('/horizontalpodautoscalers');
      // Targets as kubectl's TARGETS column: the controller's figure once it has one.
      const hpa = row(
        page,
        'horizontal pod autoscalers',
        'api',
        'Deployment/api',
        /cpu: \d+%\/60%/,
      );
      await hpa.waitFor({ timeout: 90_000 });
      const cells = await hpa.getByRole('cell').allInnerTexts();
      assert.deepEqual(
        cells.slice(cells.indexOf('Deployment/api') + 2, -1),
        ['1', '4', '1'],
        cells.join(' | '),
      );
      await go(`/horizontalpodautoscalers/${NS}/api`);
      await page.getByRole('link', { name: 'Deployment/api' }).first().click();
      await page.waitForURL(new RegExp(`#/deployments/${NS}/api$`));
      await d.screenshot('kinds-hpa-list');
    });

    test("a namespace's page shows its quotas, counted, and its limit ranges", async () => {
      const policy = [
        {
          apiVersion: 'v1',
          kind: 'ResourceQuota',
          metadata: { name: 'objects', namespace: POLICY_NS },
          spec: { hard: { pods: '4', configmaps: '3' } },
        },
        {
          apiVersion: 'v1',
          kind: 'LimitRange',
          metadata: { name: 'limits', namespace: POLICY_NS },
          spec: {
            limits: [
              {
                type: 'Container',
                max: { cpu: '1' },
                default: { cpu: '500m' },
                defaultRequest: { cpu: '100m' },
              },
            ],
          },
        },
      ];
      ok(await kubectl(['create', 'namespace', POLICY_NS]));
      ok(
        await kubectl([
          'apply',
          '-f',
          d.cluster.file('policy.yaml', policy.map((o) => JSON.stringify(o)).join('\n---\n')),
        ]),
      );
      await go(`/namespaces/_/${POLICY_NS}`);
      const quotaCells = (resource: string) =>
        row(page, 'resource quotas', 'objects', resource).getByRole('cell').allInnerTexts();
      const counted = (resource: string, used: string, hard: string) =>
        until(`the quota's ${resource} row shows ${used} of ${hard}`, async () => {
          const cells = await quotaCells(resource);
          return cells.join(' ') === `objects ${resource} ${used} ${hard}` ? true : undefined;
        });
      // kube-root-ca.crt is the namespace's one config map: the controller's count shows.
      await counted('configmaps', '1', '3');
      await counted('pods', '0', '4');
      const limits = row(page, 'resource limits', 'limits', 'Container', 'cpu');
      await limits.waitFor();
      assert.deepEqual(await limits.getByRole('cell').allInnerTexts(), [
        'limits',
        'Container',
        'cpu',
        '-',
        '1',
        '100m',
        '500m',
        '-',
      ]);
      // The count follows a change in the namespace.
      ok(await kubectl(['create', 'configmap', 'extra', '-n', POLICY_NS]));
      await counted('configmaps', '2', '3');
      await d.screenshot('kinds-namespace-policy');
    });

    test("custom resource definitions are listed, and a definition's page lists its objects with its columns", async () => {
      const crd = {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'crontabs.stable.example.com' },
        spec: {
          group: 'stable.example.com',
          scope: 'Namespaced',
          names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'] },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      properties: { cronSpec: { type: 'string' }, replicas: { type: 'integer' } },
                    },
                  },
                },
              },
              additionalPrinterColumns: [
                { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
                { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
              ],
            },
          ],
        },
      };
      ok(await kubectl(['apply', '-f', d.cluster.file('crd.json', JSON.stringify(crd))]));
      ok(
        await kubectl([
          'wait',
          '--for',
          'condition=established',
          '--timeout=60s',
          'crd/crontabs.stable.example.com',
        ]),
      );
      const tab = {
        apiVersion: 'stable.example.com/v1',
        kind: 'CronTab',
        metadata: { name: 'nightly-tab', namespace: NS },
        spec: { cronSpec: '* * * * */5', replicas: 2 },
      };
      ok(await kubectl(['apply', '-f', d.cluster.file('crontab.json', JSON.stringify(tab))]));
      await go('/customresourcedefinitions');
      const def = row(page, 'custom resource definitions', 'crontabs.stable.example.com');
      await def.waitFor({ timeout: 30_000 });
      await until('the definition row shows group, kind, version, scope and status', async () => {
        const cells = await def.getByRole('cell').allInnerTexts();
        return cells.slice(1, 6).join(' | ') ===
          'stable.example.com | CronTab | v1 | Namespaced | Established'
          ? true
          : undefined;
      });
      await def.getByRole('link', { name: 'crontabs.stable.example.com' }).click();
      const obj = row(page, 'crontabs', 'nightly-tab');
      await obj.waitFor({ timeout: 30_000 });
      const cells = await obj.getByRole('cell').allInnerTexts();
      assert.deepEqual(
        cells.slice(0, 4),
        ['nightly-tab', NS, '* * * * */5', '2'],
        cells.join(' | '),
      );
      // A new object appears without a reload (the page watches the kind).
      ok(
        await kubectl([
          'apply',
          '-f',
          d.cluster.file(
            'crontab2.json',
            JSON.stringify({ ...tab, metadata: { name: 'hourly-tab', namespace: NS } }),
          ),
        ]),
      );
      await row(page, 'crontabs', 'hourly-tab').waitFor({ timeout: 30_000 });
      await d.screenshot('kinds-crd');
    });

    test('no page broke', () => {
      assert.deepEqual(errors, []);
    });
  },
);

// End-to-end: a page's lists stay live through a dropped connection. The whole cluster (API
// server, dashboard and all) is killed while a list is open at the seed's URL: the page keeps
// what it shows and says it is reconnecting; once the cluster is back, a change made then
// appears without a reload and the notice goes away.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  dashboardSkipReason,
  KUBECTL,
  startDashboardHarness,
  type DashboardHarness,
} from './dashboard-harness.js';
import { ok, runSkiff, until } from './harness.js';

const skip = dashboardSkipReason() ?? false;

describe('dashboard lists through a dropped connection', { skip, timeout: 600_000 }, () => {
  let d: DashboardHarness;
  const kubectl = (args: string[]) => d.cluster.kubectl(KUBECTL, args);

  before(async () => {
    d = await startDashboardHarness();
    ok(await kubectl(['create', 'configmap', 'before-drop', '--from-literal=a=1']));
    await d.login(await d.tokenFor('watcher', 'cluster-admin'));
  });

  after(async () => {
    await d?.stop();
  });

  test('the cluster killed and started again: the list says so, then follows again', async () => {
    const page = d.page;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await d.goto('/configmaps');
    const rows = page.getByRole('main').getByRole('row');
    await rows.filter({ hasText: 'before-drop' }).waitFor({ timeout: 30_000 });

    const c = d.cluster;
    const { pid } = JSON.parse(readFileSync(join(c.dataDir, 'endpoint.json'), 'utf8')) as {
      pid: number;
    };
    process.kill(pid, 'SIGKILL');
    await until('the cluster gone', async () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    });
    const notice = page.getByRole('status').filter({ hasText: 'Connection lost, reconnecting' });
    await notice.first().waitFor({ timeout: 60_000 });
    // What was there is still shown.
    assert.equal(await rows.filter({ hasText: 'before-drop' }).count(), 1);
    await d.screenshot('watch-reconnecting');

    const up = runSkiff(
      [
        'up',
        '--detach',
        '--data-dir',
        c.dataDir,
        '--api-port',
        String(c.port),
        '--node-name',
        c.nodeName ?? '',
      ],
      {},
      c.netns,
    );
    assert.equal(up.code, 0, up.stdout + up.stderr);
    ok(await kubectl(['create', 'configmap', 'after-drop', '--from-literal=b=2']));
    await rows.filter({ hasText: 'after-drop' }).waitFor({ timeout: 60_000 });
    await notice.first().waitFor({ state: 'detached', timeout: 30_000 });
    ok(await kubectl(['delete', 'configmap', 'before-drop']));
    await rows.filter({ hasText: 'before-drop' }).waitFor({ state: 'detached', timeout: 30_000 });
    assert.deepEqual(errors, []);
    await d.screenshot('watch-reconnected');
  });
});

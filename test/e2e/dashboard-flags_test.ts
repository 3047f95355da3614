// `--disable-dashboard`: an API-only cluster that runs no dashboard, makes none of its
// objects, and whose `skiff dashboard` says so.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasKubectl, runSkiff, startCluster, type TestCluster } from './harness.js';

const KUBECTL = 33;

describe(
  'skiff up --disable-dashboard',
  { skip: !hasKubectl(KUBECTL) && 'no kubectl 1.33' },
  () => {
    let c: TestCluster;
    before(() => {
      c = startCluster({ upArgs: ['--disable-dashboard'] });
    });
    after(() => c?.stop());

    test('no dashboard: no progress line, no namespace, no local admin', async () => {
      assert.doesNotMatch(readFileSync(join(c.dataDir, 'skiff.log'), 'utf8'), /dashboard/);
      const ns = await c.kubectl(KUBECTL, ['get', 'namespace', 'kubernetes-dashboard']);
      assert.equal(ns.code, 1);
      assert.match(ns.stderr, /namespaces "kubernetes-dashboard" not found/);
      const sa = await c.kubectl(KUBECTL, [
        'get',
        'sa',
        'skiff-dashboard-admin',
        '-n',
        'kube-system',
      ]);
      assert.equal(sa.code, 1);
    });

    test('skiff dashboard says the cluster runs none and exits 1', () => {
      const r = runSkiff(['dashboard', '--data-dir', c.dataDir]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(
        r.stderr,
        /^error: the cluster of .* runs no dashboard \(started with --disable-dashboard\?\)\n$/,
      );
    });
  },
);

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { parseArgs, UsageError } from './args.js';
import { dnsFlags } from './dns-flags.js';

const flags = (argv: string[]) => dnsFlags(parseArgs(['up', ...argv], new Set(['disable-dns'])));

test('cluster DNS flags: defaults, a domain with a trailing dot, a relative resolv.conf, off', () => {
  assert.deepEqual(flags([]), { clusterDomain: 'cluster.local', enabled: true });
  assert.deepEqual(flags(['--cluster-domain', 'corp.example.', '--resolv-conf', 'r.conf']), {
    clusterDomain: 'corp.example',
    enabled: true,
    resolvConf: resolve('r.conf'),
  });
  assert.equal(flags(['--disable-dns']).enabled, false);
});

test('a cluster domain that is not a lower-case DNS name is a usage error', () => {
  for (const bad of ['Cluster.Local', 'a..b', '-x.local', 'x_y.local', 'a'.repeat(64) + '.local'])
    assert.throws(
      () => flags(['--cluster-domain', bad]),
      (e: unknown) => e instanceof UsageError && e.message.includes(`"${bad}"`),
      bad,
    );
});

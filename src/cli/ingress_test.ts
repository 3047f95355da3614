import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, UsageError } from './args.js';
import { main } from './index.js';
import { ingressChildArgs, ingressFlags } from './ingress.js';

const BOOLEANS = new Set(['disable-ingress']);
const args = (...a: string[]) => parseArgs(['up', ...a], BOOLEANS);

test('ingress flags: ports 80 and 443 by default, others checked, --disable-ingress runs none', () => {
  assert.deepEqual(ingressFlags(args()), { httpPort: 80, httpsPort: 443 });
  assert.deepEqual(
    ingressFlags(args('--ingress-http-port', '8080', '--ingress-https-port', '8443')),
    {
      httpPort: 8080,
      httpsPort: 8443,
    },
  );
  assert.equal(ingressFlags(args('--disable-ingress')), undefined);
  assert.throws(
    () => ingressFlags(args('--ingress-http-port', '0')),
    (e: unknown) =>
      e instanceof UsageError &&
      e.message === 'flag --ingress-http-port: 0 is not a port (1-65535)',
  );
  assert.throws(
    () => ingressFlags(args('--ingress-https-port', 'x')),
    (e: unknown) =>
      e instanceof UsageError && /--ingress-https-port: "x" is not a valid port/.test(e.message),
  );
  // A detached `skiff up` hands them on to its child.
  assert.deepEqual(ingressChildArgs(args('--ingress-http-port', '8080')), [
    '--ingress-http-port',
    '8080',
  ]);
  assert.deepEqual(ingressChildArgs(args('--disable-ingress')), ['--disable-ingress']);
});

test('skiff trust and untrust say when there is no ingress CA yet, and change nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-trust-'));
  try {
    for (const cmd of ['trust', 'untrust']) {
      const err: string[] = [];
      const code = await main([cmd, '--data-dir', dir], {
        out: () => undefined,
        err: (s) => err.push(s),
      });
      assert.equal(code, 1);
      assert.equal(
        err.join('\n'),
        `error: no ingress CA in ${join(dir, 'pki')} yet; it is created when a node's ingress controller starts (skiff up)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

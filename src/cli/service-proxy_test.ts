import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError } from './args.js';
import { main } from './index.js';
import { proxyModeFlag } from './service-proxy.js';

test('--proxy-mode takes nftables or userspace, and says so otherwise', () => {
  const flag = (v?: string) =>
    proxyModeFlag(parseArgs(['agent', ...(v === undefined ? [] : ['--proxy-mode', v])], new Set()));
  assert.equal(flag(), undefined);
  assert.equal(flag('nftables'), 'nftables');
  assert.equal(flag('userspace'), 'userspace');
  assert.throws(
    () => flag('iptables'),
    (e: unknown) =>
      e instanceof UsageError &&
      e.message === 'flag --proxy-mode: "iptables" is not one of nftables, userspace',
  );
});

test('skiff agent refuses a bad --proxy-mode before it touches anything', async () => {
  const err: string[] = [];
  const code = await main(
    [
      'agent',
      '--kubeconfig',
      '/nonexistent',
      '--tls-cert-file',
      'x',
      '--tls-private-key-file',
      'y',
      '--proxy-mode',
      'ipvs',
    ],
    { out: () => undefined, err: (s) => err.push(s) },
  );
  assert.equal(code, 2);
  assert.match(err.join('\n'), /flag --proxy-mode: "ipvs" is not one of nftables, userspace/);
});

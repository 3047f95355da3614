import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../log/index.js';
import type { Client } from '../client/index.js';
import type { CommandRunner } from '../agent/index.js';
import { dnsEndpoint, startNodeNetworkPolicy } from './network-policy.js';

void describe('the node’s network policy enforcement', () => {
  void it('does not run beside the userspace proxy, and one warning says so', async () => {
    const lines: string[] = [];
    const enforcer = await startNodeNetworkPolicy({
      client: {} as Client,
      signal: new AbortController().signal,
      nodeName: 'n1',
      logger: createLogger({ level: 'info', write: (l) => lines.push(l) }),
      runner: {} as CommandRunner,
      proxyMode: 'userspace',
    });
    assert.equal(enforcer, undefined);
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0] ?? '{}') as { level: string; msg: string };
    assert.equal(line.level, 'warn');
    assert.equal(
      line.msg,
      'network policies are not enforced on this node: they need the nftables data path (service proxy mode: userspace)',
    );
  });

  void it('makes the node’s DNS address the kube-system kube-dns endpoint', () => {
    assert.deepEqual(dnsEndpoint('10.244.0.1'), {
      namespace: 'kube-system',
      name: 'kube-dns',
      labels: { 'k8s-app': 'kube-dns' },
      ip: '10.244.0.1',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      ],
      local: false,
    });
  });
});

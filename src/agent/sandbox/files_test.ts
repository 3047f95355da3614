import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPodFiles } from './files.js';

const node = {
  hostname: 'node-1',
  hosts: '127.0.0.1\tlocalhost\n',
};
const dns = { nodeResolvConf: 'nameserver 192.0.2.53\nsearch corp.example\n' };

test('a pod on the pod network gets its own hostname, hosts entry and cluster DNS', () => {
  const files = renderPodFiles(
    {
      metadata: { name: 'web-0', namespace: 'shop' },
      spec: { hostname: 'web-0', subdomain: 'web' },
    },
    ['10.244.0.9'],
    node,
    dns,
  );
  assert.equal(files.hostname, 'web-0\n');
  assert.match(files.hosts, /\n10\.244\.0\.9\tweb-0\.web\.shop\.svc\.cluster\.local\tweb-0\n$/);
  assert.equal(
    files.resolvConf,
    'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\n' +
      'nameserver 10.96.0.10\noptions ndots:5\n',
  );
  assert.deepEqual(files.warnings, []);
});

test("a host-network pod gets the node's hostname, hosts and DNS", () => {
  const files = renderPodFiles(
    { metadata: { name: 'agent', namespace: 'kube-system' }, spec: { hostNetwork: true } },
    ['192.0.2.10'],
    node,
    dns,
  );
  assert.equal(files.hostname, 'node-1\n');
  assert.equal(
    files.hosts,
    '# Kubernetes-managed hosts file (host network).\n127.0.0.1\tlocalhost\n',
  );
  assert.equal(files.resolvConf, 'search corp.example\nnameserver 192.0.2.53\n');
});

test('a node resolv.conf with nothing in it is copied as it is', () => {
  const files = renderPodFiles(
    { metadata: { name: 'p', namespace: 'd' }, spec: { dnsPolicy: 'Default' } },
    ['10.244.0.2'],
    node,
    { nodeResolvConf: '# empty\n' },
  );
  assert.equal(files.resolvConf, '# empty\n');
});

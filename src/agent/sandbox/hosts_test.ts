import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  podHostnameAndDomain,
  renderHostNetworkHostsFile,
  renderHostnameFile,
  renderHostsFile,
} from './hosts.js';

const HEADER =
  '# Kubernetes-managed hosts file.\n' +
  '127.0.0.1\tlocalhost\n' +
  '::1\tlocalhost ip6-localhost ip6-loopback\n' +
  'fe00::0\tip6-localnet\n' +
  'fe00::0\tip6-mcastprefix\n' +
  'fe00::1\tip6-allnodes\n' +
  'fe00::2\tip6-allrouters\n';

test('hostname and domain as the kubelet derives them', () => {
  const cases: [Parameters<typeof podHostnameAndDomain>[0], string, string][] = [
    [{ name: 'kubia-x7k2p', namespace: 'default' }, 'kubia-x7k2p', ''],
    [{ name: 'web-0', namespace: 'default', hostname: 'custom' }, 'custom', ''],
    [
      { name: 'busybox1', namespace: 'my-ns', hostname: 'busybox-1', subdomain: 'sub' },
      'busybox-1',
      'sub.my-ns.svc.cluster.local',
    ],
    // Cut to 63 characters, then trailing '-' and '.' dropped.
    [{ name: `${'a'.repeat(61)}--bcd`, namespace: 'x' }, 'a'.repeat(61), ''],
  ];
  for (const [pod, hostname, domain] of cases)
    assert.deepEqual(podHostnameAndDomain(pod), { hostname, domain }, pod.name);
  assert.equal(
    podHostnameAndDomain({ name: 'p', namespace: 'n', subdomain: 's' }, 'corp.example').domain,
    's.n.svc.corp.example',
  );
});

test('/etc/hosts for a pod on the pod network', () => {
  const cases: { name: string; input: Parameters<typeof renderHostsFile>[0]; want: string }[] = [
    {
      name: 'plain',
      input: { podIPs: ['10.200.0.4'], hostname: 'nginx', domain: '' },
      want: HEADER + '10.200.0.4\tnginx\n',
    },
    {
      name: 'with subdomain',
      input: {
        podIPs: ['10.244.0.5'],
        hostname: 'busybox-1',
        domain: 'sub.my-ns.svc.cluster.local',
      },
      want: HEADER + '10.244.0.5\tbusybox-1.sub.my-ns.svc.cluster.local\tbusybox-1\n',
    },
    {
      name: 'with hostAliases',
      input: {
        podIPs: ['10.244.0.7'],
        hostname: 'hostaliases-pod',
        domain: '',
        hostAliases: [
          { ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] },
          { ip: '10.1.2.3', hostnames: ['foo.remote', 'bar.remote'] },
        ],
      },
      want:
        HEADER +
        '10.244.0.7\thostaliases-pod\n' +
        '\n# Entries added by HostAliases.\n' +
        '127.0.0.1\tfoo.local\tbar.local\n' +
        '10.1.2.3\tfoo.remote\tbar.remote\n',
    },
    {
      name: 'no IP yet',
      input: { podIPs: [], hostname: 'p', domain: '' },
      want: HEADER,
    },
  ];
  for (const c of cases) assert.equal(renderHostsFile(c.input), c.want, c.name);
});

test('/etc/hosts for a host-network pod is the node file with a header and aliases', () => {
  const node = '127.0.0.1 localhost\n192.168.1.10 node1\n';
  assert.equal(
    renderHostNetworkHostsFile(node),
    '# Kubernetes-managed hosts file (host network).\n' + node,
  );
  assert.equal(
    renderHostNetworkHostsFile(node, [{ ip: '10.1.2.3', hostnames: ['x'] }]),
    '# Kubernetes-managed hosts file (host network).\n' +
      node +
      '\n# Entries added by HostAliases.\n10.1.2.3\tx\n',
  );
});

test('/etc/hostname holds the hostname and a newline', () => {
  assert.equal(renderHostnameFile('kubia-x7k2p'), 'kubia-x7k2p\n');
});

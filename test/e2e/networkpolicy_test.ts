// End-to-end: NetworkPolicies enforced on a real node (nftables data path), the scenarios
// of the Kubernetes documentation: default deny ingress (a pod's address and its service's
// cluster IP), allow from pods by label, from a namespace by label, an ipBlock from another
// machine (with an exception), a named port, egress deny-all blocking DNS and an egress
// rule letting port 53 to kube-system through; deleting the policies restores traffic.
// Every attempt is repeated until it succeeds or fails within a bound.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureTestImages, IMAGES } from '../images/index.js';
import { linkOutside, OUTSIDE } from '../support/services-e2e.js';
import {
  hasKubectl,
  inNetns,
  nodeSkipReason,
  ok,
  parseTable,
  run,
  startNodeCluster,
  type TestCluster,
  type TestNetns,
  until,
} from './harness.js';

const KUBECTL = 33;
const skip = !hasKubectl(KUBECTL) ? 'kubectl 1.33 is not installed' : (nodeSkipReason() ?? false);
const NS = 'np';

const namespace = (name: string, labels: Record<string, string> = {}): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

const server = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: NS, labels: { app: 'web' } },
  spec: {
    containers: [
      { name: 'web', image: IMAGES.kubia, ports: [{ name: 'http', containerPort: 8080 }] },
    ],
  },
});

const service = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: NS },
  spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] },
});

const client = (namespace: string, name: string, labels: Record<string, string> = {}): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'main', image: IMAGES.dnsutils }] },
  });

const policy = (name: string, spec: Record<string, unknown>): string =>
  JSON.stringify({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: NS },
    spec,
  });

describe('NetworkPolicy on a node (nftables)', { skip, timeout: 900_000 }, () => {
  let c: TestCluster;
  let outside: TestNetns;
  let podIP = '';
  let clusterIP = '';
  const kubectl = (args: string[], input?: string) =>
    c.kubectl(KUBECTL, args, input === undefined ? {} : { input });
  const apply = async (manifest: string) => ok(await kubectl(['apply', '-f', '-'], manifest));
  const remove = async (name: string) =>
    ok(await kubectl(['delete', 'networkpolicy', name, '-n', NS]));

  /** One HTTP attempt from a pod: true when kubia answered. */
  const reaches = async (ns: string, pod: string, url: string): Promise<boolean> => {
    const r = await kubectl(
      ['exec', '-n', ns, pod, '--', 'curl', '-s', '--max-time', '2', url],
      undefined,
    );
    return r.stdout.includes("You've hit web");
  };
  /** One HTTP attempt from the machine outside. */
  const reachesFromOutside = async (url: string): Promise<boolean> => {
    const r = await run(...inNetns(outside.path, 'curl', ['-s', '--max-time', '2', url]), {
      timeoutMs: 10_000,
    });
    return r.stdout.includes("You've hit web");
  };
  /** Repeats an attempt until it gives `want` (the rules are applied within moments). */
  const expect = (what: string, attempt: () => Promise<boolean>, want: boolean) =>
    until(`${what} ${want ? 'succeeds' : 'fails'}`, async () =>
      (await attempt()) === want ? true : undefined,
    );
  const resolves = async (pod: string): Promise<boolean> => {
    const r = await kubectl([
      'exec',
      '-n',
      NS,
      pod,
      '--',
      'nslookup',
      '-timeout=2',
      '-retry=1',
      `web.${NS}.svc.cluster.local`,
    ]);
    return r.code === 0 && r.stdout.includes(clusterIP);
  };
  const ready = (ns: string, pods: string[]) =>
    until(
      `pods ${pods.join(', ')} running`,
      async () => {
        const rows = parseTable(ok(await kubectl(['get', 'pods', '-n', ns])));
        return pods.every((p) => rows.some((r) => r['NAME'] === p && r['READY'] === '1/1'))
          ? true
          : undefined;
      },
      180_000,
    );

  before(async () => {
    const images = await ensureTestImages({ images: [IMAGES.kubia, IMAGES.dnsutils] });
    c = startNodeCluster({
      images: [images.archives[IMAGES.kubia]!, images.archives[IMAGES.dnsutils]!],
    });
    outside = linkOutside(c.netns ?? '', 'skiff-e2e-npout');
    await apply(namespace(NS));
    await apply(namespace('friends', { team: 'friends' }));
    await apply(namespace('strangers'));
    await apply(server);
    await apply(service);
    await apply(client(NS, 'client'));
    await apply(client(NS, 'client-ok', { access: 'true' }));
    await apply(client(NS, 'egress', { role: 'egress' }));
    await apply(client('friends', 'friend'));
    await apply(client('strangers', 'stranger'));
    await ready(NS, ['web', 'client', 'client-ok', 'egress']);
    await ready('friends', ['friend']);
    await ready('strangers', ['stranger']);
    podIP = ok(await kubectl(['get', 'pod', 'web', '-n', NS, '-o', 'jsonpath={.status.podIP}']));
    clusterIP = ok(
      await kubectl(['get', 'svc', 'web', '-n', NS, '-o', 'jsonpath={.spec.clusterIP}']),
    );
  });

  after(() => {
    c?.stop();
    outside?.remove();
  });

  test('without a policy every pod reaches the server, by its address and its service', async () => {
    await expect('client → pod', () => reaches(NS, 'client', `http://${podIP}:8080`), true);
    await expect('client → service', () => reaches(NS, 'client', `http://${clusterIP}`), true);
    await expect(
      'stranger → pod',
      () => reaches('strangers', 'stranger', `http://${podIP}:8080`),
      true,
    );
    await expect('outside → pod', () => reachesFromOutside(`http://${podIP}:8080`), true);
    await expect('egress pod resolves names', () => resolves('egress'), true);
  });

  test('kubectl apply of an invalid policy gets kube-apiserver’s words', async () => {
    const r = await kubectl(
      ['apply', '-f', '-'],
      policy('bad', {
        podSelector: {},
        ingress: [{ ports: [{ port: 'http', endPort: 90 }], from: [{}] }],
      }),
    );
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'The NetworkPolicy "bad" is invalid: \n' +
        '* spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric\n' +
        '* spec.ingress[0].from[0]: Required value: must specify a peer\n',
    );
  });

  test('default deny ingress: the pod and its service time out; kubectl get netpol prints it', async () => {
    await apply(policy('default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }));
    const table = parseTable(ok(await kubectl(['get', 'netpol', '-n', NS])));
    assert.deepEqual(
      table.map((r) => [r['NAME'], r['POD-SELECTOR']]),
      [['default-deny-ingress', '<none>']],
    );
    await expect('client → pod', () => reaches(NS, 'client', `http://${podIP}:8080`), false);
    await expect('client → service', () => reaches(NS, 'client', `http://${clusterIP}`), false);
    await expect('outside → pod', () => reachesFromOutside(`http://${podIP}:8080`), false);
    // The node itself still reaches its pods (kubelet probes).
    const fromNode = await c.exec('curl', ['-s', '--max-time', '2', `http://${podIP}:8080`], {
      timeoutMs: 10_000,
    });
    assert.match(fromNode.stdout, /You've hit web/);
  });

  test('allow from pods with access=true, on the named port http', async () => {
    await apply(
      policy('access-web', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [
          {
            from: [{ podSelector: { matchLabels: { access: 'true' } } }],
            ports: [{ port: 'http' }],
          },
        ],
      }),
    );
    await expect('client-ok → pod', () => reaches(NS, 'client-ok', `http://${podIP}:8080`), true);
    await expect(
      'client-ok → service',
      () => reaches(NS, 'client-ok', `http://${clusterIP}`),
      true,
    );
    await expect('client → pod', () => reaches(NS, 'client', `http://${podIP}:8080`), false);
    const table = parseTable(ok(await kubectl(['get', 'netpol', '-n', NS])));
    assert.equal(table.find((r) => r['NAME'] === 'access-web')?.['POD-SELECTOR'], 'app=web');
    const described = ok(await kubectl(['describe', 'netpol', 'access-web', '-n', NS]));
    assert.match(described, /PodSelector: +app=web/);
    assert.match(described, /To Port: http\/TCP/);
    assert.match(described, /From:\n +PodSelector: access=true/);
  });

  test('a named port that is not the one served lets nothing through', async () => {
    await remove('access-web');
    await apply(
      policy('wrong-port', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 'metrics' }, { port: 9090 }] }],
      }),
    );
    await expect('client-ok → pod', () => reaches(NS, 'client-ok', `http://${podIP}:8080`), false);
    await remove('wrong-port');
  });

  test('allow from a namespace by label', async () => {
    await apply(
      policy('from-friends', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'friends' } } }] }],
      }),
    );
    await expect('friend → pod', () => reaches('friends', 'friend', `http://${podIP}:8080`), true);
    await expect(
      'stranger → pod',
      () => reaches('strangers', 'stranger', `http://${podIP}:8080`),
      false,
    );
    await expect('client → pod', () => reaches(NS, 'client', `http://${podIP}:8080`), false);
  });

  test('an ipBlock lets another machine in; its except keeps one address out', async () => {
    await apply(
      policy('from-lan', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: [{ ipBlock: { cidr: '192.168.88.0/24' } }] }],
      }),
    );
    await expect('outside → pod', () => reachesFromOutside(`http://${podIP}:8080`), true);
    await apply(
      policy('from-lan', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: [{ ipBlock: { cidr: '192.168.88.0/24', except: [`${OUTSIDE}/32`] } }] }],
      }),
    );
    await expect('outside → pod', () => reachesFromOutside(`http://${podIP}:8080`), false);
  });

  test('egress deny-all blocks DNS; egress to kube-system port 53 lets names resolve', async () => {
    await apply(
      policy('deny-egress', {
        podSelector: { matchLabels: { role: 'egress' } },
        policyTypes: ['Egress'],
      }),
    );
    await expect('egress pod resolves names', () => resolves('egress'), false);
    await apply(
      policy('allow-dns', {
        podSelector: { matchLabels: { role: 'egress' } },
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: {
                  matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' },
                },
              },
            ],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      }),
    );
    await expect('egress pod resolves names', () => resolves('egress'), true);
    // Only DNS: the web pod stays out of reach (its ingress rules would let it in).
    await apply(
      policy('from-anyone', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{}] }),
    );
    await expect('client → pod', () => reaches(NS, 'client', `http://${podIP}:8080`), true);
    await expect('egress → pod', () => reaches(NS, 'egress', `http://${podIP}:8080`), false);
  });

  test('deleting the policies restores traffic', async () => {
    ok(await kubectl(['delete', 'networkpolicy', '--all', '-n', NS]));
    await expect('client → service', () => reaches(NS, 'client', `http://${clusterIP}`), true);
    await expect('egress → pod', () => reaches(NS, 'egress', `http://${podIP}:8080`), true);
    await expect(
      'stranger → pod',
      () => reaches('strangers', 'stranger', `http://${podIP}:8080`),
      true,
    );
    await expect('outside → pod', () => reachesFromOutside(`http://${podIP}:8080`), true);
  });
});

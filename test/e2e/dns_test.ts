// End-to-end: cluster DNS with a node cluster (harness.ts, its own network namespace). The
// node serves DNS on its address; `dig` runs from the node's namespace and busybox's
// nslookup from inside pods. Seed 001's names (kubia, kubia.default,
// kubia.default.svc.cluster.local, the headless service following readiness, the not-ready
// case, ExternalName), seed 004's frontend finding `hello`, the kube-dns Service that
// `kubectl cluster-info` lists, and a name outside the cluster answered through an upstream
// resolver (unbound) that the test runs in another namespace.
//
// Pods resolve as any pod does (dnsPolicy ClusterFirst): their resolv.conf names the kube-dns
// cluster IP 10.96.0.10, which the node's service proxy carries to the node's DNS server.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { basename, join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  createNetns,
  hasKubectl,
  nodeSkipReason,
  ok,
  startNodeCluster,
  type TestCluster,
  type TestNetns,
  until,
} from './harness.js';
import { parseDig } from '../support/dns.js';

const KUBECTL = 33;
const skip = !hasKubectl(KUBECTL)
  ? 'kubectl 1.33 is not installed'
  : (nodeSkipReason() ??
    (['dig', 'unbound'].find(
      (t) => spawnSync('sh', ['-c', `command -v ${t} || test -x /usr/sbin/${t}`]).status !== 0,
    )
      ? 'dig or unbound is not installed'
      : false));

const UPSTREAM = '10.53.0.2';

const KUBIA = `apiVersion: v1
kind: ReplicationController
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: ${IMAGES.kubia}
        readinessProbe:
          exec:
            command: ["ls", "/var/ready"]
          periodSeconds: 1
        ports:
        - name: http
          containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: kubia
spec:
  ports:
  - name: http
    port: 80
    targetPort: 8080
  selector:
    app: kubia
---
apiVersion: v1
kind: Service
metadata:
  name: kubia-headless
spec:
  clusterIP: None
  ports:
  - name: http
    port: 80
    targetPort: 8080
  selector:
    app: kubia
---
apiVersion: v1
kind: Service
metadata:
  name: kubia-all
spec:
  clusterIP: None
  publishNotReadyAddresses: true
  ports:
  - port: 80
    targetPort: 8080
  selector:
    app: kubia
---
apiVersion: v1
kind: Service
metadata:
  name: external-service
spec:
  type: ExternalName
  externalName: someapi.somecompany.com
  ports:
  - port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: hello
spec:
  selector:
    app: hello
  ports:
  - protocol: TCP
    port: 80
    targetPort: http
`;

/** A pod with nslookup and curl, resolving through the cluster DNS (10.96.0.10). */
const client = (name: string, labels = ''): string => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
${labels}spec:
  containers:
  - name: main
    image: ${IMAGES.dnsutils}
    command: ["sleep", "infinity"]
`;

describe('cluster DNS on a node cluster', { skip }, () => {
  let c: TestCluster;
  let upstream: TestNetns;
  let unbound: ChildProcess | undefined;
  let dnsIP = '';
  const dir = mkdtempSync(join(tmpdir(), 'skiff-e2e-dns-'));
  const kubectl = (args: string[]) => c.kubectl(KUBECTL, args);
  const digAt = async (args: string[]) =>
    parseDig(ok(await c.exec('dig', ['+time=2', '+tries=2', `@${dnsIP}`, ...args]), 'dig'));
  const inPod = (pod: string, cmd: string[]) => kubectl(['exec', pod, '--', ...cmd]);
  const lookup = async (
    pod: string,
    name: string,
  ): Promise<{ canonical: string[]; addresses: string[] }> => {
    const r = await inPod(pod, ['nslookup', name]);
    return {
      canonical: [
        ...new Set([...r.stdout.matchAll(/canonical name = (\S+)/g)].map((m) => m[1] ?? '')),
      ],
      addresses: [...r.stdout.matchAll(/^Address: (\d+\.\d+\.\d+\.\d+)$/gm)]
        .map((m) => m[1] ?? '')
        .filter((a) => a !== dnsIP)
        .sort(),
    };
  };
  const podIPs = async (ready?: boolean): Promise<Map<string, string>> => {
    const list = JSON.parse(
      ok(await kubectl(['get', 'pods', '-l', 'app=kubia', '-o', 'json'])),
    ) as {
      items: {
        metadata: { name: string };
        status: { podIP?: string; conditions?: { type: string; status: string }[] };
      }[];
    };
    const out = new Map<string, string>();
    for (const p of list.items) {
      const isReady =
        p.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false;
      if (p.status.podIP && (ready === undefined || ready === isReady))
        out.set(p.metadata.name, p.status.podIP);
    }
    return out;
  };

  before(async () => {
    const images = await ensureTestImages({ images: [IMAGES.kubia, IMAGES.dnsutils] });
    // The cluster's resolvers: one upstream, in a namespace of its own (joined below).
    const resolvConf = join(dir, 'resolv.conf');
    writeFileSync(resolvConf, `nameserver 127.0.0.53\nnameserver ${UPSTREAM}\n`);
    c = startNodeCluster({
      images: [images.archives[IMAGES.kubia]!, images.archives[IMAGES.dnsutils]!],
      upArgs: ['--resolv-conf', resolvConf],
    });
    upstream = createNetns('skiff-e2e-up');
    const ip = (args: string[]): void => {
      const r = spawnSync('ip', args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
    };
    const clusterNs = basename(c.netns ?? '');
    ip([
      'link',
      'add',
      'upa',
      'netns',
      clusterNs,
      'type',
      'veth',
      'peer',
      'name',
      'upb',
      'netns',
      upstream.name,
    ]);
    ip(['-n', clusterNs, 'addr', 'add', '10.53.0.1/24', 'dev', 'upa']);
    ip(['-n', upstream.name, 'addr', 'add', `${UPSTREAM}/24`, 'dev', 'upb']);
    ip(['-n', clusterNs, 'link', 'set', 'upa', 'up']);
    ip(['-n', upstream.name, 'link', 'set', 'upb', 'up']);
    writeFileSync(
      join(dir, 'unbound.conf'),
      `server:
  interface: ${UPSTREAM}
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "${dir}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  access-control: 0.0.0.0/0 allow
  do-ip6: no
  module-config: "iterator"
  local-zone: "somecompany.com." static
  local-data: "someapi.somecompany.com. 300 IN A 192.0.2.44"
remote-control:
  control-enable: no
`,
    );
    unbound = spawn(
      'nsenter',
      [`--net=${upstream.path}`, '--', 'unbound', '-d', '-c', join(dir, 'unbound.conf')],
      {
        stdio: 'ignore',
      },
    );
    // Where DNS is served: the node's address, as kube-dns's endpoints name it.
    dnsIP = await until('kube-dns endpoints', async () => {
      const r = await kubectl([
        'get',
        'endpoints',
        'kube-dns',
        '-n',
        'kube-system',
        '-o',
        'jsonpath={.subsets[0].addresses[0].ip}',
      ]);
      return r.code === 0 && r.stdout ? r.stdout : undefined;
    });
    ok(await kubectl(['apply', '-f', c.file('kubia.yaml', KUBIA)]));
    ok(await kubectl(['apply', '-f', c.file('client.yaml', client('dnsutils'))]));
    await until(
      'dnsutils running',
      async () => {
        const r = await kubectl(['get', 'pod', 'dnsutils', '-o', 'jsonpath={.status.phase}']);
        return r.stdout === 'Running' ? true : undefined;
      },
      120_000,
    );
  });
  after(async () => {
    if (unbound && unbound.exitCode === null) {
      const exited = new Promise((r) => unbound?.once('exit', r));
      unbound.kill('SIGTERM');
      await exited;
    }
    c?.stop();
    upstream?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  test('kube-dns: the Service at 10.96.0.10, its endpoints naming the node, listed by cluster-info', async () => {
    const svc = JSON.parse(
      ok(await kubectl(['get', 'svc', 'kube-dns', '-n', 'kube-system', '-o', 'json'])),
    ) as {
      metadata: { labels: Record<string, string> };
      spec: {
        clusterIP: string;
        selector?: unknown;
        ports: { name: string; port: number; protocol: string }[];
      };
    };
    assert.equal(svc.spec.clusterIP, '10.96.0.10');
    assert.equal(svc.spec.selector, undefined);
    assert.deepEqual(
      svc.spec.ports.map((p) => `${p.name} ${p.port}/${p.protocol}`),
      ['dns 53/UDP', 'dns-tcp 53/TCP', 'metrics 9153/TCP'],
    );
    assert.equal(svc.metadata.labels['k8s-app'], 'kube-dns');
    assert.equal(svc.metadata.labels['kubernetes.io/cluster-service'], 'true');
    assert.equal(svc.metadata.labels['kubernetes.io/name'], 'CoreDNS');
    const slice = ok(
      await kubectl([
        'get',
        'endpointslices',
        '-n',
        'kube-system',
        '-l',
        'kubernetes.io/service-name=kube-dns',
        '-o',
        'jsonpath={.items[*].endpoints[*].addresses[*]}',
      ]),
    );
    assert.equal(slice, dnsIP);
    const info = ok(await kubectl(['cluster-info'])).replace(/\x1b\[[0-9;]*m/g, '');
    assert.match(
      info,
      new RegExp(
        `^CoreDNS is running at ${c.server.replace(/\./g, '\\.')}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy$`,
        'm',
      ),
    );
    // The metrics port answers as CoreDNS's does.
    await digAt(['kube-dns.kube-system.svc.cluster.local']);
    const metrics = ok(
      await c.exec('curl', ['-s', '-m', '10', `http://${dnsIP}:9153/metrics`]),
      'curl',
    );
    assert.match(metrics, /^coredns_dns_requests_total\{/m);
  });

  test("seed 001: kubia's names from the node (dig) and from a pod (nslookup, short names by the search path)", async () => {
    const clusterIP = ok(
      await kubectl(['get', 'svc', 'kubia', '-o', 'jsonpath={.spec.clusterIP}']),
    );
    const a = await digAt(['kubia.default.svc.cluster.local']);
    assert.equal(a.status, 'NOERROR');
    assert.deepEqual(a.answers, [`kubia.default.svc.cluster.local. 5 IN A ${clusterIP}`]);
    const tcp = await digAt(['+tcp', 'kubia.default.svc.cluster.local']);
    assert.deepEqual(tcp.answers, a.answers);
    const r = await inPod('dnsutils', ['nslookup', 'kubia']);
    assert.match(r.stdout, /Name:\s+kubia\.default\.svc\.cluster\.local/, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`Address: ${clusterIP.replace(/\./g, '\\.')}$`, 'm'));
    // As the seed's curl: the C library's resolver walks the search path (ndots:5). Only
    // the name is checked here: the connection to the cluster IP is the service proxy's.
    for (const name of ['kubia', 'kubia.default', 'kubia.default.svc.cluster.local']) {
      const curl = await inPod('dnsutils', [
        'curl',
        '-sv',
        '--connect-timeout',
        '1',
        `http://${name}/`,
      ]);
      assert.match(
        curl.stderr,
        new RegExp(`Trying ${clusterIP.replace(/\./g, '\\.')}:80`),
        `${name}: ${curl.stderr}`,
      );
    }
    // SRV for the named port, PTR for the cluster IP.
    const srv = await digAt(['_http._tcp.kubia.default.svc.cluster.local', 'SRV']);
    assert.deepEqual(srv.answers, [
      '_http._tcp.kubia.default.svc.cluster.local. 5 IN SRV 0 100 80 kubia.default.svc.cluster.local.',
    ]);
    const ptr = await digAt(['-x', clusterIP]);
    assert.deepEqual(
      ptr.answers.map((l) => l.split(' ').slice(-1)[0]),
      ['kubia.default.svc.cluster.local.'],
    );
    const nx = await digAt(['nope.default.svc.cluster.local']);
    assert.equal(nx.status, 'NXDOMAIN');
    const version = await digAt(['dns-version.cluster.local', 'TXT']);
    assert.deepEqual(version.answers, ['dns-version.cluster.local. 28800 IN TXT "1.1.0"']);
  });

  test('seed 001: nslookup kubia-headless returns the ready pods and follows readiness; publishNotReadyAddresses includes the rest', async () => {
    const all = await until(
      'three kubia pods with addresses',
      async () => {
        const m = await podIPs();
        return m.size === 3 ? m : undefined;
      },
      120_000,
    );
    // No pod is ready yet: the headless name does not exist.
    const none = await digAt(['kubia-headless.default.svc.cluster.local']);
    assert.equal(none.status, 'NXDOMAIN');
    // The not-ready pods are published for kubia-all.
    await until('kubia-all to list every pod', async () => {
      const r = await lookup('dnsutils', 'kubia-all');
      return r.addresses.join() === [...all.values()].sort().join() ? true : undefined;
    });
    const [first, second] = [...all.keys()];
    ok(await inPod(first!, ['touch', '/var/ready']));
    await until('one ready pod in kubia-headless', async () => {
      const r = await lookup('dnsutils', 'kubia-headless');
      return r.addresses.join() === all.get(first!) ? true : undefined;
    });
    ok(await inPod(second!, ['touch', '/var/ready']));
    await until('two ready pods in kubia-headless', async () => {
      const r = await lookup('dnsutils', 'kubia-headless');
      return r.addresses.join() === [all.get(first!), all.get(second!)].sort().join()
        ? true
        : undefined;
    });
    // The name reaches a pod (pod traffic needs no service proxy).
    const hit = ok(
      await inPod('dnsutils', ['curl', '-s', '-m', '10', 'http://kubia-headless:8080/']),
    );
    assert.match(hit, /^You've hit kubia-/);
    ok(await inPod(first!, ['rm', '/var/ready']));
    await until('the unready pod gone from kubia-headless', async () => {
      const r = await lookup('dnsutils', 'kubia-headless');
      return r.addresses.join() === all.get(second!) ? true : undefined;
    });
    // An endpoint's own name, and its PTR record.
    const ip = all.get(second!)!;
    const own = await digAt([`${ip.replace(/\./g, '-')}.kubia-headless.default.svc.cluster.local`]);
    assert.deepEqual(
      own.answers.map((l) => l.split(' ').slice(-1)[0]),
      [ip],
    );
    const pod = await digAt([`${ip.replace(/\./g, '-')}.default.pod.cluster.local`]);
    assert.deepEqual(
      pod.answers.map((l) => l.split(' ').slice(-1)[0]),
      [ip],
    );
  });

  test('a pod with hostname and subdomain is named under its headless service', async () => {
    ok(
      await kubectl([
        'apply',
        '-f',
        c.file(
          'named.yaml',
          `apiVersion: v1
kind: Service
metadata:
  name: pets
spec:
  clusterIP: None
  selector:
    app: pet
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: Pod
metadata:
  name: named
  labels:
    app: pet
spec:
  hostname: web-0
  subdomain: pets
  containers:
  - name: kubia
    image: ${IMAGES.kubia}
`,
        ),
      ]),
    );
    const ip = await until(
      'named to have an address',
      async () => {
        const r = await kubectl(['get', 'pod', 'named', '-o', 'jsonpath={.status.podIP}']);
        return r.stdout || undefined;
      },
      120_000,
    );
    await until('web-0.pets to resolve', async () => {
      const r = await digAt(['web-0.pets.default.svc.cluster.local']);
      return r.answers.some((l) => l.endsWith(` A ${ip}`)) ? true : undefined;
    });
  });

  test('seed 004: the frontend finds its backend `hello` by name', async () => {
    ok(
      await kubectl([
        'apply',
        '-f',
        c.file('frontend.yaml', client('frontend', '  labels:\n    app: frontend\n')),
      ]),
    );
    await until(
      'frontend running',
      async () => {
        const r = await kubectl(['get', 'pod', 'frontend', '-o', 'jsonpath={.status.phase}']);
        return r.stdout === 'Running' ? true : undefined;
      },
      120_000,
    );
    const clusterIP = ok(
      await kubectl(['get', 'svc', 'hello', '-o', 'jsonpath={.spec.clusterIP}']),
    );
    const r = await lookup('frontend', 'hello');
    assert.deepEqual(r.addresses, [clusterIP]);
  });

  test('ExternalName is a CNAME, resolved through the upstream in another namespace; other names are forwarded', async () => {
    const ext = await digAt(['external-service.default.svc.cluster.local']);
    assert.equal(ext.status, 'NOERROR');
    assert.equal(
      ext.answers[0],
      'external-service.default.svc.cluster.local. 5 IN CNAME someapi.somecompany.com.',
    );
    assert.match(ext.answers[1] ?? '', /^someapi\.somecompany\.com\. \d+ IN A 192\.0\.2\.44$/);
    const out = await digAt(['someapi.somecompany.com']);
    assert.equal(out.status, 'NOERROR');
    assert.ok(out.flags.includes('ra'));
    // From a pod over UDP on a loaded machine a datagram may be lost: nslookup is asked
    // again until it answers (a wrong answer fails at once).
    const r = await until('nslookup external-service from the pod', async () => {
      const x = await lookup('dnsutils', 'external-service');
      return x.canonical.length || x.addresses.length ? x : undefined;
    });
    assert.deepEqual(r.canonical, ['someapi.somecompany.com']);
    assert.deepEqual(r.addresses, ['192.0.2.44']);
    // No query broke the server along the way.
    const metrics = ok(
      await c.exec('curl', ['-s', '-m', '10', `http://${dnsIP}:9153/metrics`]),
      'curl',
    );
    assert.match(metrics, /^coredns_panics_total 0$/m);
  });

  test('a new service resolves at once; a deleted one is gone', async () => {
    ok(await kubectl(['create', 'service', 'clusterip', 'fresh', '--tcp=80:8080']));
    const ip = ok(await kubectl(['get', 'svc', 'fresh', '-o', 'jsonpath={.spec.clusterIP}']));
    await until(
      'fresh to resolve',
      async () => {
        const r = await digAt(['fresh.default.svc.cluster.local']);
        return r.answers.join() === `fresh.default.svc.cluster.local. 5 IN A ${ip}`
          ? true
          : undefined;
      },
      5000,
    );
    ok(await kubectl(['delete', 'service', 'fresh']));
    await until(
      'fresh to be gone',
      async () => {
        const r = await digAt(['fresh.default.svc.cluster.local']);
        return r.status === 'NXDOMAIN' ? true : undefined;
      },
      5000,
    );
  });
});

describe('cluster DNS flags: --cluster-domain and --disable-dns', { skip }, () => {
  test("--cluster-domain: names under that domain, and the pods' search path follows it", async () => {
    const images = await ensureTestImages({ images: [IMAGES.dnsutils] });
    const c = startNodeCluster({
      images: [images.archives[IMAGES.dnsutils]!],
      upArgs: ['--cluster-domain', 'corp.example'],
    });
    try {
      const kubectl = (args: string[]) => c.kubectl(KUBECTL, args);
      const dnsIP = await until('kube-dns endpoints', async () => {
        const r = await kubectl([
          'get',
          'endpoints',
          'kube-dns',
          '-n',
          'kube-system',
          '-o',
          'jsonpath={.subsets[0].addresses[0].ip}',
        ]);
        return r.code === 0 && r.stdout ? r.stdout : undefined;
      });
      const dig = async (name: string) =>
        parseDig(ok(await c.exec('dig', ['+time=2', '+tries=2', `@${dnsIP}`, name]), 'dig'));
      const a = await dig('kubernetes.default.svc.corp.example');
      assert.deepEqual(
        a.answers.map((l) => l.split(' ').at(-1)),
        ['10.96.0.1'],
      );
      assert.deepEqual((await dig('dns-version.corp.example')).status, 'NXDOMAIN'); // an A question
      ok(
        await kubectl([
          'run',
          'probe',
          `--image=${IMAGES.dnsutils}`,
          '--restart=Never',
          '--command',
          '--',
          'sleep',
          'infinity',
        ]),
      );
      const conf = await until(
        "the pod's resolv.conf",
        async () => {
          const r = await kubectl(['exec', 'probe', '--', 'cat', '/etc/resolv.conf']);
          return r.code === 0 ? r.stdout : undefined;
        },
        120_000,
      );
      assert.match(conf, /^search default\.svc\.corp\.example svc\.corp\.example corp\.example\b/m);
      assert.match(conf, /^nameserver 10\.96\.0\.10$/m);
    } finally {
      c.stop();
    }
  });

  test('--disable-dns: no server on the node, no kube-dns endpoints', async () => {
    const c = startNodeCluster({ upArgs: ['--disable-dns'] });
    try {
      const node = JSON.parse(ok(await c.kubectl(KUBECTL, ['get', 'nodes', '-o', 'json']))) as {
        items: { status: { addresses: { type: string; address: string }[] } }[];
      };
      const ip =
        node.items[0]?.status.addresses.find((x) => x.type === 'InternalIP')?.address ?? '';
      const r = await c.exec('dig', [
        '+time=1',
        '+tries=1',
        `@${ip}`,
        'kubernetes.default.svc.cluster.local',
      ]);
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stdout, /no servers could be reached|connection refused/);
      const ep = await c.kubectl(KUBECTL, ['get', 'endpoints', 'kube-dns', '-n', 'kube-system']);
      assert.notEqual(ep.code, 0);
      assert.match(ep.stderr, /NotFound|not found/);
    } finally {
      c.stop();
    }
  });
});

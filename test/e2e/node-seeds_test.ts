// End-to-end with the node agent: seed manifests as written, their images (`nginx`, `debian`,
// `luksa/kubia`) pulled from a local docker-registry through a docker.io mirror configured in
// registries.yaml, as an offline machine would. Everything runs in the cluster's own network
// namespace (see harness.ts); kubectl 1.33 drives it.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureTestImages, IMAGES } from '../images/index.js';
import { registrySkipReason, startLocalRegistry, type LocalRegistry } from '../support/registry.js';
import {
  E2E_NODE,
  hasKubectl,
  nodeSkipReason,
  ok,
  parseTable,
  runSkiff,
  startNodeCluster,
  type TestCluster,
  until,
} from './harness.js';

const KUBECTL = 33;
const skip = !hasKubectl(KUBECTL)
  ? 'kubectl 1.33 is not installed'
  : (nodeSkipReason() ?? registrySkipReason() ?? false);

const TWO_CONTAINERS = `apiVersion: v1
kind: Pod
metadata:
  name: two-containers
spec:

  restartPolicy: Never

  volumes:
  - name: shared-data
    emptyDir: {}

  containers:

  - name: nginx-container
    image: nginx
    volumeMounts:
    - name: shared-data
      mountPath: /usr/share/nginx/html

  - name: debian-container
    image: debian
    volumeMounts:
    - name: shared-data
      mountPath: /pod-data
    command: ["/bin/sh"]
    args: ["-c", "echo debian 컨테이너에서 안녕하세요 > /pod-data/index.html"]
`;

const KUBIA_RC = `apiVersion: v1
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
        image: luksa/kubia
        readinessProbe:
          exec:
            command:
            - ls
            - /var/ready
        ports:
        - containerPort: 8080
`;

describe('seed workloads on a real node, images from a local registry mirror', { skip }, () => {
  let c: TestCluster;
  let registry: LocalRegistry;
  const kubectl = (args: string[], input?: string) =>
    c.kubectl(KUBECTL, args, input === undefined ? {} : { input });
  /** Adds what the pods look like to a failure's message. */
  const withPods = async (e: unknown): Promise<never> => {
    const pods = await kubectl(['get', 'pods', '-o', 'wide']);
    throw new Error(`${String(e)}\n${pods.stdout}${pods.stderr}`);
  };
  const jsonpath = async (what: string[], path: string): Promise<string> =>
    ok(await kubectl(['get', ...what, '-o', `jsonpath=${path}`]));

  before(async () => {
    const images = await ensureTestImages();
    c = startNodeCluster({
      dataFiles: {
        'registries.yaml':
          'mirrors:\n  docker.io:\n    endpoint:\n      - "http://127.0.0.1:5000"\n',
      },
    });
    registry = await startLocalRegistry(c.netns ?? '', 5000);
    registry.push([
      {
        archive: images.archives[IMAGES.nginx]!,
        source: IMAGES.nginx,
        target: 'library/nginx:latest',
      },
      {
        archive: images.archives[IMAGES.busybox]!,
        source: IMAGES.busybox,
        target: 'library/debian:latest',
      },
      {
        archive: images.archives[IMAGES.kubia]!,
        source: IMAGES.kubia,
        target: 'luksa/kubia:latest',
      },
    ]);
  });

  after(() => {
    c?.stop();
    registry?.stop();
  });

  test('the node registers Ready with its pod CIDR', async () => {
    const nodes = parseTable(ok(await kubectl(['get', 'nodes'])));
    assert.deepEqual(
      nodes.map((n) => [n['NAME'], n['STATUS']]),
      [[E2E_NODE, 'Ready']],
    );
    assert.equal(await jsonpath(['node', E2E_NODE], '{.spec.podCIDR}'), '10.244.0.0/24');
    const described = ok(await kubectl(['describe', 'node', E2E_NODE]));
    assert.match(described, /Normal\s+Starting\s+.*kubelet\s+Starting kubelet\./);
    assert.match(
      described,
      new RegExp(`Normal\\s+NodeReady\\s+.*kubelet\\s+Node ${E2E_NODE} status is now: NodeReady`),
    );
    assert.match(
      await jsonpath(['node', E2E_NODE], '{.status.nodeInfo.containerRuntimeVersion}'),
      /^(runc|crun):\/\/\d+\.\d+/,
    );
  });

  test('seed 004: two containers share an emptyDir; nginx serves what debian wrote', async () => {
    assert.equal(
      ok(await kubectl(['apply', '-f', '-'], TWO_CONTAINERS)),
      'pod/two-containers created\n',
    );
    await until('debian-container to complete', async () => {
      const reason = await jsonpath(
        ['pod', 'two-containers'],
        '{.status.containerStatuses[?(@.name=="debian-container")].state.terminated.reason}',
      );
      return reason === 'Completed' ? true : undefined;
    });
    assert.ok(
      await jsonpath(
        ['pod', 'two-containers'],
        '{.status.containerStatuses[?(@.name=="nginx-container")].state.running.startedAt}',
      ),
    );
    // The images came through the mirror under their Docker Hub names.
    assert.equal(
      await jsonpath(
        ['pod', 'two-containers'],
        '{.status.containerStatuses[?(@.name=="nginx-container")].image}',
      ),
      'docker.io/library/nginx:latest',
    );
    const page = await until('nginx to answer', async () => {
      const r = await kubectl([
        'exec',
        'two-containers',
        '-c',
        'nginx-container',
        '--',
        'curl',
        '-s',
        'localhost',
      ]);
      return r.code === 0 && r.stdout ? r.stdout : undefined;
    });
    assert.equal(page, 'debian 컨테이너에서 안녕하세요\n');
    const described = ok(await kubectl(['describe', 'pod', 'two-containers']));
    assert.match(described, /Normal\s+Pulling\s+.*kubelet\s+Pulling image "nginx"/);
    assert.match(
      described,
      /Normal\s+Pulled\s+.*kubelet\s+Successfully pulled image "debian" in [\d.]+m?s \([\d.]+m?s including waiting\)\. Image size: \d+ bytes\./,
    );
    const ls = runSkiff(['images', 'ls', '--data-dir', c.dataDir]);
    assert.match(ls.stdout, /^docker\.io\/library\/nginx\s+latest\s+[0-9a-f]{13}\s/m);
    assert.match(ls.stdout, /^docker\.io\/library\/debian\s+latest\s/m);
    // The node lists them too (refreshed with its status).
    await until(
      'the node to list the pulled images',
      async () =>
        /docker\.io\/library\/nginx:latest/.test(
          await jsonpath(['node', E2E_NODE], '{.status.images[*].names}'),
        )
          ? true
          : undefined,
      30_000,
    );
  });

  test('seed 001: a kubia RC with a readiness probe; each pod answers with its own name', async () => {
    ok(await kubectl(['create', '-f', '-'], KUBIA_RC));
    ok(await kubectl(['expose', 'rc', 'kubia', '--port=80', '--target-port=8080']));
    const names = await until('three running kubia pods', async () => {
      const rows = parseTable(ok(await kubectl(['get', 'pods', '-l', 'app=kubia'])));
      return rows.length === 3 && rows.every((r) => r['STATUS'] === 'Running')
        ? rows.map((r) => r['NAME'] ?? '')
        : undefined;
    }).catch(withPods);
    // Not ready until /var/ready exists: no endpoints yet.
    for (const row of parseTable(ok(await kubectl(['get', 'pods', '-l', 'app=kubia']))))
      assert.equal(row['READY'], '0/1');
    assert.equal(await jsonpath(['endpoints', 'kubia'], '{.subsets[*].addresses[*].ip}'), '');

    const [first, ...rest] = names;
    ok(await kubectl(['exec', first!, '--', 'touch', '/var/ready']));
    // The probe runs every 10 s by default.
    await until(
      `${first} Ready`,
      async () =>
        (await jsonpath(['pod', first!], '{.status.conditions[?(@.type=="Ready")].status}')) ===
        'True'
          ? true
          : undefined,
      30_000,
    );
    const firstIP = await jsonpath(['pod', first!], '{.status.podIP}');
    await until('the ready pod in the endpoints', async () =>
      (await jsonpath(['endpoints', 'kubia'], '{.subsets[*].addresses[*].ip}')) === firstIP
        ? true
        : undefined,
    );
    for (const n of rest) ok(await kubectl(['exec', n, '--', 'touch', '/var/ready']));
    await until(
      'all three Ready',
      async () => {
        const rows = parseTable(ok(await kubectl(['get', 'pods', '-l', 'app=kubia'])));
        return rows.every((r) => r['READY'] === '1/1') ? true : undefined;
      },
      30_000,
    );

    const wide = parseTable(ok(await kubectl(['get', 'pods', '-l', 'app=kubia', '-o', 'wide'])));
    assert.equal(new Set(wide.map((r) => r['IP'])).size, 3);
    for (const row of wide) {
      assert.match(row['IP'] ?? '', /^10\.244\.0\.\d+$/);
      assert.equal(row['NODE'], E2E_NODE);
      const r = await c.exec('curl', ['-s', '--max-time', '5', `http://${row['IP']}:8080/`]);
      assert.equal(r.stdout, `You've hit ${row['NAME']}\n`);
    }
    // The probe's failures before /var/ready existed are events on the pod.
    assert.match(
      ok(await kubectl(['describe', 'pod', first!])),
      /Warning\s+Unhealthy\s+.*kubelet\s+Readiness probe failed: ls: \/var\/ready: No such file or directory/,
    );
    const eps = (await jsonpath(['endpoints', 'kubia'], '{.subsets[*].addresses[*].ip}')).split(
      ' ',
    );
    assert.deepEqual(eps.sort(), wide.map((r) => r['IP']).sort());
    assert.match(ok(await kubectl(['logs', first!])), /Kubia server starting/);
  });

  test('port-forward reaches a pod; the hostname inside is the pod name', async () => {
    const pod = (await jsonpath(['pods', '-l', 'app=kubia'], '{.items[0].metadata.name}')).trim();
    assert.equal(ok(await kubectl(['exec', pod, '--', 'hostname'])), `${pod}\n`);
    const pf = c.background(KUBECTL, ['port-forward', `pod/${pod}`, '18080:8080']);
    try {
      await pf.waitFor(/Forwarding from 127\.0\.0\.1:18080 -> 8080/);
      const r = await c.exec('curl', ['-s', '--max-time', '5', 'http://127.0.0.1:18080/']);
      assert.equal(r.stdout, `You've hit ${pod}\n`);
    } finally {
      await pf.stop();
    }
  });

  test('an image the registry does not have: ErrImagePull, then ImagePullBackOff', async () => {
    ok(await kubectl(['run', 'missing', '--image=luksa/no-such-image:v1']));
    const seen = new Set<string>();
    await until(
      'ImagePullBackOff',
      async () => {
        const row = parseTable(ok(await kubectl(['get', 'pod', 'missing'])))[0];
        if (row?.['STATUS']) seen.add(row['STATUS']);
        return row?.['STATUS'] === 'ImagePullBackOff' ? true : undefined;
      },
      60_000,
    );
    assert.ok(seen.has('ErrImagePull') || seen.has('ImagePullBackOff'));
    const message = await jsonpath(
      ['pod', 'missing'],
      '{.status.containerStatuses[0].state.waiting.message}',
    );
    assert.match(message, /luksa\/no-such-image:v1/);
    const described = ok(await kubectl(['describe', 'pod', 'missing']));
    assert.match(
      described,
      /Warning\s+Failed\s+.*kubelet\s+Failed to pull image "luksa\/no-such-image:v1": /,
    );
    assert.match(described, /Warning\s+Failed\s+.*kubelet\s+Error: ErrImagePull/);
  });
});

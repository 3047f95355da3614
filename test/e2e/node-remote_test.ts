// End-to-end: a node joining the cluster from another machine. Two network namespaces
// joined by a veth pair play the machines: the control plane (`skiff up --disable-agent
// --bind-address 0.0.0.0`) in the first, and in the second a `skiff agent` process with the
// credentials `skiff node-credentials` issued, serving the node's API on a port other than
// 10250 (`--kubelet-port`). kubectl and curl run on the control plane's side.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  createNetns,
  hasKubectl,
  nodeSkipReason,
  ok,
  parseTable,
  runSkiff,
  SKIFF_BIN,
  startCluster,
  unmountUnder,
  until,
  VERSIONS,
  type TestCluster,
  type TestNetns,
} from './harness.js';

const MINORS = VERSIONS.filter(hasKubectl);
const KUBECTL = MINORS[MINORS.length - 1] ?? 33;
const skip = !MINORS.length ? 'no kubectl is installed' : (nodeSkipReason() ?? false);

const NODE = 'skiff-remote-node';
/** The two machines' addresses on the link between them. */
const PLANE_IP = '192.168.213.1';
const NODE_IP = '192.168.213.2';
/** The node's API port (`--kubelet-port`), not the default 10250. */
const KUBELET_PORT = 11250;

/** The kubeconfigs of the node's service proxy, DNS and ingress controller, and their users. */
const COMPONENT_USERS = [
  ['kube-proxy.kubeconfig', 'system:kube-proxy'],
  ['dns.kubeconfig', 'system:skiff-dns'],
  ['ingress.kubeconfig', 'system:skiff-ingress-controller'],
  ['netpol.kubeconfig', 'system:skiff-network-policy'],
] as const;

/** A child process whose output is kept, for waiting on and for failure messages. */
interface Child {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number>;
}

function startChild(cmd: string, args: string[]): Child {
  const proc = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Gone with this test process, even if it is killed.
    env: { ...process.env, SKIFF_EXIT_WITH_PID: String(process.pid) },
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number>((res) => {
    proc.on('close', (code) => res(code ?? -1));
    proc.on('error', () => res(-1));
  });
  return { proc, output: () => out, exited };
}

/** SIGTERM, then SIGKILL after the timeout; by pid, as started. */
async function stopChild(c: Child, timeoutMs: number): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.pid === undefined) return;
  process.kill(c.proc.pid, 'SIGTERM');
  const late = await Promise.race([
    c.exited.then(() => false),
    new Promise<boolean>((r) => setTimeout(r, timeoutMs, true).unref()),
  ]);
  if (late) {
    process.kill(c.proc.pid, 'SIGKILL');
    await c.exited;
  }
}

describe('a node agent in its own process, on another machine', { skip }, () => {
  let plane: TestNetns | undefined;
  let node: TestNetns | undefined;
  let c: TestCluster;
  let agent: Child | undefined;
  const credsDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-creds-'));
  const agentDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-agent-'));
  const kubectl = (args: string[], minor = KUBECTL, input?: string) =>
    c.kubectl(minor, args, { ...(input === undefined ? {} : { input }), timeoutMs: 60_000 });
  const podRow = async (name: string) =>
    parseTable(ok(await kubectl(['get', 'pod', name, '-o', 'wide'])))[0] ?? {};
  /** curl on the control plane's side: status code (0 when nothing answered) and body. */
  const curl = async (args: string[]): Promise<{ status: number; body: string; code: number }> => {
    const r = await c.exec('curl', ['-s', '-m', '20', '-w', '\n%{http_code}', ...args], {
      timeoutMs: 30_000,
    });
    const lines = r.stdout.split('\n');
    const status = Number(lines.pop());
    return { status, body: lines.join('\n'), code: r.code };
  };
  /** The node's own API, reached over the link as the API server reaches it. */
  const nodeApi = (path: string, token?: string) =>
    curl([
      '--cacert',
      join(credsDir, 'ca.crt'),
      ...(token ? ['-H', `Authorization: Bearer ${token}`] : []),
      `https://${NODE_IP}:${KUBELET_PORT}${path}`,
    ]);
  const running = (name: string) =>
    until(
      `${name} Running`,
      async () => ((await podRow(name))['STATUS'] === 'Running' ? true : undefined),
      120_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\nagent output:\n${agent?.output() ?? ''}`);
    });

  before(async () => {
    plane = createNetns('skiff-e2e-cp');
    node = createNetns('skiff-e2e-nd');
    // The link between the two machines.
    const suffix = randomBytes(3).toString('hex');
    const [a, b] = [`skcp${suffix}`, `sknd${suffix}`];
    const ip = (args: string[]) => {
      const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
      if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
    };
    ip([
      'link',
      'add',
      a,
      'netns',
      plane.name,
      'type',
      'veth',
      'peer',
      'name',
      b,
      'netns',
      node.name,
    ]);
    ip(['-n', plane.name, 'addr', 'add', `${PLANE_IP}/24`, 'dev', a]);
    ip(['-n', node.name, 'addr', 'add', `${NODE_IP}/24`, 'dev', b]);
    ip(['-n', plane.name, 'link', 'set', a, 'up']);
    ip(['-n', node.name, 'link', 'set', b, 'up']);

    c = startCluster(
      { upArgs: ['--disable-agent', '--bind-address', '0.0.0.0'] },
      { netns: plane.path, dataDir: mkdtempSync(join(tmpdir(), 'skiff-e2e-')) },
    );
    // Issued on the control plane: its address (the link's) is the kubeconfig's server.
    ok(
      runSkiff(
        [
          'node-credentials',
          '--node-name',
          NODE,
          '--address',
          NODE_IP,
          '--data-dir',
          c.dataDir,
          '--out',
          credsDir,
        ],
        {},
        plane.path,
      ),
      'skiff node-credentials',
    );
    const images = await ensureTestImages({ images: [IMAGES.busybox, IMAGES.kubia] });
    ok(
      runSkiff([
        'images',
        'import',
        images.archives[IMAGES.busybox]!,
        images.archives[IMAGES.kubia]!,
        '--data-dir',
        agentDir,
      ]),
      'skiff images import',
    );
    // nsenter execs the agent: the pid is the agent's own.
    agent = startChild('nsenter', [
      `--net=${node.path}`,
      '--',
      process.execPath,
      SKIFF_BIN,
      'agent',
      '--kubeconfig',
      join(credsDir, 'kubeconfig'),
      '--node-name',
      NODE,
      '--node-ip',
      NODE_IP,
      '--data-dir',
      agentDir,
      '--tls-cert-file',
      join(credsDir, 'kubelet.crt'),
      '--tls-private-key-file',
      join(credsDir, 'kubelet.key'),
      '--kubelet-port',
      String(KUBELET_PORT),
    ]);
    const started = agent;
    await until(
      'skiff agent ready',
      async () => {
        if (started.proc.exitCode !== null)
          throw new Error(`skiff agent exited: ${started.output()}`);
        return /Skiff node agent is ready/.test(started.output()) ? true : undefined;
      },
      120_000,
    );
  });

  after(async () => {
    // The agent stops its pods and removes what it set up on the node, as `skiff down`.
    if (agent) await stopChild(agent, 40_000);
    c?.stop();
    node?.remove();
    plane?.remove();
    unmountUnder(agentDir);
    rmSync(agentDir, { recursive: true, force: true });
    rmSync(credsDir, { recursive: true, force: true });
  });

  test('skiff node-credentials writes a node kubeconfig, the CA and a serving certificate', () => {
    const kubeconfig = readFileSync(join(credsDir, 'kubeconfig'), 'utf8');
    assert.match(kubeconfig, new RegExp(`server: https://${PLANE_IP.replace(/\./g, '\\.')}:\\d+`));
    assert.match(kubeconfig, new RegExp(`name: system:node:${NODE}`));
    assert.match(kubeconfig, /^# .*group system:nodes\./m);
    assert.doesNotMatch(kubeconfig, /system:masters/);
    assert.equal(statSync(join(credsDir, 'kubeconfig')).mode & 0o777, 0o600);
    // The service proxy, DNS and ingress controller have credentials of their own.
    for (const [file, user] of COMPONENT_USERS) {
      const components = readFileSync(join(credsDir, file), 'utf8');
      assert.match(components, new RegExp(`name: ${user}\n`));
      assert.doesNotMatch(components, /system:masters/);
      assert.equal(statSync(join(credsDir, file)).mode & 0o777, 0o600);
    }
    assert.equal(statSync(join(credsDir, 'kubelet.key')).mode & 0o777, 0o600);
    const cert = spawnSync(
      'openssl',
      [
        'x509',
        '-noout',
        '-subject',
        '-ext',
        'subjectAltName',
        '-in',
        join(credsDir, 'kubelet.crt'),
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    assert.equal(cert.status, 0, cert.stderr);
    assert.match(cert.stdout, new RegExp(`DNS:${NODE}`));
    assert.match(cert.stdout, new RegExp(`IP Address:${NODE_IP.replace(/\./g, '\\.')}`));
    const verify = spawnSync(
      'openssl',
      ['verify', '-CAfile', join(credsDir, 'ca.crt'), join(credsDir, 'kubelet.crt')],
      { encoding: 'utf8', timeout: 10_000 },
    );
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  });

  test("the node's credentials are its own identities, none of them system:masters", async () => {
    for (const [file, user] of [['kubeconfig', `system:node:${NODE}`], ...COMPONENT_USERS]) {
      const as = (args: string[]) =>
        c.kubectlBare(KUBECTL, ['--kubeconfig', join(credsDir, file), ...args]);
      const who = JSON.parse(ok(await as(['auth', 'whoami', '-o', 'json']))) as {
        status: { userInfo: { username: string; groups: string[] } };
      };
      assert.equal(who.status.userInfo.username, user);
      assert.ok(!who.status.userInfo.groups.includes('system:masters'), file);
      const all = await as(['auth', 'can-i', '*', '*']);
      assert.equal(all.stdout, 'no\n', `${file}: ${all.stderr}`);
      assert.equal(all.code, 1, file);
    }
    // Each may do its own part only: the proxy reads EndpointSlices, not Secrets.
    const proxy = (args: string[]) =>
      c.kubectlBare(KUBECTL, ['--kubeconfig', join(credsDir, 'kube-proxy.kubeconfig'), ...args]);
    assert.equal(
      (await proxy(['auth', 'can-i', 'watch', 'endpointslices.discovery.k8s.io'])).stdout,
      'yes\n',
    );
    assert.equal((await proxy(['auth', 'can-i', 'get', 'secrets', '-A'])).stdout, 'no\n');
  });

  test("the node's cluster DNS registers itself in kube-dns under its own identity", async () => {
    await until(
      'kube-dns endpoints name the node',
      async () => {
        const r = await kubectl([
          'get',
          'endpoints',
          'kube-dns',
          '-n',
          'kube-system',
          '-o',
          'json',
        ]);
        return r.code === 0 && r.stdout.includes(`"ip": "${NODE_IP}"`) ? true : undefined;
      },
      60_000,
    );
    // Nothing the proxy, DNS or ingress controller asked for was refused.
    assert.doesNotMatch(agent?.output() ?? '', /forbidden/i);
  });

  test('skiff agent refuses to start, saying why, when it cannot reach the API server', () => {
    const kubeconfig = readFileSync(join(credsDir, 'kubeconfig'), 'utf8').replace(
      /server: https:\/\/[^\s]+/,
      `server: https://${PLANE_IP}:1`,
    );
    const file = join(credsDir, 'unreachable.kubeconfig');
    writeFileSync(file, kubeconfig, { mode: 0o600 });
    const dataDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-agent-'));
    try {
      const r = runSkiff(
        [
          'agent',
          '--kubeconfig',
          file,
          '--node-name',
          'never-joins',
          '--data-dir',
          dataDir,
          '--tls-cert-file',
          join(credsDir, 'kubelet.crt'),
          '--tls-private-key-file',
          join(credsDir, 'kubelet.key'),
        ],
        {},
        node!.path,
      );
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^error: cannot reach the API server at https://${PLANE_IP}:1: .*ECONNREFUSED`,
          'm',
        ),
      );
      // Nothing of a node was set up (its pods' directory and network are made after).
      assert.deepEqual(readdirSync(dataDir), []);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    const usage = runSkiff(['agent', '--node-name', 'x']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^error: flag --kubeconfig is required/);
  });

  test('the node registers and is Ready, with its own address as InternalIP', async () => {
    for (const minor of MINORS) {
      const row = parseTable(ok(await kubectl(['get', 'node', NODE, '-o', 'wide'], minor)))[0];
      assert.equal(row?.['STATUS'], 'Ready', `kubectl 1.${minor}`);
      assert.equal(row?.['INTERNAL-IP'], NODE_IP, `kubectl 1.${minor}`);
    }
    const user = ok(
      await kubectl([
        'get',
        'node',
        NODE,
        '-o',
        'jsonpath={.status.nodeInfo.kubeletVersion} {.metadata.managedFields[0].manager}',
      ]),
    );
    assert.match(user, /^v1\.\d+\.\d+\S* kubelet$/);
  });

  test('a pod is scheduled to the node and runs there', async () => {
    ok(
      await kubectl([
        'run',
        'shell',
        `--image=${IMAGES.busybox}`,
        '--',
        'sh',
        '-c',
        'echo hello from the node; while true; do echo tick; sleep 1; done',
      ]),
    );
    await running('shell');
    const row = await podRow('shell');
    assert.equal(row['NODE'], NODE);
    assert.match(row['IP'] ?? '', /^10\.244\.0\.\d+$/);
  });

  test("the pod's projected service-account token comes from TokenRequest and is accepted", async () => {
    await running('shell');
    const [uid, volume] = ok(
      await kubectl([
        'get',
        'pod',
        'shell',
        '-o',
        'jsonpath={.metadata.uid} {.spec.volumes[?(@.projected)].name}',
      ]),
    ).split(' ');
    assert.match(volume ?? '', /^kube-api-access-/);
    // The mounted file, as the node wrote it.
    const token = readFileSync(
      join(
        agentDir,
        'pods',
        uid ?? '',
        'volumes',
        'kubernetes.io~projected',
        volume ?? '',
        'token',
      ),
      'utf8',
    );
    for (const minor of MINORS) {
      const review = JSON.parse(
        ok(
          await kubectl(
            ['create', '--raw', '/apis/authentication.k8s.io/v1/tokenreviews', '-f', '-'],
            minor,
            JSON.stringify({
              apiVersion: 'authentication.k8s.io/v1',
              kind: 'TokenReview',
              spec: { token },
            }),
          ),
        ),
      ) as { status: { authenticated?: boolean; user?: Record<string, any> } };
      assert.equal(review.status.authenticated, true, `kubectl 1.${minor}`);
      assert.equal(review.status.user?.['username'], 'system:serviceaccount:default:default');
      const extra = review.status.user?.['extra'] ?? {};
      assert.deepEqual(extra['authentication.kubernetes.io/pod-name'], ['shell']);
      assert.deepEqual(extra['authentication.kubernetes.io/pod-uid'], [uid]);
    }
  });

  // The next three go through the API server's proxy to the node's kubelet API.

  test('kubectl exec reaches the container on the node', async () => {
    await running('shell');
    for (const minor of MINORS) {
      const r = await kubectl(['exec', 'shell', '--', 'sh', '-c', 'echo out; exit 3'], minor);
      assert.deepEqual([r.code, r.stdout], [3, 'out\n'], `kubectl 1.${minor}: ${r.stderr}`);
      const stdin = await kubectl(
        ['exec', '-i', 'shell', '--', 'wc', '-c'],
        minor,
        'x'.repeat(50_000),
      );
      assert.equal(ok(stdin).trim(), '50000');
    }
    const inside = ok(
      await kubectl([
        'exec',
        'shell',
        '--',
        'cat',
        '/var/run/secrets/kubernetes.io/serviceaccount/namespace',
      ]),
    );
    assert.equal(inside, 'default');
  });

  test('kubectl logs reads the container log on the node', async () => {
    await running('shell');
    for (const minor of MINORS) {
      const out = ok(await kubectl(['logs', 'shell'], minor));
      assert.match(out, /^hello from the node\ntick\n/, `kubectl 1.${minor}`);
    }
    const tail = ok(await kubectl(['logs', 'shell', '--tail=1']));
    assert.equal(tail, 'tick\n');
  });

  test('kubectl port-forward reaches a port of the pod on the node', async () => {
    ok(await kubectl(['run', 'kubia', `--image=${IMAGES.kubia}`, '--port=8080']));
    await running('kubia');
    for (const minor of MINORS) {
      const pf = c.background(minor, ['port-forward', 'pod/kubia', ':8080'], { timeoutMs: 60_000 });
      try {
        await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/, 30_000);
        const port = /127\.0\.0\.1:(\d+)/.exec(pf.stdout)?.[1] ?? '';
        const r = ok(
          await c.exec('curl', ['-s', '--max-time', '10', `http://127.0.0.1:${port}/`]),
          'curl',
        );
        assert.equal(r.trim(), "You've hit kubia", `kubectl 1.${minor}`);
      } finally {
        await pf.stop();
      }
    }
  });

  test('the node serves its API on --kubelet-port and records that port in its status', async () => {
    for (const minor of MINORS) {
      const port = ok(
        await kubectl(
          ['get', 'node', NODE, '-o', 'jsonpath={.status.daemonEndpoints.kubeletEndpoint.Port}'],
          minor,
        ),
      );
      assert.equal(port, String(KUBELET_PORT), `kubectl 1.${minor}`);
    }
    // The flag's port answers (refusing a caller without credentials), the default's does not.
    const there = await nodeApi('/healthz');
    assert.deepEqual([there.status, there.body], [401, 'Unauthorized']);
    const notThere = await curl(['-k', `https://${NODE_IP}:10250/healthz`]);
    assert.equal(notThere.status, 0, notThere.body);
    assert.equal(notThere.code, 7, 'curl: connection refused');
  });

  test('nodes/proxy reaches the node over the link: /healthz and /stats/summary', async () => {
    await running('shell');
    const base = `/api/v1/nodes/${NODE}/proxy`;
    for (const minor of MINORS) {
      assert.equal(ok(await kubectl(['get', '--raw', `${base}/healthz`], minor)), 'ok');
      const summary = JSON.parse(
        ok(await kubectl(['get', '--raw', `${base}/stats/summary`], minor)),
      ) as {
        node: { nodeName: string; cpu: { usageCoreNanoSeconds: number } };
        pods: { podRef: { name: string; namespace: string } }[];
      };
      assert.equal(summary.node.nodeName, NODE, `kubectl 1.${minor}`);
      assert.ok(summary.node.cpu.usageCoreNanoSeconds > 0);
      assert.ok(
        summary.pods.some((p) => p.podRef.name === 'shell' && p.podRef.namespace === 'default'),
        JSON.stringify(summary.pods.map((p) => p.podRef)),
      );
    }
  });

  test("kubectl top shows the node's and its pods' usage, scraped across the link", async () => {
    await running('shell');
    for (const minor of MINORS) {
      const node = await until(
        `metrics of ${NODE} (kubectl 1.${minor})`,
        async () => {
          const r = await kubectl(['top', 'node', NODE], minor);
          return r.code === 0 ? r.stdout : undefined;
        },
        90_000,
      );
      assert.match(
        node,
        /^NAME\s+CPU\(cores\)\s+CPU(%|\(%\))?\s+MEMORY\(bytes\)\s+MEMORY(%|\(%\))?/,
      );
      assert.match(node, new RegExp(`^${NODE}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%\\s*$`, 'm'));
      const pod = await until(
        `metrics of pod shell (kubectl 1.${minor})`,
        async () => {
          const r = await kubectl(['top', 'pod', 'shell'], minor);
          return r.code === 0 ? r.stdout : undefined;
        },
        90_000,
      );
      assert.match(pod, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\nshell\s+\d+m\s+\d+Mi\s*$/);
    }
  });

  test('the node API refuses anonymous and under-privileged callers over the link', async () => {
    const anonymous = await nodeApi('/pods');
    assert.deepEqual([anonymous.status, anonymous.body], [401, 'Unauthorized']);
    for (const minor of MINORS) {
      const token = ok(await kubectl(['create', 'token', 'default'], minor)).trim();
      const denied = await nodeApi('/pods', token);
      assert.equal(denied.status, 403, `kubectl 1.${minor}: ${denied.body}`);
      assert.match(
        denied.body,
        /^Forbidden \(user=system:serviceaccount:default:default, verb=get, resource=nodes, subresource\(s\)=\[/,
      );
    }
    // A cluster admin is allowed: the refusals are the node's decisions on who asks.
    const admin = await nodeApi('/pods', c.adminToken);
    assert.equal(admin.status, 200, admin.body);
    const pods = JSON.parse(admin.body) as {
      kind: string;
      items: { metadata: { name: string } }[];
    };
    assert.equal(pods.kind, 'PodList');
    assert.ok(pods.items.some((p) => p.metadata.name === 'shell'));
  });

  test('SIGTERM stops the pods and removes what the agent set up, then the agent exits', async () => {
    const running = agent!;
    await stopChild(running, 40_000);
    assert.equal(await running.exited, 0, running.output());
    assert.match(running.output(), /Stopping the node agent/);
    const left = spawnSync('ip', ['netns', 'pids', node!.name], { encoding: 'utf8' });
    assert.equal(left.stdout.trim(), '', 'processes left in the node namespace');
    assert.deepEqual(readdirSync(join(agentDir, 'pods')), []);
    // The API objects stay, as after `skiff down`.
    assert.match(ok(await kubectl(['get', 'pod', 'shell', '-o', 'name'])), /^pod\/shell$/m);
  });
});

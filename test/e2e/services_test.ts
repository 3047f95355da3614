// End-to-end: seed 001 (chapter 5 of Kubernetes in Action) on a real node with the nftables
// service proxy, in the order the chapter goes, with the real kubectl and curl inside pods.
// The cluster runs in its own network namespace; a second namespace, linked to it, stands
// for a machine outside the cluster (192.168.88.2, the node being 192.168.88.1 to it).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestImages, IMAGES } from '../images/index.js';
import { startClient, startServer, type Server } from '../support/proxy-netns.js';
import {
  hits,
  KUBIA_RC,
  linkOutside,
  NODE_SIDE,
  OUTSIDE,
  service,
} from '../support/services-e2e.js';
import {
  hasKubectl,
  inNetns,
  nodeSkipReason,
  ok,
  parseTable,
  run,
  runSkiff,
  startNodeCluster,
  type TestCluster,
  type TestNetns,
  until,
} from './harness.js';

const KUBECTL = 33;
const skip = !hasKubectl(KUBECTL) ? 'kubectl 1.33 is not installed' : (nodeSkipReason() ?? false);
describe('seed 001 services on a real node (nftables mode)', { skip, timeout: 900_000 }, () => {
  let c: TestCluster;
  let outside: TestNetns;
  let httpd: ChildProcess | undefined;
  let udpServer: Server | undefined;
  let webroot = '';
  const kubectl = (args: string[], input?: string) =>
    c.kubectl(KUBECTL, args, input === undefined ? {} : { input });
  const apply = async (yaml: string) => ok(await kubectl(['apply', '-f', '-'], yaml));
  const jsonpath = async (what: string[], path: string) =>
    ok(await kubectl(['get', ...what, '-o', `jsonpath=${path}`]));
  const clusterIP = (svc: string) => jsonpath(['svc', svc], '{.spec.clusterIP}');
  /** Runs a shell line in a pod (busybox sh, curl). */
  const inPod = (pod: string, script: string) =>
    kubectl(['exec', pod, '--', 'sh', '-c', script], undefined);
  const fromOutside = (cmd: string, args: string[]) =>
    run(...inNetns(outside.path, cmd, args), { timeoutMs: 20_000 });
  const readyPods = async (selector: string, n: number): Promise<string[]> =>
    until(`${n} ready pods ${selector}`, async () => {
      const rows = parseTable(ok(await kubectl(['get', 'pods', '-l', selector])));
      const ready = rows.filter((r) => r['READY'] === '1/1' && r['STATUS'] === 'Running');
      return ready.length === n && rows.length === n ? ready.map((r) => r['NAME']!) : undefined;
    });
  /**
   * Seed 001's kubia ReplicationController and service, and its kubia-nodeport (5.3.1): made
   * by the first test that needs them, whichever runs first; resolves with the service's
   * `kubectl apply` output.
   */
  let kubiaMade: Promise<string> | undefined;
  const ensureKubia = (): Promise<string> =>
    (kubiaMade ??= (async () => {
      ok(await kubectl(['apply', '-f', '-'], KUBIA_RC));
      return apply(
        service(
          'kubia',
          '  ports:\n  - port: 80\n    targetPort: 8080\n  selector:\n    app: kubia\n',
        ),
      );
    })());
  let nodePortMade: Promise<string> | undefined;
  const ensureNodePort = (): Promise<string> =>
    (nodePortMade ??= apply(
      service(
        'kubia-nodeport',
        '  type: NodePort\n  ports:\n  - port: 80\n    targetPort: 8080\n    nodePort: 30123\n  selector:\n    app: kubia\n',
      ),
    ));
  /** What the proxy was given and what it programmed, for a failure's message. */
  const diagnose = async (svc: string): Promise<string> => {
    const slices = await kubectl([
      'get',
      'endpointslices',
      '-l',
      `kubernetes.io/service-name=${svc}`,
      '-o',
      'yaml',
    ]);
    const table = await c.exec('nft', ['list', 'table', 'ip', 'skiff-proxy']);
    // Rejects answer with ICMP, which the kernel rate-limits (per host and per namespace).
    const icmp = await c.exec('nstat', ['-asz', 'IcmpOut*', 'IcmpIn*']);
    const ip = (await clusterIP(svc).catch(() => '')).trim();
    const conns = ip ? await c.exec('conntrack', ['-L', '-d', ip]) : undefined;
    const log = readFileSync(join(c.dataDir, 'skiff.log'), 'utf8')
      .split('\n')
      .filter((l) => /proxy/.test(l));
    return [
      slices.stdout,
      table.stdout,
      icmp.stdout,
      conns ? conns.stdout + conns.stderr : '',
      ...log.slice(-20),
    ].join('\n');
  };

  /**
   * Where one more connection from a pod to `ip` goes in the node: a table of the test's own
   * counts the packets at each hook (before the proxy's chains), then is deleted.
   */
  const tracePath = async (pod: string, ip: string): Promise<string> => {
    const hooks = [
      ['prerouting', -400],
      ['input', -400],
      ['forward', -400],
      ['output', -400],
      ['postrouting', -400],
    ] as const;
    const script = [
      'add table ip skiff-test-trace',
      ...hooks.flatMap(([hook, prio]) => [
        `add chain ip skiff-test-trace ${hook} { type filter hook ${hook} priority ${prio}; }`,
        `add rule ip skiff-test-trace ${hook} ip daddr ${ip} counter`,
        `add rule ip skiff-test-trace ${hook} ip saddr ${ip} counter`,
      ]),
    ].join('\n');
    await c.exec('nft', ['-f', '-'], { input: script });
    // Drops before the forward hook are counted by the kernel: no route, reverse-path filter.
    const drops = () =>
      c.exec('nstat', [
        '-asz',
        'IpInAddrErrors',
        'IpExtInNoRoutes',
        'TcpExtIPReversePathFilter',
        'IpInDiscards',
      ]);
    const before = await drops();
    const r = await inPod(pod, `curl -sv --max-time 3 http://${ip} 2>&1; echo "exit $?"`);
    const after = await drops();
    const sysctls = await c.exec('sh', [
      '-c',
      'for f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/*/forwarding /proc/sys/net/ipv4/conf/*/rp_filter; do echo "$f $(cat $f)"; done; ip route; nft list tables',
    ]);
    const route = await c.exec('ip', ['route', 'get', ip]);
    const counts = await c.exec('nft', ['list', 'table', 'ip', 'skiff-test-trace']);
    await c.exec('nft', ['delete', 'table', 'ip', 'skiff-test-trace']);
    return [
      r.stdout,
      route.stdout + route.stderr,
      counts.stdout + counts.stderr,
      'before:',
      before.stdout,
      'after:',
      after.stdout,
      sysctls.stdout + sysctls.stderr,
    ].join('\n');
  };

  before(async () => {
    const images = await ensureTestImages({ images: [IMAGES.kubia] });
    c = startNodeCluster({ images: [images.archives[IMAGES.kubia]!] });
    // Another machine on a link to the node.
    outside = linkOutside(c.netns ?? '');
  });

  after(() => {
    httpd?.kill('SIGKILL');
    udpServer?.stop();
    c?.stop();
    outside?.remove();
    if (webroot) rmSync(webroot, { recursive: true, force: true });
  });

  test('the node runs the service proxy in nftables mode', () => {
    const log = readFileSync(join(c.dataDir, 'skiff.log'), 'utf8');
    assert.match(log, /✓ service proxy \(nftables\)/);
  });

  test('5.1.1: a curl from a pod to the kubia service lands on different pods', async () => {
    assert.equal(await ensureKubia(), 'service/kubia created\n');
    const pods = await readyPods('app=kubia', 3);
    const ip = await clusterIP('kubia');
    const seen = await until('answers from two pods or more', async () => {
      const r = await inPod(
        pods[0]!,
        `for i in 1 2 3 4 5 6 7 8 9 10 11 12; do curl -s http://${ip}; done`,
      );
      const who = new Set(hits(r.stdout));
      return who.size >= 2 ? who : undefined;
    });
    for (const p of seen) assert.ok(pods.includes(p), `${p} is one of ${pods.join(', ')}`);
    // The node itself reaches the cluster IP too.
    const host = await c.exec('curl', ['-s', '--max-time', '5', `http://${ip}`]);
    assert.match(host.stdout, /^You've hit kubia-/);
  });

  test('5.1.1: sessionAffinity ClientIP sends every request of a client to the same pod', async () => {
    await ensureKubia();
    await apply(
      service(
        'kubia-affinity',
        '  sessionAffinity: ClientIP\n  ports:\n  - port: 80\n    targetPort: 8080\n  selector:\n    app: kubia\n',
      ),
    );
    const [pod] = await readyPods('app=kubia', 3);
    const ip = await clusterIP('kubia-affinity');
    const r = await until('answers', async () => {
      const r = await inPod(
        pod!,
        `for i in 1 2 3 4 5 6 7 8 9 10 11 12; do curl -s http://${ip}; done`,
      );
      return hits(r.stdout).length === 12 ? r : undefined;
    });
    assert.equal(new Set(hits(r.stdout)).size, 1, r.stdout);
  });

  test('5.1.1: a multi-port service with named target ports', async () => {
    await ensureKubia();
    await apply(
      service(
        'kubia-named',
        '  ports:\n  - name: http\n    port: 80\n    targetPort: http\n  - name: https\n    port: 443\n    targetPort: https\n  selector:\n    app: kubia\n',
      ),
    );
    const [pod] = await readyPods('app=kubia', 3);
    const ip = await clusterIP('kubia-named');
    const r = await until('port 80 answers', async () => {
      const r = await inPod(pod!, `curl -s http://${ip}:80`);
      return hits(r.stdout).length === 1 ? r : undefined;
    });
    assert.match(r.stdout, /^You've hit kubia-/);
    const ports = await jsonpath(['endpoints', 'kubia-named'], '{.subsets[0].ports[*].port}');
    assert.deepEqual(ports.split(' ').sort(), ['8080', '8443']);
    // Port 443 goes to the pods' 8443, where nothing listens: refused by the pod.
    const https = await inPod(pod!, `curl -s --max-time 5 http://${ip}:443; echo "exit $?"`);
    assert.match(https.stdout, /exit 7/);
  });

  test('5.1.2: pods created after the service get its environment variables', async () => {
    await ensureKubia();
    ok(await kubectl(['delete', 'pods', '-l', 'app=kubia', '--wait=false']));
    const ip = await clusterIP('kubia');
    const env = await until('a new pod with KUBIA_SERVICE_HOST', async () => {
      const pods = await readyPods('app=kubia', 3);
      const r = await kubectl(['exec', pods[0]!, '--', 'env']);
      return r.code === 0 && r.stdout.includes('KUBIA_SERVICE_HOST') ? r.stdout : undefined;
    });
    assert.match(env, new RegExp(`^KUBIA_SERVICE_HOST=${ip.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(env, /^KUBIA_SERVICE_PORT=80$/m);
  });

  test("5.1.2: a cluster IP does not answer ping (a virtual IP, meaningful only with the service's port)", async () => {
    await ensureKubia();
    const [pod] = await readyPods('app=kubia', 3);
    const ip = await clusterIP('kubia');
    // The service itself answers, so the silence below is the cluster IP's, not a dead service's.
    await until('kubia answers', async () =>
      hits((await inPod(pod!, `curl -s --max-time 5 http://${ip}`)).stdout).length
        ? true
        : undefined,
    );
    const ping = await inPod(pod!, `ping -c 1 -W 2 ${ip}; echo "exit $?"`);
    assert.match(ping.stdout, /exit 1/);
  });

  test('5.2.2: a service without a selector, with manual Endpoints outside the pod network', async () => {
    await ensureKubia();
    webroot = mkdtempSync(join(tmpdir(), 'skiff-e2e-web-'));
    writeFileSync(join(webroot, 'index.html'), 'the external server\n');
    httpd = spawn(
      ...inNetns(outside.path, 'busybox', ['httpd', '-f', '-p', `${OUTSIDE}:80`, '-h', webroot]),
      {
        stdio: 'ignore',
      },
    );
    await apply(service('external-service', '  ports:\n  - port: 80\n'));
    ok(
      await kubectl(
        ['apply', '-f', '-'],
        `apiVersion: v1
kind: Endpoints
metadata:
  name: external-service
subsets:
  - addresses:
    - ip: ${OUTSIDE}
    ports:
    - port: 80
`,
      ),
    );
    const [pod] = await readyPods('app=kubia', 3);
    const ip = await clusterIP('external-service');
    const body = await until('the external server answers', async () => {
      const r = await inPod(pod!, `curl -s --max-time 5 http://${ip}`);
      return r.stdout.includes('external server') ? r.stdout : undefined;
    });
    assert.equal(body, 'the external server\n');
  });

  test('5.3.1: NodePort 30123 from another machine and on localhost', async () => {
    await ensureKubia();
    assert.equal(await ensureNodePort(), 'service/kubia-nodeport created\n');
    const row = parseTable(ok(await kubectl(['get', 'svc', 'kubia-nodeport'])))[0];
    assert.equal(row?.['PORT(S)'], '80:30123/TCP');
    const far = await until('NodePort from outside', async () => {
      const r = await fromOutside('curl', ['-s', '--max-time', '5', `http://${NODE_SIDE}:30123`]);
      return hits(r.stdout).length ? r.stdout : undefined;
    });
    assert.match(far, /^You've hit kubia-/);
    const local = await c.exec('curl', ['-s', '--max-time', '5', 'http://127.0.0.1:30123']);
    assert.match(local.stdout, /^You've hit kubia-/);
  });

  test("5.3.2: a LoadBalancer's EXTERNAL-IP (the node's address) answers from another machine", async () => {
    await ensureKubia();
    await apply(
      service(
        'kubia-loadbalancer',
        '  type: LoadBalancer\n  ports:\n  - port: 80\n    targetPort: 8080\n  selector:\n    app: kubia\n',
      ),
    );
    const nodeIP = await jsonpath(
      ['nodes'],
      '{.items[0].status.addresses[?(@.type=="InternalIP")].address}',
    );
    const external = await until('an EXTERNAL-IP', async () => {
      const ip = parseTable(ok(await kubectl(['get', 'svc', 'kubia-loadbalancer'])))[0]?.[
        'EXTERNAL-IP'
      ];
      return ip && ip !== '<pending>' ? ip : undefined;
    });
    assert.equal(external, nodeIP);
    const far = await until('the load balancer from outside', async () => {
      const r = await fromOutside('curl', ['-s', '--max-time', '5', `http://${external}`]);
      return hits(r.stdout).length ? r.stdout : undefined;
    });
    assert.match(far, /^You've hit kubia-/);
  });

  test('5.3.3 (externalTrafficPolicy): Local keeps the client address; Cluster masquerades', async () => {
    await ensureKubia();
    await ensureNodePort();
    const whoSaw = async (): Promise<string> => {
      const r = await fromOutside('curl', ['-s', '--max-time', '5', `http://${NODE_SIDE}:30123`]);
      const [pod] = hits(r.stdout);
      assert.ok(pod, r.stdout + r.stderr);
      // busybox httpd listens on IPv6 too: an IPv4 client shows as ::ffff:a.b.c.d.
      const logs = ok(await kubectl(['logs', pod, '--tail', '1']));
      return logs.trim().replace('::ffff:', '');
    };
    assert.match(await whoSaw(), /^Received request from 10\.244\.0\.1$/);
    ok(
      await kubectl([
        'patch',
        'svc',
        'kubia-nodeport',
        '-p',
        '{"spec":{"externalTrafficPolicy":"Local"}}',
      ]),
    );
    await until('the client address kept', async () =>
      (await whoSaw()) === `Received request from ${OUTSIDE}` ? true : undefined,
    );
  });

  test('5.5: readiness takes a pod out of the service and back; not-ready addresses', async () => {
    await ensureKubia();
    ok(
      await kubectl(
        ['apply', '-f', '-'],
        KUBIA_RC.replace(/kubia$/gm, 'kubia-ready')
          .replace(
            '        ports:\n',
            '        readinessProbe:\n          periodSeconds: 1\n          exec:\n            command:\n            - ls\n            - /var/ready\n        ports:\n',
          )
          .replace('replicas: 3', 'replicas: 2'),
      ),
    );
    await apply(
      service(
        'kubia-ready',
        '  ports:\n  - port: 80\n    targetPort: 8080\n  selector:\n    app: kubia-ready\n',
      ),
    );
    const [client] = await readyPods('app=kubia', 3);
    const ip = await clusterIP('kubia-ready');
    const pods = await until('two kubia-ready pods running', async () => {
      const rows = parseTable(ok(await kubectl(['get', 'pods', '-l', 'app=kubia-ready'])));
      return rows.length === 2 && rows.every((r) => r['STATUS'] === 'Running')
        ? rows.map((r) => r['NAME']!)
        : undefined;
    });
    const notReady = await until('not-ready addresses', async () => {
      const ips = await jsonpath(
        ['endpoints', 'kubia-ready'],
        '{.subsets[*].notReadyAddresses[*].ip}',
      );
      return ips.split(' ').filter(Boolean).length === 2 ? ips : undefined;
    });
    assert.ok(notReady);
    // No endpoint is ready: refused at once (exit 7), never a timeout (exit 28), once the
    // proxy has the new service (its first sync may lag the API on a loaded machine).
    const curl = `curl -s --max-time 2 http://${ip}; echo "exit $?"`;
    let first = '';
    try {
      await until(
        'the service refusing',
        async () => {
          first = (await inPod(client!, curl)).stdout;
          return /exit 7/.test(first) ? true : undefined;
        },
        30_000,
      );
    } catch {
      assert.fail(`${first}\n${await tracePath(client!, ip)}\n${await diagnose('kubia-ready')}`);
    }
    ok(await kubectl(['exec', pods[0]!, '--', 'touch', '/var/ready']));
    await until('the ready pod in the service', async () => {
      const r = await inPod(
        client!,
        `for i in 1 2 3 4 5 6; do curl -s --max-time 5 http://${ip}; done`,
      );
      const who = hits(r.stdout);
      return who.length === 6 && who.every((p) => p === pods[0]) ? true : undefined;
    });
    ok(await kubectl(['exec', pods[0]!, '--', 'rm', '/var/ready']));
    await until('the pod out of the service again', async () =>
      /exit 7/.test((await inPod(client!, curl)).stdout) ? true : undefined,
    );
  });

  test('5.7 troubleshooting: a service without endpoints refuses at once, not after a timeout', async () => {
    await ensureKubia();
    await apply(service('kubia-none', '  ports:\n  - port: 80\n  selector:\n    app: nobody\n'));
    const [pod] = await readyPods('app=kubia', 3);
    const ip = await clusterIP('kubia-none');
    const r = await until('refused', async () => {
      const r = await inPod(pod!, `curl -s --max-time 5 http://${ip}; echo "exit $?"`);
      return /exit 7/.test(r.stdout) ? r : undefined;
    });
    assert.match(r.stdout, /exit 7/);
    const t0 = performance.now();
    await inPod(pod!, `curl -s --max-time 5 http://${ip}`);
    assert.ok(performance.now() - t0 < 3000, 'refused at once, not after the timeout');
  });

  test('a UDP service to a server outside the pod network', async () => {
    udpServer = await startServer(outside.path, 5353, 'udp-server');
    await apply(service('udp-echo', '  ports:\n  - port: 53\n    protocol: UDP\n'));
    ok(
      await kubectl(
        ['apply', '-f', '-'],
        `apiVersion: v1
kind: Endpoints
metadata:
  name: udp-echo
subsets:
  - addresses:
    - ip: ${OUTSIDE}
    ports:
    - port: 5353
      protocol: UDP
`,
      ),
    );
    const ip = await clusterIP('udp-echo');
    const client = startClient(c.netns ?? '');
    try {
      const a = await until('a UDP answer', async () => {
        const a = await client.udp(ip, 53);
        return a.reply ? a : undefined;
      });
      assert.match(a.reply ?? '', /^udp-server saw /);
    } finally {
      client.stop();
    }
  });

  test('the rules survive an agent restart, and changes after it apply', async () => {
    await ensureKubia();
    await ensureNodePort();
    const ip = await clusterIP('kubia');
    const endpoint = JSON.parse(readFileSync(join(c.dataDir, 'endpoint.json'), 'utf8')) as {
      pid: number;
    };
    process.kill(endpoint.pid, 'SIGKILL');
    await until('skiff gone', async () => {
      try {
        process.kill(endpoint.pid, 0);
        return undefined;
      } catch {
        return true;
      }
    });
    // No agent, no API server: services still carry traffic.
    const during = await c.exec('curl', ['-s', '--max-time', '5', `http://${ip}`]);
    assert.match(during.stdout, /^You've hit kubia-/);
    const far = await fromOutside('curl', ['-s', '--max-time', '5', `http://${NODE_SIDE}:30123`]);
    assert.match(far.stdout, /^You've hit kubia-/);
    const up = runSkiff(
      [
        'up',
        '--detach',
        '--data-dir',
        c.dataDir,
        '--api-port',
        '0',
        '--node-name',
        c.nodeName ?? '',
      ],
      {},
      c.netns,
    );
    assert.equal(up.code, 0, up.stdout + up.stderr);
    const after = await c.exec('curl', ['-s', '--max-time', '5', `http://${ip}`]);
    assert.match(after.stdout, /^You've hit kubia-/);
    // A service made after the restart is programmed too.
    await apply(
      service(
        'kubia-late',
        '  ports:\n  - port: 80\n    targetPort: 8080\n  selector:\n    app: kubia\n',
      ),
    );
    const late = await clusterIP('kubia-late');
    await until('the new service answers', async () => {
      const r = await c.exec('curl', ['-s', '--max-time', '5', `http://${late}`]);
      return hits(r.stdout).length ? true : undefined;
    });
  });
});

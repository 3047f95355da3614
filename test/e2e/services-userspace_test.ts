// End-to-end: seed 001's service scenarios on a real node with the userspace service proxy
// (`skiff up --proxy-mode userspace`), those a userspace proxy can have (see
// src/net/proxy/userspace/README.md: no client address under Local policy, a cluster IP that
// is a local address). The cluster runs in its own network namespace; a second one, linked
// to it, stands for a machine outside the cluster. The LoadBalancer here takes the node's
// address (no --lb-pool).

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
  startNodeCluster,
  type TestCluster,
  type TestNetns,
  until,
} from './harness.js';

const KUBECTL = 33;
const skip = !hasKubectl(KUBECTL) ? 'kubectl 1.33 is not installed' : (nodeSkipReason() ?? false);

describe('seed 001 services on a real node (userspace mode)', { skip, timeout: 900_000 }, () => {
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
  const proxyLog = () =>
    readFileSync(join(c.dataDir, 'skiff.log'), 'utf8')
      .split('\n')
      .filter((l) => /proxy/.test(l))
      .slice(-20)
      .join('\n');

  before(async () => {
    const images = await ensureTestImages({ images: [IMAGES.kubia] });
    c = startNodeCluster({
      images: [images.archives[IMAGES.kubia]!],
      upArgs: ['--proxy-mode', 'userspace'],
    });
    outside = linkOutside(c.netns ?? '', 'skiff-e2e-uout');
  });

  after(() => {
    httpd?.kill('SIGKILL');
    udpServer?.stop();
    c?.stop();
    outside?.remove();
    if (webroot) rmSync(webroot, { recursive: true, force: true });
  });

  test('the node runs the service proxy in userspace mode, as asked', () => {
    const log = readFileSync(join(c.dataDir, 'skiff.log'), 'utf8');
    assert.match(log, /✓ service proxy \(userspace\)/);
    assert.doesNotMatch(log, /✓ service proxy \(nftables\)/);
  });

  test('5.1: a curl from a pod to the kubia service lands on different pods', async () => {
    ok(await kubectl(['apply', '-f', '-'], KUBIA_RC));
    await apply(
      service(
        'kubia',
        '  ports:\n  - port: 80\n    targetPort: 8080\n  selector:\n    app: kubia\n',
      ),
    );
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
    const host = await c.exec('curl', ['-s', '--max-time', '5', `http://${ip}`]);
    assert.match(host.stdout, /^You've hit kubia-/);
  });

  test('5.1.1: sessionAffinity ClientIP sends every request of a client to the same pod', async () => {
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
    // Port 443 goes to the pods' 8443, where nothing listens: every endpoint refuses, and
    // the proxy resets the client (no answer, an error at once).
    const t0 = performance.now();
    const https = await inPod(pod!, `curl -s --max-time 5 http://${ip}:443; echo "exit $?"`);
    assert.match(https.stdout, /^exit (7|52|56)$/m);
    assert.ok(performance.now() - t0 < 4500, 'an error before the timeout');
  });

  test('5.1.2: pods created after the service get its environment variables', async () => {
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

  test('5.2.2: a service without a selector, with manual Endpoints outside the pod network', async () => {
    webroot = mkdtempSync(join(tmpdir(), 'skiff-e2e-web-'));
    writeFileSync(join(webroot, 'index.html'), 'the external server\n');
    httpd = spawn(
      ...inNetns(outside.path, 'busybox', ['httpd', '-f', '-p', `${OUTSIDE}:80`, '-h', webroot]),
      { stdio: 'ignore' },
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
    await apply(
      service(
        'kubia-nodeport',
        '  type: NodePort\n  ports:\n  - port: 80\n    targetPort: 8080\n    nodePort: 30123\n  selector:\n    app: kubia\n',
      ),
    );
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
      const row = parseTable(ok(await kubectl(['get', 'svc', 'kubia-loadbalancer'])))[0];
      const ip = row?.['EXTERNAL-IP'];
      return ip && ip !== '<pending>' ? ip : undefined;
    });
    assert.equal(external, nodeIP);
    const far = await until(
      'the load balancer from outside',
      async () => {
        const r = await fromOutside('curl', ['-s', '--max-time', '5', `http://${external}`]);
        return hits(r.stdout).length ? r.stdout : undefined;
      },
      30_000,
    ).catch((e: Error) => assert.fail(`${e.message}\n${proxyLog()}`));
    assert.match(far, /^You've hit kubia-/);
  });

  test('two LoadBalancers on one port: the second stays <pending> with an event; the first keeps serving', async () => {
    await apply(
      service(
        'kubia-loadbalancer-2',
        '  type: LoadBalancer\n  ports:\n  - port: 80\n    targetPort: 8080\n  selector:\n    app: kubia\n',
      ),
    );
    const event = await until('a warning on kubia-loadbalancer-2', async () => {
      const r = await kubectl([
        'get',
        'events',
        '--field-selector',
        'involvedObject.name=kubia-loadbalancer-2',
        '-o',
        'jsonpath={.items[*].reason}: {.items[*].message}',
      ]);
      return /SyncLoadBalancerFailed/.test(r.stdout) ? r.stdout : undefined;
    });
    assert.match(
      event,
      /failed to ensure load balancer: port 80\/TCP of node \S+ \(\S+\) is used by load balancer default\/kubia-loadbalancer/,
    );
    const row = parseTable(ok(await kubectl(['get', 'svc', 'kubia-loadbalancer-2'])))[0];
    assert.equal(row?.['EXTERNAL-IP'], '<pending>');
    const lb = await jsonpath(
      ['svc', 'kubia-loadbalancer'],
      '{.status.loadBalancer.ingress[0].ip}',
    );
    const far = await fromOutside('curl', ['-s', '--max-time', '5', `http://${lb}`]);
    assert.match(far.stdout, /^You've hit kubia-/);
  });

  test('5.5 troubleshooting: a service without endpoints refuses at once', async () => {
    await apply(service('kubia-none', '  ports:\n  - port: 80\n  selector:\n    app: nobody\n'));
    const [pod] = await readyPods('app=kubia', 3);
    const ip = await clusterIP('kubia-none');
    const t0 = performance.now();
    const r = await inPod(pod!, `curl -s --max-time 5 http://${ip}; echo "exit $?"`);
    assert.match(r.stdout, /exit 7/);
    assert.ok(performance.now() - t0 < 3000, 'refused at once, not after the timeout');
  });

  test('5.5: readiness takes a pod out of the service and back; not-ready addresses', async () => {
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
    await until('not-ready addresses', async () => {
      const ips = await jsonpath(
        ['endpoints', 'kubia-ready'],
        '{.subsets[*].notReadyAddresses[*].ip}',
      );
      return ips.split(' ').filter(Boolean).length === 2 ? ips : undefined;
    });
    const curl = `curl -s --max-time 5 http://${ip}; echo "exit $?"`;
    // The service is new: wait for the proxy to program it, then it must refuse.
    let first = '';
    await until('refused while no pod is ready', async () => {
      first = (await inPod(client!, curl)).stdout;
      return /exit 7/.test(first) ? true : undefined;
    }).catch(() => assert.fail(`${first}\n${proxyLog()}`));
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
});

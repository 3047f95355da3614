// A small network for this folder's namespace tests (a _test file, so it never ships): a
// namespace playing the node, with a bridge 10.244.0.1/24 that "pods" (namespaces of their
// own, each running a label/echo server) hang on, and an "outside" namespace standing for
// another machine on 192.0.2.0/24 (the node is 192.0.2.1, outside 192.0.2.2).

import { spawn, type ChildProcess } from 'node:child_process';
import { createTestNetns, type TestNetns } from '../../../../test/support/agent-sandbox.js';
import { createSocketHost, type SocketHost } from './sockets.js';

export const NODE_IP = '192.0.2.1';
export const OUTSIDE_IP = '192.0.2.2';
export const GATEWAY = '10.244.0.1';

// TCP: greets with "<label> saw <client>", then echoes each line as "<label>: <line>" and ends
// when the client does; on 8081 it greets and closes. UDP: answers each datagram with "<label> saw <client>: <datagram>".
const POD_SERVER = `
const net = require('node:net');
const dgram = require('node:dgram');
const label = process.env.LABEL;
const tcp = net.createServer({ allowHalfOpen: true }, (c) => {
  c.write(label + ' saw ' + c.remoteAddress + '\\n');
  let buf = '';
  c.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\\n')) >= 0) { c.write(label + ': ' + buf.slice(0, i) + '\\n'); buf = buf.slice(i + 1); }
  });
  c.on('end', () => c.end());
  c.on('error', () => {});
});
const udp = dgram.createSocket('udp4');
udp.on('message', (m, r) => udp.send(label + ' saw ' + r.address + ': ' + m, r.port, r.address));
const once = net.createServer((c) => c.end(label + ' saw ' + c.remoteAddress + '\\n'));
let up = 0;
const ready = () => { if (++up === 3) console.log('listening'); };
tcp.listen(8080, '0.0.0.0', ready);
once.listen(8081, '0.0.0.0', ready);
udp.bind(5353, '0.0.0.0', ready);
`;

export interface Pod {
  ns: TestNetns;
  ip: string;
  label: string;
  /** Starts (again) the pod's servers: TCP 8080 (echo) and 8081 (greet), UDP 5353. */
  start(): Promise<void>;
  stop(): void;
}

export interface Lab {
  node: TestNetns;
  outside: TestNetns;
  pods: Pod[];
  /** Sockets made inside a namespace (clients in pods, outside, on the node). */
  sockets(ns: TestNetns): SocketHost;
  remove(): Promise<void>;
}

function startServer(ns: TestNetns, label: string): Promise<ChildProcess> {
  const child = spawn('nsenter', [`--net=${ns.path}`, '--', process.execPath, '-e', POD_SERVER], {
    env: { ...process.env, LABEL: label },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((ok, fail) => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('listening') && ok(child));
    child.on('exit', (code) => fail(new Error(`pod server exited (${code}): ${err}`)));
  });
}

async function veth(node: TestNetns, nodeEnd: string, other: TestNetns): Promise<void> {
  await node.run([
    'ip',
    'link',
    'add',
    nodeEnd,
    'type',
    'veth',
    'peer',
    'name',
    'eth0',
    'netns',
    other.name,
  ]);
  await other.run(['ip', 'link', 'set', 'eth0', 'up']);
}

/** The node, `podCount` pods (10.244.0.11, .12, …; servers started) and the outside host. */
export async function createLab(podCount: number): Promise<Lab> {
  const made: TestNetns[] = [];
  const hosts = new Map<string, SocketHost>();
  const servers = new Set<ChildProcess>();
  const remove = async (): Promise<void> => {
    for (const s of servers) s.kill('SIGKILL');
    for (const h of hosts.values()) h.close();
    await Promise.all(made.map((ns) => ns.remove()));
  };
  try {
    const node = await createTestNetns('skiff-us-node');
    made.push(node);
    await node.run(['ip', 'link', 'add', 'br0', 'type', 'bridge']);
    await node.run(['ip', 'addr', 'add', `${GATEWAY}/24`, 'dev', 'br0']);
    await node.run(['ip', 'link', 'set', 'br0', 'up']);

    const outside = await createTestNetns('skiff-us-out');
    made.push(outside);
    await veth(node, 'out0', outside);
    await node.run(['ip', 'addr', 'add', `${NODE_IP}/24`, 'dev', 'out0']);
    await node.run(['ip', 'link', 'set', 'out0', 'up']);
    await outside.run(['ip', 'addr', 'add', `${OUTSIDE_IP}/24`, 'dev', 'eth0']);
    await outside.run(['ip', 'route', 'add', 'default', 'via', NODE_IP]);

    const pods: Pod[] = [];
    for (let i = 1; i <= podCount; i++) {
      const ns = await createTestNetns('skiff-us-pod');
      made.push(ns);
      const ip = `10.244.0.${10 + i}`;
      await veth(node, `pod${i}`, ns);
      await node.run(['ip', 'link', 'set', `pod${i}`, 'master', 'br0', 'up']);
      await ns.run(['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      await ns.run(['ip', 'route', 'add', 'default', 'via', GATEWAY]);
      let server: ChildProcess | undefined;
      const label = `pod-${i}`;
      const pod: Pod = {
        ns,
        ip,
        label,
        async start() {
          server = await startServer(ns, label);
          servers.add(server);
        },
        stop() {
          server?.kill('SIGKILL');
          if (server) servers.delete(server);
          server = undefined;
        },
      };
      await pod.start();
      pods.push(pod);
    }
    return {
      node,
      outside,
      pods,
      sockets(ns) {
        let h = hosts.get(ns.path);
        if (!h) hosts.set(ns.path, (h = createSocketHost(ns.path)));
        return h;
      },
      remove,
    };
  } catch (err) {
    await remove();
    throw err;
  }
}

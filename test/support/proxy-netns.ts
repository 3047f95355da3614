// A node in miniature for service proxy tests, all in namespaces the test makes: a "node"
// namespace with a bridge (10.244.0.1/24) and pods on it, plus an "outside" namespace
// standing for another machine (192.168.77.2) linked to the node (192.168.77.1). Servers
// and clients are small Node programs run inside a namespace with nsenter.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createTestNetns, type TestNetns } from './agent-sandbox.js';

export const NODE_IP = '192.168.77.1';
export const OUTSIDE_IP = '192.168.77.2';
export const GATEWAY = '10.244.0.1';
export const CLUSTER_CIDR = '10.244.0.0/16';

export interface Pod {
  ns: TestNetns;
  ip: string;
}

export interface Testbed {
  node: TestNetns;
  outside: TestNetns;
  addPod(ip: string): Promise<Pod>;
  remove(): Promise<void>;
}

export async function createTestbed(): Promise<Testbed> {
  const node = await createTestNetns('skiff-proxy-node');
  const outside = await createTestNetns('skiff-proxy-out');
  const pods: Pod[] = [];
  const tag = randomBytes(3).toString('hex');
  const bed: Testbed = {
    node,
    outside,
    async addPod(ip) {
      const ns = await createTestNetns('skiff-proxy-pod');
      const host = `vp${tag}${pods.length}`;
      await node.run([
        'ip',
        'link',
        'add',
        host,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        ns.path,
      ]);
      await node.run(['ip', 'link', 'set', host, 'master', 'br0', 'up']);
      await node.run(['ip', 'link', 'set', host, 'type', 'bridge_slave', 'hairpin', 'on']);
      await ns.run(['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      await ns.run(['ip', 'link', 'set', 'eth0', 'up']);
      await ns.run(['ip', 'route', 'add', 'default', 'via', GATEWAY]);
      const pod = { ns, ip };
      pods.push(pod);
      return pod;
    },
    async remove() {
      for (const p of pods) await p.ns.remove();
      await outside.remove();
      await node.remove();
    },
  };
  try {
    await node.run(['ip', 'link', 'add', 'br0', 'type', 'bridge']);
    await node.run(['ip', 'addr', 'add', `${GATEWAY}/24`, 'dev', 'br0']);
    await node.run(['ip', 'link', 'set', 'br0', 'up']);
    await node.run([
      'ip',
      'link',
      'add',
      'ext0',
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      outside.path,
    ]);
    await node.run(['ip', 'addr', 'add', `${NODE_IP}/24`, 'dev', 'ext0']);
    await node.run(['ip', 'link', 'set', 'ext0', 'up']);
    await outside.run(['ip', 'addr', 'add', `${OUTSIDE_IP}/24`, 'dev', 'eth0']);
    await outside.run(['ip', 'link', 'set', 'eth0', 'up']);
    await outside.run(['ip', 'route', 'add', 'default', 'via', NODE_IP]);
    // As the agent's node network: forwarding, and bridged traffic through conntrack.
    await node.run([
      'sh',
      '-c',
      'echo 1 > /proc/sys/net/ipv4/ip_forward; ' +
        '[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] && echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables; true',
    ]);
  } catch (e) {
    await bed.remove();
    throw e;
  }
  return bed;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

function inNetns(netns: string, script: string, env: Record<string, string>): ChildProcess {
  const child = spawn('nsenter', [`--net=${netns}`, '--', process.execPath, '-e', script], {
    env: { ...process.env, ...env },
    stdio: 'pipe',
  });
  children.add(child);
  child.on('close', () => children.delete(child));
  return child;
}

// Answers each TCP line or UDP datagram with "<label> saw <client address>"; TCP
// connections stay open until the client ends them (for "established survives" checks).
const SERVER = `
const net = require('node:net'), dgram = require('node:dgram');
const say = (a) => process.env.LABEL + ' saw ' + a + '\\n';
const port = Number(process.env.PORT), host = process.env.HOST;
let n = 0;
const up = () => { if (++n === 2) console.log('listening'); };
net.createServer((c) => { c.setEncoding('utf8'); c.on('data', () => c.write(say(c.remoteAddress))); c.on('error', () => {}); })
  .listen(port, host, up);
const u = dgram.createSocket('udp4');
u.on('message', (m, r) => u.send(say(r.address), r.port, r.address));
u.bind(port, host, up);
`;

export interface Server {
  stop(): void;
}

/** A TCP and UDP server on host:port (every address by default) in `netns`. */
export async function startServer(
  netns: string,
  port: number,
  label: string,
  host = '0.0.0.0',
): Promise<Server> {
  const child = inNetns(netns, SERVER, { PORT: String(port), LABEL: label, HOST: host });
  await new Promise<void>((ok, fail) => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('listening') && ok());
    child.on('exit', (code) => fail(new Error(`server exited (${code}): ${err}`)));
  });
  return { stop: () => child.kill('SIGKILL') };
}

// Runs requests from a client: lines on stdin are "tcp HOST PORT", "udp HOST PORT" or
// "hold HOST PORT" / "again" (a kept connection, asked again); one JSON answer per line.
const CLIENT = `
const net = require('node:net'), dgram = require('node:dgram'), rl = require('node:readline');
let held;
const out = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
const tcp = (host, port, keep) => new Promise((res) => {
  const c = net.connect(Number(port), host); c.setEncoding('utf8');
  const t = setTimeout(() => { c.destroy(); res({ error: 'timeout' }); }, 3000);
  c.on('connect', () => c.write('hi\\n'));
  c.on('data', (d) => { clearTimeout(t); if (keep) held = c; else c.end(); res({ reply: d.trim() }); });
  c.on('error', (e) => { clearTimeout(t); res({ error: e.code || e.message }); });
});
const again = () => new Promise((res) => {
  if (!held) return res({ error: 'nothing held' });
  const t = setTimeout(() => res({ error: 'timeout' }), 3000);
  held.once('data', (d) => { clearTimeout(t); res({ reply: d.trim() }); });
  held.once('error', (e) => { clearTimeout(t); res({ error: e.code || e.message }); });
  held.write('again\\n');
});
const udp = (host, port, sport) => new Promise((res) => {
  const s = dgram.createSocket('udp4');
  if (sport) s.bind(Number(sport));
  const t = setTimeout(() => { s.close(); res({ error: 'timeout' }); }, 1500);
  s.on('message', (m) => { clearTimeout(t); s.close(); res({ reply: m.toString().trim() }); });
  s.on('error', (e) => { clearTimeout(t); s.close(); res({ error: e.code || e.message }); });
  s.send('hi', Number(port), host);
});
let chain = Promise.resolve();
rl.createInterface({ input: process.stdin }).on('line', (l) => {
  const [op, host, port, sport] = l.split(' ');
  chain = chain.then(async () => out(op === 'udp' ? await udp(host, port, sport) : op === 'again' ? await again() : await tcp(host, port, op === 'hold')));
});
`;

export interface Answer {
  reply?: string;
  error?: string;
}

export interface Client {
  tcp(host: string, port: number): Promise<Answer>;
  /** A datagram, from `sourcePort` when given (the same flow each time). */
  udp(host: string, port: number, sourcePort?: number): Promise<Answer>;
  /** Opens a connection and keeps it; again() asks on it once more. */
  hold(host: string, port: number): Promise<Answer>;
  again(): Promise<Answer>;
  stop(): void;
}

/** A client process in `netns` taking requests one after another. */
export function startClient(netns: string): Client {
  const child = inNetns(netns, CLIENT, {});
  const waiting: ((a: Answer) => void)[] = [];
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      waiting.shift()?.(JSON.parse(line) as Answer);
    }
  });
  const ask = (line: string): Promise<Answer> =>
    new Promise((res) => {
      waiting.push(res);
      child.stdin?.write(line + '\n');
    });
  return {
    tcp: (h, p) => ask(`tcp ${h} ${p}`),
    udp: (h, p, s) => ask(`udp ${h} ${p}${s ? ` ${s}` : ''}`),
    hold: (h, p) => ask(`hold ${h} ${p}`),
    again: () => ask('again'),
    stop: () => child.kill('SIGKILL'),
  };
}

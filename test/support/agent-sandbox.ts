// Test hosts: network namespaces that play the node, so tests never add an interface, a
// route or a rule to the machine's own namespace. Plus tiny TCP servers and clients run
// inside a namespace, to see traffic really flow.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { run, which } from '../../src/agent/sandbox/exec.js';
import { testCommandRunner as runner } from './command-runner.js';

/** Why the namespace tests cannot run here, or undefined when they can. */
export function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const tool of ['ip', 'nft', 'nsenter', 'unshare'])
    if (!which(tool)) return `"${tool}" is not installed (apt-get install iproute2 nftables)`;
  return undefined;
}

export interface TestNetns {
  name: string;
  path: string;
  run(argv: string[], input?: string): Promise<string>;
  remove(): Promise<void>;
}

export async function createTestNetns(prefix = 'skiff-test'): Promise<TestNetns> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await run(runner, ['ip', 'netns', 'add', name]);
  const path = `/run/netns/${name}`;
  const ns: TestNetns = {
    name,
    path,
    run: (argv, input) => run(runner, argv, { netns: path, ...(input ? { input } : {}) }),
    remove: async () => {
      await run(runner, ['ip', 'netns', 'del', name]).catch(() => undefined);
    },
  };
  await ns.run(['ip', 'link', 'set', 'dev', 'lo', 'up']);
  return ns;
}

const SERVER = `
const net = require('node:net');
const s = net.createServer((c) => c.end(process.env.LABEL + ' saw ' + c.remoteAddress + '\\n'));
s.listen(Number(process.env.PORT), process.env.HOST, () => console.log('listening'));
`;

const CLIENT = `
const c = require('node:net').connect(Number(process.env.PORT), process.env.HOST);
let d = '';
c.setEncoding('utf8');
c.on('data', (x) => (d += x));
c.on('end', () => process.stdout.write(d));
c.on('error', (e) => { console.error(e.message); process.exit(1); });
c.setTimeout(5000, () => { console.error('timed out'); process.exit(2); });
`;

export interface TestServer {
  stop(): void;
}

/** A TCP server in `netns` answering "<label> saw <client address>". */
export async function serve(
  netns: string,
  host: string,
  port: number,
  label: string,
): Promise<TestServer> {
  const child: ChildProcess = spawn(
    which('nsenter') ?? 'nsenter',
    [`--net=${netns}`, '--', process.execPath, '-e', SERVER],
    { env: { ...process.env, HOST: host, PORT: String(port), LABEL: label }, stdio: 'pipe' },
  );
  await new Promise<void>((ok, fail) => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) ok();
    });
    child.on('exit', (code) => fail(new Error(`server exited (${code}): ${err}`)));
  });
  return { stop: () => child.kill('SIGKILL') };
}

/** Connects from `netns` and returns what the server said. */
export function connect(netns: string, host: string, port: number): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn(
      which('nsenter') ?? 'nsenter',
      [`--net=${netns}`, '--', process.execPath, '-e', CLIENT],
      { env: { ...process.env, HOST: host, PORT: String(port) }, stdio: 'pipe' },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) =>
      code === 0 ? ok(out.trim()) : fail(new Error(`connect ${host}:${port}: ${err.trim()}`)),
    );
  });
}

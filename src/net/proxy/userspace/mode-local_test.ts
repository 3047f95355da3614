// The agent's case: the mode runs in the node's own namespace (no `netns` option), so every
// socket is made in-process. A child process under nsenter plays that agent (as root, or as
// nobody for a machine without root), taking states as JSON lines on stdin and answering
// "synced" (or "closed") on stdout.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { skipReason } from '../../../../test/support/agent-sandbox.js';
import { servicePortKey, type ProxyServicePort } from '../types.js';
import { endpoint, servicePort } from './fixtures_test.js';
import { createLab, GATEWAY, NODE_IP, type Lab, type Pod } from './lab_test.js';
import type { SocketHost } from './sockets.js';

const skip = skipReason();

// The modules the child imports, with this file's extension (.ts from source, .js from dist/).
const ext = import.meta.url.slice(import.meta.url.lastIndexOf('.'));
const moduleUrl = (rel: string): string => JSON.stringify(new URL(rel + ext, import.meta.url).href);

const AGENT = `
import { createUserspaceMode } from ${moduleUrl('./mode')};
import { createLogger } from ${moduleUrl('../../../log/index')};
import { createInterface } from 'node:readline';
const mode = createUserspaceMode({
  node: JSON.parse(process.env.NODE_INFO),
  logger: createLogger({ level: 'warn' }),
  dialTimeoutsMs: [300, 300],
});
for await (const line of createInterface({ input: process.stdin })) {
  const m = JSON.parse(line);
  if (m.close) { await mode.close(); console.log('closed'); process.exit(0); }
  const state = new Map(m.state.map((sp) => [sp.key, sp]));
  await mode.sync(state, new Set(state.keys()));
  console.log('synced');
}
`;

interface Agent {
  apply(...sps: ProxyServicePort[]): Promise<void>;
  close(): Promise<void>;
  /** What it logged so far. */
  stderr(): string;
  kill(): void;
}

function startAgent(lab: Lab, asNobody: boolean): Agent {
  const node = [process.execPath, ...process.execArgv, '--input-type=module', '-e', AGENT];
  const argv = asNobody
    ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...node]
    : node;
  const child: ChildProcessWithoutNullStreams = spawn(
    'nsenter',
    [`--net=${lab.node.path}`, '--', ...argv],
    {
      env: {
        ...process.env,
        NODE_INFO: JSON.stringify({
          name: 'node-1',
          addresses: [NODE_IP],
          clusterCIDR: '10.244.0.0/16',
        }),
      },
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const send = async (m: object, expect: string): Promise<void> => {
    child.stdin.write(JSON.stringify(m) + '\n');
    const r = await replies.next();
    assert.equal(r.value, expect, `the agent said ${String(r.value)}; its log: ${stderr}`);
  };
  return {
    apply: (...sps) =>
      send({ state: sps.map((sp) => ({ ...sp, key: servicePortKey(sp) })) }, 'synced'),
    close: () => send({ close: true }, 'closed'),
    stderr: () => stderr,
    kill: () => child.kill('SIGKILL'),
  };
}

async function read(h: SocketHost, ip: string, port: number): Promise<string> {
  const s = await h.dialTcp(ip, port, 3000);
  s.setEncoding('utf8');
  let got = '';
  for await (const d of s) got += d as string;
  return got.trim();
}

const nodePortService = (pod: Pod) =>
  servicePort({
    clusterIPs: ['10.96.0.10'],
    nodePort: 30123,
    endpoints: [endpoint(pod.ip, { port: 8081 })],
  });

describe(
  'userspace mode in its own namespace (in-process sockets)',
  { skip, timeout: 60_000 },
  () => {
    let lab: Lab;
    let agent: Agent;
    before(async () => {
      lab = await createLab(2);
      agent = startAgent(lab, false);
    });
    after(async () => {
      agent?.kill();
      await lab?.remove();
    });

    test('cluster IP, NodePort, UDP and refusal, then close removes the interface', async () => {
      const [a, b] = lab.pods as [Pod, Pod];
      const fromPod = lab.sockets(b.ns);
      const fromOutside = lab.sockets(lab.outside);
      const tcp = nodePortService(a);
      const udp = servicePort({
        name: 'dns',
        protocol: 'UDP',
        port: 53,
        clusterIPs: ['10.96.0.53'],
        endpoints: [endpoint(a.ip, { port: 5353 })],
      });
      await agent.apply(tcp, udp);
      assert.equal(await read(fromPod, '10.96.0.10', 80), `pod-1 saw ${GATEWAY}`);
      assert.equal(await read(fromOutside, NODE_IP, 30123), `pod-1 saw ${GATEWAY}`);
      const u = await fromPod.openUdp('udp4');
      const answer = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no UDP answer')), 3000);
        u.once('message', (m, r) => {
          clearTimeout(t);
          resolve(`${m.toString()} from ${r.address}:${r.port}`);
        });
        u.send('hi', 53, '10.96.0.53');
      });
      u.close();
      assert.equal(answer, `pod-1 saw ${GATEWAY}: hi from 10.96.0.53:53`);
      await agent.apply({ ...tcp, endpoints: [] }, udp);
      await assert.rejects(read(fromPod, '10.96.0.10', 80), { code: 'ECONNREFUSED' });
      await agent.close();
      await assert.rejects(
        lab.node.run(['ip', 'link', 'show', 'dev', 'skiff-svc0']),
        /does not exist/,
      );
    });
  },
);

describe('userspace mode without root', { skip, timeout: 60_000 }, () => {
  let lab: Lab;
  let agent: Agent;
  before(async () => {
    lab = await createLab(1);
    agent = startAgent(lab, true);
  });
  after(async () => {
    agent?.kill();
    await lab?.remove();
  });

  test('NodePorts are still served; one warning says why cluster IPs are not', async () => {
    await agent.apply(nodePortService(lab.pods[0] as Pod));
    assert.equal(await read(lab.sockets(lab.outside), NODE_IP, 30123), `pod-1 saw ${GATEWAY}`);
    await agent.apply(
      nodePortService(lab.pods[0] as Pod),
      servicePort({ name: 'other', clusterIPs: ['10.96.0.11'] }),
    );
    const warnings = agent
      .stderr()
      .split('\n')
      .filter((l) => l.includes('"level":"warn"'));
    assert.equal(warnings.length, 1, agent.stderr());
    assert.match(
      warnings[0] as string,
      /service addresses cannot be put on the node: only NodePorts and addresses already local are served.*Operation not permitted/,
    );
    await assert.rejects(
      lab.node.run(['ip', 'link', 'show', 'dev', 'skiff-svc0']),
      /does not exist/,
    );
  });
});

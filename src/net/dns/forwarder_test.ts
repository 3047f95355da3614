// Names outside the cluster: forwarded to an upstream resolver (a real unbound with a local
// zone, in a second network namespace joined to the server's by a veth pair), cached, and
// SERVFAIL within the budget when the upstream is silent. ExternalName targets outside the
// cluster are looked up there too.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createDnsNetns,
  dig,
  k8s,
  parseDig,
  run,
  startDnsFixture,
  type DnsFixture,
  type DnsNetns,
} from '../../../test/support/dns.js';
import { parseUpstream, upstreamsFromResolvConf } from './forwarder.js';

test('upstreams come from resolv.conf without loopback stubs', () => {
  const conf = [
    '# written by systemd-resolved',
    'nameserver 127.0.0.53',
    'nameserver 10.0.0.2',
    'nameserver ::1',
    'nameserver fe80::1%eth0',
    'search corp.example',
    'nameserver 2001:db8::53',
  ].join('\n');
  assert.deepEqual(upstreamsFromResolvConf(conf), ['10.0.0.2', 'fe80::1', '2001:db8::53']);
  assert.deepEqual(parseUpstream('10.0.0.2'), { host: '10.0.0.2', port: 53 });
  assert.deepEqual(parseUpstream('10.0.0.2:5353'), { host: '10.0.0.2', port: 5353 });
  assert.deepEqual(parseUpstream('[2001:db8::53]:53'), { host: '2001:db8::53', port: 53 });
});

const skip =
  process.getuid?.() !== 0
    ? 'needs root (network namespaces)'
    : ['dig', 'nsenter', 'unbound'].find(
          (t) => spawnSync('sh', ['-c', `command -v ${t} || test -x /usr/sbin/${t}`]).status !== 0,
        )
      ? 'dig, nsenter or unbound is not installed'
      : false;

const UPSTREAM = '10.53.0.2';
const SERVER = '10.53.0.1';
const SILENT = '10.53.0.99';

function unboundConfig(dir: string): string {
  return `server:
  interface: ${UPSTREAM}
  port: 53
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "${dir}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 0
  access-control: 0.0.0.0/0 allow
  do-ip6: no
  module-config: "iterator"
  local-zone: "external.test." static
  local-data: "www.external.test. 60 IN A 192.0.2.80"
  local-data: "www.external.test. 60 IN AAAA 2001:db8::80"
  local-data: "short.external.test. 1 IN A 192.0.2.81"
  local-data: "external.test. 60 IN SOA ns.external.test. admin.external.test. 1 3600 600 86400 30"
remote-control:
  control-enable: no
`;
}

describe('forwarding to the host resolvers', { skip }, () => {
  let server: DnsNetns;
  let upstream: DnsNetns;
  let unbound: ChildProcess | undefined;
  let dns: DnsFixture;
  let silentDns: DnsFixture;
  const dir = mkdtempSync(join(tmpdir(), 'skiff-unbound-'));

  before(async () => {
    server = createDnsNetns('skiff-dns');
    upstream = createDnsNetns('skiff-dnsup');
    const ip = (args: string[]): void => {
      const r = spawnSync('ip', args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
    };
    ip([
      'link',
      'add',
      'dnsa',
      'netns',
      server.name,
      'type',
      'veth',
      'peer',
      'name',
      'dnsb',
      'netns',
      upstream.name,
    ]);
    ip(['-n', server.name, 'addr', 'add', `${SERVER}/24`, 'dev', 'dnsa']);
    ip(['-n', upstream.name, 'addr', 'add', `${UPSTREAM}/24`, 'dev', 'dnsb']);
    ip(['-n', server.name, 'link', 'set', 'dnsa', 'up']);
    ip(['-n', upstream.name, 'link', 'set', 'dnsb', 'up']);
    writeFileSync(join(dir, 'unbound.conf'), unboundConfig(dir));
    unbound = spawn(
      'nsenter',
      [`--net=${upstream.path}`, '--', 'unbound', '-d', '-c', join(dir, 'unbound.conf')],
      {
        stdio: 'ignore',
      },
    );
    // Ready once it answers.
    for (let i = 0; i < 100; i++) {
      const r = await run(
        'nsenter',
        [
          `--net=${upstream.path}`,
          '--',
          'dig',
          '+time=1',
          '+tries=1',
          `@${UPSTREAM}`,
          'www.external.test',
        ],
        { timeoutMs: 5000 },
      );
      if (/192\.0\.2\.80/.test(r.stdout)) break;
      await new Promise((r2) => setTimeout(r2, 100));
    }
    const objects = [
      k8s.namespace('default'),
      k8s.service('default', 'ext', { type: 'ExternalName', externalName: 'www.external.test' }),
      k8s.service('default', 'gone', {
        type: 'ExternalName',
        externalName: 'nothing.external.test',
      }),
    ];
    dns = await startDnsFixture(server.path, objects, {
      host: SERVER,
      port: 53,
      metricsPort: 9153,
      upstreams: [UPSTREAM],
    });
    silentDns = await startDnsFixture(server.path, objects, {
      host: '127.0.0.1',
      port: 53,
      upstreams: [SILENT],
      forwardTimeoutMs: 500,
    });
  });
  after(async () => {
    await dns?.stop();
    await silentDns?.stop();
    if (unbound && unbound.exitCode === null) {
      const exited = new Promise((r) => unbound?.once('exit', r));
      unbound.kill('SIGTERM');
      await exited;
    }
    upstream?.remove();
    server?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a name outside the cluster is answered by the upstream; recursion available', async () => {
    const r = parseDig((await dig(server.path, [`@${SERVER}`, 'www.external.test'])).stdout);
    assert.equal(r.status, 'NOERROR');
    assert.ok(r.flags.includes('ra') && !r.flags.includes('aa'), r.flags.join(' '));
    assert.equal(r.answers.length, 1);
    assert.match(r.answers[0] ?? '', /^www\.external\.test\. \d+ IN A 192\.0\.2\.80$/);
  });

  test('the upstream NXDOMAIN passes through with its SOA', async () => {
    const r = parseDig((await dig(server.path, [`@${SERVER}`, 'nothing.external.test'])).stdout);
    assert.equal(r.status, 'NXDOMAIN');
    assert.match(r.authority[0] ?? '', /^external\.test\. \d+ IN SOA ns\.external\.test\./);
  });

  test('answers are cached: the second question is a cache hit', async () => {
    const metrics = async (): Promise<string> =>
      (
        await run(
          'nsenter',
          [`--net=${server.path}`, '--', 'curl', '-s', `http://${SERVER}:9153/metrics`],
          { timeoutMs: 10_000 },
        )
      ).stdout;
    const hits = (text: string): number =>
      Number(/coredns_cache_hits_total\{[^}]*type="success"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
    await dig(server.path, [`@${SERVER}`, 'www.external.test', 'AAAA']);
    const before_ = hits(await metrics());
    const r = parseDig(
      (await dig(server.path, [`@${SERVER}`, 'www.external.test', 'AAAA'])).stdout,
    );
    assert.match(r.answers[0] ?? '', /IN AAAA 2001:db8::80$/);
    const text = await metrics();
    assert.equal(hits(text), before_ + 1);
    assert.match(
      text,
      /coredns_proxy_request_duration_seconds_count\{proxy_name="forward",rcode="NOERROR",to="10\.53\.0\.2:53"\} \d+/,
    );
    assert.match(
      text,
      /coredns_dns_requests_total\{server="dns:\/\/10\.53\.0\.1:53",zone=".",view="",proto="udp",family="1",type="AAAA"\} \d+/,
    );
  });

  test("an ExternalName outside the cluster: the CNAME and the target's addresses", async () => {
    const r = parseDig(
      (await dig(server.path, [`@${SERVER}`, 'ext.default.svc.cluster.local'])).stdout,
    );
    assert.equal(r.status, 'NOERROR');
    assert.deepEqual(r.answers[0], 'ext.default.svc.cluster.local. 5 IN CNAME www.external.test.');
    assert.match(r.answers[1] ?? '', /^www\.external\.test\. \d+ IN A 192\.0\.2\.80$/);
    // A target that does not resolve leaves NODATA.
    const gone = parseDig(
      (await dig(server.path, [`@${SERVER}`, 'gone.default.svc.cluster.local'])).stdout,
    );
    assert.equal(gone.status, 'NOERROR');
    assert.deepEqual(gone.answers, []);
  });

  test('a silent upstream gives SERVFAIL within the budget, not a hang', async () => {
    const t0 = performance.now();
    const r = parseDig(
      (await dig(server.path, ['+time=5', '@127.0.0.1', 'www.external.test'])).stdout,
    );
    const ms = performance.now() - t0;
    assert.equal(r.status, 'SERVFAIL');
    assert.ok(ms < 2000, `took ${Math.round(ms)} ms`);
    // Cluster names do not wait for the upstream at all.
    const k = parseDig(
      (await dig(server.path, ['@127.0.0.1', 'dns-version.cluster.local', 'TXT'])).stdout,
    );
    assert.equal(k.status, 'NOERROR');
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { ensureClusterPki, userFromCertificate } from '../pki/index.js';
import {
  adminKubeconfig,
  clientOptionsFromKubeconfig,
  kubeconfigPaths,
  loadKubeconfig,
  mergeContextInto,
  mergeKubeconfigs,
  parseKubeconfig,
  renderAdminKubeconfig,
  writeKubeconfigFile,
  type Kubeconfig,
} from './kubeconfig.js';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
const hasKubectl = existsSync(KUBECTL);
const run = promisify(execFile);

const root = mkdtempSync(join(tmpdir(), 'skiff-kubeconfig-'));
after(() => rmSync(root, { recursive: true, force: true }));
const pki = ensureClusterPki({ dir: join(root, 'pki') });
let counter = 0;
const tempPath = (name: string): string => join(root, `${counter++}-${name}`);

async function kubectl(args: string[], env: Record<string, string> = {}): Promise<string> {
  const cacheDir = tempPath('cache');
  const { stdout } = await run(KUBECTL, [...args, '--cache-dir', cacheDir], {
    env: { PATH: process.env.PATH ?? '', HOME: root, ...env },
  });
  return stdout;
}

const admin = (server = 'https://127.0.0.1:6443'): string =>
  renderAdminKubeconfig({
    server,
    caPem: pki.ca.certPem,
    certPem: pki.admin.certPem,
    keyPem: pki.admin.keyPem,
  });

function file(name: string, text: string): string {
  const path = tempPath(name);
  writeFileSync(path, text);
  return path;
}

describe('renderAdminKubeconfig', () => {
  it('embeds the CA, certificate and key as base64 data', () => {
    const cfg = parse(admin()) as Kubeconfig;
    assert.equal(cfg['current-context'], 'skiff');
    assert.deepEqual(cfg.contexts, [
      { context: { cluster: 'skiff', user: 'skiff-admin' }, name: 'skiff' },
    ]);
    const cluster = cfg.clusters[0]?.cluster;
    assert.equal(cluster?.server, 'https://127.0.0.1:6443');
    assert.equal(
      Buffer.from(cluster?.['certificate-authority-data'] ?? '', 'base64').toString(),
      pki.ca.certPem,
    );
    const user = cfg.users[0]?.user;
    assert.equal(
      Buffer.from(user?.['client-certificate-data'] ?? '', 'base64').toString(),
      pki.admin.certPem,
    );
    assert.equal(
      Buffer.from(user?.['client-key-data'] ?? '', 'base64').toString(),
      pki.admin.keyPem,
    );
  });

  it('takes other names', () => {
    const cfg = parse(
      renderAdminKubeconfig({
        server: 'https://10.0.0.1:6443',
        caPem: 'ca',
        certPem: 'c',
        keyPem: 'k',
        clusterName: 'lab',
        userName: 'lab-admin',
        contextName: 'lab-ctx',
      }),
    ) as Kubeconfig;
    assert.deepEqual(cfg.contexts, [
      { context: { cluster: 'lab', user: 'lab-admin' }, name: 'lab-ctx' },
    ]);
    assert.equal(cfg['current-context'], 'lab-ctx');
  });

  it(
    'is read by kubectl config view --minify',
    { skip: !hasKubectl && 'kubectl.1.33 is absent' },
    async () => {
      const path = file('admin.yaml', admin());
      const minified = await kubectl(['config', 'view', '--minify', '--kubeconfig', path]);
      assert.match(minified, /server: https:\/\/127\.0\.0\.1:6443/);
      assert.match(minified, /certificate-authority-data: DATA\+OMITTED/);
      assert.match(minified, /client-key-data: DATA\+OMITTED/);
      assert.match(minified, /current-context: skiff/);
      // kubectl prints the raw file back exactly as Skiff wrote it.
      const raw = await kubectl(['config', 'view', '--raw', '--kubeconfig', path]);
      assert.equal(raw, admin());
    },
  );

  it(
    'lets kubectl authenticate to a server with the cluster certificates',
    { skip: !hasKubectl && 'kubectl.1.33 is absent' },
    async () => {
      const seen: unknown[] = [];
      const server = createServer(
        {
          cert: pki.apiserver.certPem,
          key: pki.apiserver.keyPem,
          ca: pki.ca.certPem,
          requestCert: true,
          rejectUnauthorized: false,
        },
        (req, res) => {
          const socket = req.socket as TLSSocket;
          seen.push(
            socket.authorized ? userFromCertificate(socket.getPeerCertificate()) : 'anonymous',
          );
          res.setHeader('content-type', 'application/json');
          res.end('{"major":"1","minor":"33","gitVersion":"v1.33.0"}');
        },
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        for (const host of ['127.0.0.1', 'localhost']) {
          const path = file('live.yaml', admin(`https://${host}:${port}`));
          const out = await kubectl(['--kubeconfig', path, 'get', '--raw', '/version']);
          assert.equal(JSON.parse(out).gitVersion, 'v1.33.0');
        }
        assert.ok(seen.length >= 2);
        for (const user of seen)
          assert.deepEqual(user, { name: 'skiff-admin', groups: ['system:masters'] });
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    },
  );
});

const FIRST = `apiVersion: v1
kind: Config
clusters:
- name: shared
  cluster:
    server: https://first.example:6443
- name: only-first
  cluster:
    server: https://only-first.example
contexts:
- name: shared-ctx
  context:
    cluster: shared
    user: shared-user
users:
- name: shared-user
  user:
    token: first-token
`;

const SECOND = `apiVersion: v1
kind: Config
current-context: second-ctx
clusters:
- name: shared
  cluster:
    server: https://second.example:6443
    insecure-skip-tls-verify: true
- name: only-second
  cluster:
    server: https://only-second.example
contexts:
- name: second-ctx
  context:
    cluster: only-second
    user: shared-user
    namespace: apps
users:
- name: shared-user
  user:
    token: second-token
    username: ignored-because-first-wins
`;

const THIRD = `apiVersion: v1
kind: Config
current-context: third-ctx
contexts:
- name: third-ctx
  context:
    cluster: shared
    user: shared-user
`;

describe('mergeKubeconfigs', () => {
  it('lets the first file win each name and the current context', () => {
    const paths = [
      file('first.yaml', FIRST),
      join(root, 'missing.yaml'),
      file('second.yaml', SECOND),
      file('third.yaml', THIRD),
    ];
    const merged = mergeKubeconfigs(paths);
    assert.equal(merged['current-context'], 'second-ctx');
    assert.deepEqual(
      merged.clusters.map((c) => [c.name, c.cluster.server]),
      [
        ['shared', 'https://first.example:6443'],
        ['only-first', 'https://only-first.example'],
        ['only-second', 'https://only-second.example'],
      ],
    );
    // The whole entry comes from the first file: no fields are mixed in from later ones.
    assert.deepEqual(merged.users, [{ name: 'shared-user', user: { token: 'first-token' } }]);
    assert.deepEqual(
      merged.contexts.map((c) => c.name),
      ['shared-ctx', 'second-ctx', 'third-ctx'],
    );
  });

  it(
    'agrees with kubectl merging the same KUBECONFIG list',
    { skip: !hasKubectl && 'kubectl.1.33 is absent' },
    async () => {
      const paths = [
        file('first.yaml', FIRST),
        join(root, 'missing.yaml'),
        file('second.yaml', SECOND),
        file('third.yaml', THIRD),
      ];
      const out = await kubectl(['config', 'view', '--raw', '-o', 'json'], {
        KUBECONFIG: paths.join(':'),
      });
      const theirs = JSON.parse(out) as Kubeconfig;
      const ours = mergeKubeconfigs(paths);
      const byName = <T extends { name: string }>(items: T[] | null): T[] =>
        [...(items ?? [])].sort((a, b) => a.name.localeCompare(b.name));
      assert.equal(ours['current-context'], theirs['current-context']);
      assert.deepEqual(byName(ours.clusters), byName(theirs.clusters));
      assert.deepEqual(byName(ours.users), byName(theirs.users));
      assert.deepEqual(byName(ours.contexts), byName(theirs.contexts));
    },
  );

  it('resolves relative file references against each file’s folder', () => {
    const dir = tempPath('nested');
    mkdirSync(join(dir, 'certs'), { recursive: true });
    writeFileSync(join(dir, 'certs', 'ca.crt'), pki.ca.certPem);
    writeFileSync(join(dir, 'certs', 'admin.crt'), pki.admin.certPem);
    writeFileSync(join(dir, 'certs', 'admin.key'), pki.admin.keyPem);
    writeFileSync(join(dir, 'token'), 'file-token\n');
    const path = join(dir, 'config');
    writeFileSync(
      path,
      `clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1", certificate-authority: certs/ca.crt}
users:
- name: u
  user: {client-certificate: certs/admin.crt, client-key: ./certs/admin.key, tokenFile: token}
contexts:
- name: x
  context: {cluster: c, user: u, namespace: team}
current-context: x
`,
    );
    const cfg = loadKubeconfig(path);
    assert.equal(cfg.clusters[0]?.cluster['certificate-authority'], join(dir, 'certs', 'ca.crt'));
    assert.equal(cfg.users[0]?.user['client-key'], join(dir, 'certs', 'admin.key'));
    // Options read the files, wherever the process runs.
    const options = clientOptionsFromKubeconfig(mergeKubeconfigs([path]));
    assert.deepEqual(options, {
      server: 'https://127.0.0.1:1',
      ca: pki.ca.certPem,
      cert: pki.admin.certPem,
      key: pki.admin.keyPem,
      token: 'file-token',
      insecure: false,
      namespace: 'team',
      context: 'x',
    });
  });

  it('reports unreadable files with their path', () => {
    const bad = file('bad.yaml', 'clusters: [\n');
    assert.throws(() => mergeKubeconfigs([bad]), /error loading config file ".*bad\.yaml"/);
    const dup = file('dup.yaml', 'clusters:\n- name: a\n  cluster: {}\n- name: a\n  cluster: {}\n');
    assert.throws(() => loadKubeconfig(dup), /duplicate name "a" in clusters/);
    assert.throws(() => loadKubeconfig(join(root, 'nope.yaml')), /ENOENT/);
    assert.deepEqual(parseKubeconfig('').clusters, []);
  });

  it('finds the files kubectl would read', () => {
    assert.deepEqual(kubeconfigPaths({ KUBECONFIG: '/a:/b::/a' }, '/home/x'), ['/a', '/b']);
    assert.deepEqual(kubeconfigPaths({}, '/home/x'), ['/home/x/.kube/config']);
  });
});

const EXISTING = `# my clusters
apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://prod.example:6443
  name: prod
- cluster:
    server: https://old-skiff:6443
  name: skiff
contexts:
- context:
    cluster: prod
    user: prod-admin
    namespace: web # where I work
  name: prod
users:
- name: prod-admin
  user:
    token: prod-token
current-context: prod
preferences: {}
`;

describe('mergeContextInto', () => {
  const skiff = adminKubeconfig({
    server: 'https://127.0.0.1:6443',
    caPem: pki.ca.certPem,
    certPem: pki.admin.certPem,
    keyPem: pki.admin.keyPem,
  });

  it('adds the skiff entries and keeps everything else, comments included', () => {
    const text = mergeContextInto(EXISTING, skiff, { setCurrent: false });
    assert.match(text, /^# my clusters\n/);
    assert.match(text, /namespace: web # where I work/);
    const cfg = parseKubeconfig(text);
    assert.equal(cfg['current-context'], 'prod');
    assert.deepEqual(
      cfg.clusters.map((c) => [c.name, c.cluster.server]),
      [
        ['prod', 'https://prod.example:6443'],
        ['skiff', 'https://127.0.0.1:6443'],
      ],
    );
    assert.deepEqual(
      cfg.contexts.map((c) => c.name),
      ['prod', 'skiff'],
    );
    assert.deepEqual(
      cfg.users.map((u) => u.name),
      ['prod-admin', 'skiff-admin'],
    );
    assert.deepEqual(cfg.users[0], { name: 'prod-admin', user: { token: 'prod-token' } });
  });

  it('switches the current context when asked, and is idempotent', () => {
    const once = mergeContextInto(EXISTING, skiff, { setCurrent: true });
    assert.equal(parseKubeconfig(once)['current-context'], 'skiff');
    assert.equal(mergeContextInto(once, skiff, { setCurrent: true }), once);
  });

  it('writes a new file when there is none', () => {
    const text = mergeContextInto(undefined, skiff, { setCurrent: false });
    assert.deepEqual(parseKubeconfig(text), parseKubeconfig(admin()));
    const fromComments = mergeContextInto('# nothing yet\n', skiff, { setCurrent: false });
    assert.equal(parseKubeconfig(fromComments)['current-context'], 'skiff');
  });

  it(
    'produces a file kubectl lists both contexts from',
    { skip: !hasKubectl && 'kubectl.1.33 is absent' },
    async () => {
      const path = tempPath('config');
      writeKubeconfigFile(path, mergeContextInto(EXISTING, skiff, { setCurrent: true }));
      assert.equal(statSync(path).mode & 0o777, 0o600);
      const names = await kubectl(['config', 'get-contexts', '-o', 'name', '--kubeconfig', path]);
      assert.deepEqual(names.trim().split('\n').sort(), ['prod', 'skiff']);
      const current = await kubectl(['config', 'current-context', '--kubeconfig', path]);
      assert.equal(current.trim(), 'skiff');
      assert.equal(readFileSync(path, 'utf8').includes('prod-token'), true);
    },
  );
});

describe('clientOptionsFromKubeconfig', () => {
  it('decodes embedded data for the current or a named context', () => {
    const cfg = parseKubeconfig(
      mergeContextInto(
        EXISTING,
        adminKubeconfig({
          server: 'https://127.0.0.1:6443',
          caPem: pki.ca.certPem,
          certPem: pki.admin.certPem,
          keyPem: pki.admin.keyPem,
        }),
        { setCurrent: false },
      ),
    );
    assert.deepEqual(clientOptionsFromKubeconfig(cfg, 'skiff'), {
      server: 'https://127.0.0.1:6443',
      ca: pki.ca.certPem,
      cert: pki.admin.certPem,
      key: pki.admin.keyPem,
      insecure: false,
      namespace: 'default',
      context: 'skiff',
    });
    assert.deepEqual(clientOptionsFromKubeconfig(cfg), {
      server: 'https://prod.example:6443',
      token: 'prod-token',
      insecure: false,
      namespace: 'web',
      context: 'prod',
    });
  });

  it('says what is missing', () => {
    const cfg = parseKubeconfig(SECOND);
    assert.equal(
      clientOptionsFromKubeconfig(parseKubeconfig(FIRST), 'shared-ctx').token,
      'first-token',
    );
    assert.throws(() => clientOptionsFromKubeconfig(parseKubeconfig(FIRST)), /no current-context/);
    assert.throws(() => clientOptionsFromKubeconfig(cfg, 'nope'), /context "nope" does not exist/);
    assert.throws(
      () => clientOptionsFromKubeconfig(cfg),
      /user "shared-user" uses username credentials/,
    );
    const noCluster = parseKubeconfig(THIRD);
    assert.throws(
      () => clientOptionsFromKubeconfig(noCluster),
      /cluster "shared" was not found for context "third-ctx"/,
    );
  });

  it('honours insecure-skip-tls-verify', () => {
    const cfg = parseKubeconfig(`clusters:
- name: c
  cluster: {server: "https://h:1", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: t}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`);
    assert.deepEqual(clientOptionsFromKubeconfig(cfg), {
      server: 'https://h:1',
      token: 't',
      insecure: true,
      namespace: 'default',
      context: 'x',
    });
  });
});

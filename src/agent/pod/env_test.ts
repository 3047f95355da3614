import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { containerArgv, expandVars } from './command.js';
import { containerEnv, EnvError, serviceEnv } from './env.js';

const svc = (name: string, ns: string, ip: string, ports: object[]): KubeObject => ({
  metadata: { name, namespace: ns },
  spec: { clusterIP: ip, ports },
});

describe('container argv', () => {
  it('combines command/args with the image entrypoint/cmd as Kubernetes does', () => {
    const image = { Entrypoint: ['/ep'], Cmd: ['c1'] };
    const env = new Map([['X', 'x']]);
    assert.deepEqual(containerArgv({}, image, env), ['/ep', 'c1']);
    assert.deepEqual(containerArgv({ args: ['a'] }, image, env), ['/ep', 'a']);
    assert.deepEqual(containerArgv({ command: ['/bin/sh'] }, image, env), ['/bin/sh']);
    assert.deepEqual(
      containerArgv({ command: ['/bin/sh'], args: ['-c', 'echo $(X)'] }, image, env),
      ['/bin/sh', '-c', 'echo x'],
    );
  });
  it('expands $(VAR), keeps unknown references and unescapes $$', () => {
    const env = new Map([['A', '1']]);
    assert.equal(expandVars('$(A)-$(B)-$$(A)', env), '1-$(B)-$(A)');
  });
});

describe('container environment', () => {
  const pod: KubeObject = {
    metadata: { name: 'kubia-x', namespace: 'default', uid: 'u1', labels: { app: 'kubia' } },
    spec: { nodeName: 'n1', serviceAccountName: 'default' },
  };
  const sources = {
    pod,
    services: [
      svc('kubernetes', 'default', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]),
      svc('kubia', 'default', '10.111.249.153', [{ port: 80, protocol: 'TCP' }]),
      svc('other', 'elsewhere', '10.96.5.5', [{ port: 80 }]),
    ],
    configMap: (_ns: string, name: string) =>
      name === 'cfg' ? { metadata: { name }, data: { LEVEL: 'debug', 'bad key': 'x' } } : undefined,
    secret: (_ns: string, name: string) =>
      name === 'sec'
        ? { metadata: { name }, data: { TOKEN: Buffer.from('s3cret').toString('base64') } }
        : undefined,
    podIP: '10.244.0.7',
    hostIP: '192.168.0.2',
  };

  it('has the service variables of seed 001 (KUBIA_SERVICE_HOST …)', () => {
    const env = containerEnv({ name: 'c' }, ['PATH=/bin'], sources);
    assert.equal(env.get('KUBIA_SERVICE_HOST'), '10.111.249.153');
    assert.equal(env.get('KUBIA_SERVICE_PORT'), '80');
    assert.equal(env.get('KUBIA_PORT'), 'tcp://10.111.249.153:80');
    assert.equal(env.get('KUBIA_PORT_80_TCP_ADDR'), '10.111.249.153');
    assert.equal(env.get('KUBERNETES_SERVICE_PORT_HTTPS'), '443');
    assert.equal(
      env.get('OTHER_SERVICE_HOST'),
      undefined,
      'services of other namespaces are not linked',
    );
    assert.equal(env.get('PATH'), '/bin');
  });

  it('skips service links with enableServiceLinks: false, except the kubernetes service', () => {
    const env = containerEnv({ name: 'c' }, [], {
      ...sources,
      pod: { ...pod, spec: { enableServiceLinks: false } },
    });
    assert.equal(env.get('KUBIA_SERVICE_HOST'), undefined);
    assert.equal(env.get('KUBERNETES_SERVICE_HOST'), '10.96.0.1');
  });

  it('resolves valueFrom, envFrom and $(VAR) references in order', () => {
    const env = containerEnv(
      {
        name: 'c',
        envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
        env: [
          { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'sec', key: 'TOKEN' } } },
          { name: 'GREETING', value: '$(POD) at $(IP) logs $(CFG_LEVEL)' },
        ],
      },
      [],
      sources,
    );
    assert.equal(env.get('CFG_LEVEL'), 'debug');
    assert.equal(env.has('CFG_bad key'), false);
    assert.equal(env.get('APP'), 'kubia');
    assert.equal(env.get('TOKEN'), 's3cret');
    assert.equal(env.get('GREETING'), 'kubia-x at 10.244.0.7 logs debug');
  });

  it('fails for a missing config map key unless optional', () => {
    assert.throws(
      () =>
        containerEnv(
          {
            name: 'c',
            env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'NOPE' } } }],
          },
          [],
          sources,
        ),
      (e: unknown) =>
        e instanceof EnvError && /couldn't find key NOPE in ConfigMap default\/cfg/.test(e.message),
    );
    const env = containerEnv(
      {
        name: 'c',
        env: [
          {
            name: 'X',
            valueFrom: { configMapKeyRef: { name: 'missing', key: 'k', optional: true } },
          },
        ],
      },
      [],
      sources,
    );
    assert.equal(env.has('X'), false);
  });

  it('produces docker-link names for multi-port services', () => {
    const vars = new Map(
      serviceEnv(
        svc('kubia-multi', 'default', '10.0.0.9', [
          { name: 'http', port: 80, protocol: 'TCP' },
          { name: 'https', port: 443, protocol: 'TCP' },
        ]),
      ),
    );
    assert.equal(vars.get('KUBIA_MULTI_SERVICE_PORT_HTTPS'), '443');
    assert.equal(vars.get('KUBIA_MULTI_PORT_443_TCP'), 'tcp://10.0.0.9:443');
  });
});

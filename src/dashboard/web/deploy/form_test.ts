import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildObjects,
  emptyForm,
  hasErrors,
  randomSuffix,
  validateForm,
  type DeployForm,
} from './form.js';
import { MSG } from './validation.js';

/** Seed 004's example: an app with release, tier, environment and track labels. */
const example = (): DeployForm => ({
  ...emptyForm('default'),
  name: ' web ',
  image: 'nginx:1.25',
  replicas: '2',
  serviceType: 'internal',
  ports: [
    { port: '80', targetPort: '8080', protocol: 'TCP' },
    { port: '', targetPort: '', protocol: 'TCP' },
  ],
  description: 'The front end',
  labels: [
    { key: 'release', value: '1.0' },
    { key: 'tier', value: 'frontend' },
    { key: 'environment', value: 'pod' },
    { key: 'track', value: 'stable' },
    { key: '', value: '' },
  ],
});

describe('deploy form objects', () => {
  it('a Deployment whose labels are its selector and its pods’ labels, and a ClusterIP Service', () => {
    const { deployment, service } = buildObjects(example(), 'abcde');
    const labels = {
      app: 'web',
      version: '1.25',
      release: '1.0',
      tier: 'frontend',
      environment: 'pod',
      track: 'stable',
    };
    assert.deepEqual(deployment, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        labels,
        annotations: { description: 'The front end' },
        namespace: 'default',
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { name: 'web', labels, annotations: { description: 'The front end' } },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'nginx:1.25',
                resources: {},
                securityContext: { privileged: false },
              },
            ],
          },
        },
      },
    });
    assert.deepEqual(service, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'web',
        labels,
        annotations: { description: 'The front end' },
        namespace: 'default',
      },
      spec: {
        selector: labels,
        type: 'ClusterIP',
        ports: [{ name: 'tcp-80-8080-abcde', protocol: 'TCP', port: 80, targetPort: 8080 }],
      },
    });
  });

  it('an external service is a LoadBalancer; no service means no Service', () => {
    assert.equal(
      buildObjects({ ...example(), serviceType: 'external' }, 'x').service?.spec.type,
      'LoadBalancer',
    );
    assert.equal(buildObjects({ ...example(), serviceType: 'none' }, 'x').service, undefined);
  });

  it('advanced options: pull secret, requests, command and args, privileged, variables', () => {
    const f: DeployForm = {
      ...example(),
      imagePullSecret: 'regcred',
      cpu: '0.5',
      memory: '128',
      command: '/bin/server',
      args: '--port 8080  --verbose',
      privileged: true,
      env: [
        { name: 'HOST', value: 'db' },
        { name: 'URL', value: 'http://$(HOST)' },
        { name: '', value: 'ignored' },
      ],
    };
    const { deployment } = buildObjects(f, 'x');
    assert.deepEqual(deployment.spec.template.spec, {
      containers: [
        {
          name: 'web',
          image: 'nginx:1.25',
          command: ['/bin/server'],
          args: ['--port', '8080', '--verbose'],
          env: [
            { name: 'HOST', value: 'db' },
            { name: 'URL', value: 'http://$(HOST)' },
          ],
          resources: { requests: { cpu: '0.5', memory: '128Mi' } },
          securityContext: { privileged: true },
        },
      ],
      imagePullSecrets: [{ name: 'regcred' }],
    });
  });

  it('no description, no annotations; an image without a tag, no version label', () => {
    const { deployment } = buildObjects({ ...example(), description: '', image: 'nginx' }, 'x');
    assert.equal(deployment.metadata.annotations, undefined);
    assert.equal(deployment.metadata.labels.version, undefined);
  });

  it('the example form has no errors; an empty one has the required ones', () => {
    assert.equal(hasErrors(validateForm(example(), new Set())), false);
    const e = validateForm(emptyForm('default'), new Set());
    assert.deepEqual(e.name, [MSG.appNameRequired]);
    assert.deepEqual(e.image, [MSG.imageRequired]);
    assert.equal(hasErrors(e), true);
    assert.equal(hasErrors(validateForm(example(), new Set(['web']))), true);
  });

  it('port names get a suffix of Kubernetes’ name characters', () => {
    let i = 0;
    const s = randomSuffix(() => [0, 0.99, 0.5, 0.1, 0.3][i++]!);
    assert.match(s, /^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(s, 'b9rdl');
  });
});

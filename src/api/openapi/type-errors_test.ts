import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSwagger } from './spec.js';
import { DEFAULT_OPERATIONS } from './catalog.js';
import { typeErrorFinder } from './type-errors.js';

const find = typeErrorFinder(buildSwagger(DEFAULT_OPERATIONS).definitions);
const DEPLOYMENT = { group: 'apps', version: 'v1', kind: 'Deployment' };
const CONFIGMAP = { group: '', version: 'v1', kind: 'ConfigMap' };
const POD = { group: '', version: 'v1', kind: 'Pod' };

const deployment = (spec: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', creationTimestamp: null },
  spec: {
    selector: { matchLabels: { app: 'd' } },
    template: {
      metadata: { labels: { app: 'd' } },
      spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80 }] }] },
    },
    ...spec,
  },
});

void describe('typeErrorFinder', () => {
  void it('accepts a well-typed object, nulls, quantities and int-or-strings', () => {
    assert.equal(find(DEPLOYMENT, deployment({ replicas: 2, strategy: null })), undefined);
    assert.equal(
      find(POD, {
        metadata: { name: 'p' },
        spec: {
          containers: [{ name: 'c', image: 'x', resources: { limits: { cpu: 1, memory: '1Gi' } } }],
          terminationGracePeriodSeconds: 30,
        },
      }),
      undefined,
    );
  });

  void it('words a string for an int32 as encoding/json does', () => {
    assert.equal(
      find(DEPLOYMENT, deployment({ replicas: 'two' })),
      'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
  });

  void it('names the innermost struct and the path without list indices', () => {
    const d = deployment({});
    (d.spec.template.spec.containers[0] as Record<string, unknown>)['ports'] = [
      { containerPort: '80' },
    ];
    assert.equal(
      find(DEPLOYMENT, d),
      'json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32',
    );
  });

  void it('reports map values, fractions, overflows and wrong shapes', () => {
    assert.equal(
      find(CONFIGMAP, { metadata: { name: 'c' }, data: { n: 5 } }),
      'json: cannot unmarshal number into Go struct field ConfigMap.data of type string',
    );
    assert.equal(
      find(DEPLOYMENT, deployment({ replicas: 1.5 })),
      'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
    assert.equal(
      find(DEPLOYMENT, deployment({ replicas: 3_000_000_000 })),
      'json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
    assert.equal(
      find(DEPLOYMENT, { metadata: { name: 'd' }, spec: 'x' }),
      'json: cannot unmarshal string into Go struct field Deployment.spec of type v1.DeploymentSpec',
    );
    assert.equal(
      find(POD, { metadata: { name: 'p' }, spec: { containers: { name: 'c' } } }),
      'json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container',
    );
    assert.equal(
      find(POD, { metadata: { name: 'p', labels: ['a'] } }),
      'json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string',
    );
    assert.equal(
      find(POD, { metadata: { name: 'p' }, spec: { hostNetwork: 'yes' } }),
      'json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool',
    );
  });

  void it('knows nothing of kinds without a schema', () => {
    assert.equal(find({ group: 'x', version: 'v1', kind: 'Y' }, { spec: 1 }), undefined);
  });

  void it('reads an int-or-string that is not a string as an int32, as its decoder does', () => {
    const INGRESS = { group: 'extensions', version: 'v1beta1', kind: 'Ingress' };
    const ingress = (servicePort: unknown) => ({
      spec: { rules: [{ http: { paths: [{ backend: { serviceName: 'a', servicePort } }] } }] },
    });
    const at =
      'Go struct field IngressBackend.spec.rules.http.paths.backend.servicePort of type int32';
    assert.equal(find(INGRESS, ingress({ a: 1 })), `json: cannot unmarshal object into ${at}`);
    assert.equal(find(INGRESS, ingress(1.5)), `json: cannot unmarshal number 1.5 into ${at}`);
    assert.equal(find(INGRESS, ingress(true)), `json: cannot unmarshal bool into ${at}`);
    assert.equal(
      find(INGRESS, ingress(2 ** 31)),
      `json: cannot unmarshal number 2147483648 into ${at}`,
    );
    for (const ok of [80, 'http', '', null, -1])
      assert.equal(find(INGRESS, ingress(ok)), undefined);
    const d = deployment({ strategy: { rollingUpdate: { maxSurge: [1] } } });
    assert.equal(
      find(DEPLOYMENT, d),
      'json: cannot unmarshal array into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32',
    );
  });
});

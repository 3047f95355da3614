import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../../errors.js';
import {
  defaultPodSpec,
  defaultPodTemplate,
  defaultPullPolicy,
  validatePodSpec,
  validatePodTemplateSpec,
} from './index.js';
import type { Obj } from './index.js';
import { formatQuantity, parseQuantity, roundUpMilli } from '../../quantity.js';

const canonical = (v: unknown): string | undefined => {
  const q = parseQuantity(v);
  return q && formatQuantity(roundUpMilli(q));
};

/** Defaults a template-style spec and returns the rendered validation errors. */
function errorsOf(spec: Obj, isPod = false): string[] {
  defaultPodSpec(spec);
  return validatePodSpec(spec, 'spec', { isPod }).map(fieldErrorText);
}

const container = (extra: Obj = {}): Obj => ({ name: 'app', image: 'nginx:1.27', ...extra });

void test('quantities are written back in canonical form, as kube-apiserver does', () => {
  assert.equal(canonical('0.5'), '500m');
  assert.equal(canonical(0.5), '500m');
  assert.equal(canonical('1000m'), '1');
  assert.equal(canonical('2000'), '2k');
  assert.equal(canonical(1), '1');
  assert.equal(canonical('1024Mi'), '1Gi');
  assert.equal(canonical('1.5Gi'), '1536Mi');
  assert.equal(canonical('512Ki'), '512Ki');
  assert.equal(canonical('0.5Ki'), '512');
  assert.equal(canonical('128974848'), '128974848');
  assert.equal(canonical('129e6'), '129e6');
  assert.equal(canonical('1.0001m'), '2m');
  assert.equal(canonical('0'), '0');
  assert.equal(canonical('abc'), undefined);
  assert.equal(canonical('1Zi'), undefined);
  assert.equal(canonical(''), undefined);
});

void test('imagePullPolicy follows the tag: Always for latest or none, IfNotPresent otherwise', () => {
  assert.equal(defaultPullPolicy('nginx'), 'Always');
  assert.equal(defaultPullPolicy('nginx:latest'), 'Always');
  assert.equal(defaultPullPolicy('registry.local:5000/team/app'), 'Always');
  assert.equal(defaultPullPolicy('nginx:1.27'), 'IfNotPresent');
  assert.equal(defaultPullPolicy(`nginx@sha256:${'a'.repeat(64)}`), 'IfNotPresent');
  assert.equal(defaultPullPolicy('registry.local:5000/app:v2'), 'IfNotPresent');
  // Unparsable references fall back to IfNotPresent.
  assert.equal(defaultPullPolicy('NGINX'), 'IfNotPresent');
});

void test('a pod template gets the PodSpec defaults but not the pod-only ones', () => {
  const template: Obj = {
    metadata: { labels: { app: 'web' } },
    spec: { containers: [container()] },
  };
  defaultPodTemplate(template);
  assert.deepEqual(template, {
    metadata: { labels: { app: 'web' }, creationTimestamp: null },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'nginx:1.27',
          imagePullPolicy: 'IfNotPresent',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          resources: {},
        },
      ],
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
    },
  });
});

void test('probes, ports, env field refs and volumes are defaulted', () => {
  const spec: Obj = {
    containers: [
      container({
        ports: [{ containerPort: 80 }],
        env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
        livenessProbe: { httpGet: { port: 80 } },
        readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
        resources: { limits: { cpu: '0.5', memory: '1024Mi' } },
      }),
    ],
    volumes: [
      { name: 'cfg', configMap: { name: 'cfg' } },
      { name: 'sec', secret: { secretName: 's' } },
      { name: 'scratch' },
    ],
  };
  defaultPodSpec(spec);
  const c = (spec.containers as Obj[])[0] as Obj;
  assert.deepEqual(c.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  assert.deepEqual(c.env, [
    { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName', apiVersion: 'v1' } } },
  ]);
  assert.deepEqual(c.livenessProbe, {
    httpGet: { port: 80, path: '/', scheme: 'HTTP' },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.equal((c.readinessProbe as Obj).periodSeconds, 5);
  assert.deepEqual(c.resources, { limits: { cpu: '500m', memory: '1Gi' } });
  assert.deepEqual(spec.volumes, [
    { name: 'cfg', configMap: { name: 'cfg', defaultMode: 420 } },
    { name: 'sec', secret: { secretName: 's', defaultMode: 420 } },
    { name: 'scratch', emptyDir: {} },
  ]);
  assert.deepEqual(errorsOf(spec), []);
});

void test('container names, images, ports and policies are validated with kube-apiserver messages', () => {
  const errs = errorsOf({
    containers: [
      { name: 'Web_1', image: '' },
      container({
        name: 'b',
        ports: [
          { containerPort: 0 },
          { name: 'http', containerPort: 8080, hostPort: 70000, protocol: 'HTTP' },
        ],
      }),
      container({ name: 'b', imagePullPolicy: 'Sometimes', terminationMessagePolicy: 'Never' }),
    ],
    restartPolicy: 'Sometimes',
    dnsPolicy: 'Cluster',
  });
  assert.deepEqual(errs, [
    "spec.containers[0].name: Invalid value: \"Web_1\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    'spec.containers[0].image: Required value',
    'spec.containers[1].ports[0].containerPort: Required value',
    'spec.containers[1].ports[1].hostPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    'spec.containers[1].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    'spec.containers[2].terminationMessagePolicy: Unsupported value: "Never": supported values: "File", "FallbackToLogsOnError"',
    'spec.containers[2].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
    'spec.containers[2].name: Duplicate value: "b"',
    'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    'spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
  ]);
});

void test('no containers at all is a required-value error', () => {
  assert.deepEqual(errorsOf({ containers: [] }), ['spec.containers: Required value']);
});

void test('volumes: unique DNS-1123 names, mounts must name a volume, sources are checked', () => {
  const errs = errorsOf({
    volumes: [
      { name: 'data', emptyDir: {} },
      { name: 'data', emptyDir: {} },
      { name: 'cfg', configMap: {} },
      { name: 'both', emptyDir: {}, hostPath: { path: '/tmp' } },
    ],
    containers: [
      container({
        volumeMounts: [
          { name: 'data', mountPath: '/data' },
          { name: 'missing', mountPath: '/data' },
          { name: 'data', mountPath: '/x', subPath: '../etc' },
        ],
      }),
    ],
  });
  assert.deepEqual(errs, [
    'spec.volumes[1].name: Duplicate value: "data"',
    'spec.volumes[2].configMap.name: Required value',
    'spec.volumes[3].hostPath: Forbidden: may not specify more than 1 volume type',
    'spec.containers[0].volumeMounts[1].name: Not found: "missing"',
    'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique',
    'spec.containers[0].volumeMounts.subPath: Invalid value: "../etc": must not contain \'..\'',
  ]);
});

void test('env names (relaxed), value sources and resource quantities are validated', () => {
  const errs = errorsOf({
    containers: [
      container({
        env: [
          { name: '' },
          { name: 'A=B' },
          { name: 'X', value: 'v', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } },
          { name: 'Y', valueFrom: {} },
          { name: 'Z', valueFrom: { fieldRef: { fieldPath: 'spec.host' } } },
          { name: '1-digit.is fine' },
        ],
        resources: { limits: { cpu: 'lots', gpu: '1' }, requests: { memory: '-1Gi' } },
      }),
    ],
  });
  assert.deepEqual(errs, [
    'spec.containers[0].env[0].name: Required value',
    'spec.containers[0].env[1].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\'',
    'spec.containers[0].env[2].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
    'spec.containers[0].env[3].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
    'spec.containers[0].env[4].valueFrom.fieldRef.fieldPath: Invalid value: "spec.host": error converting fieldPath: field label not supported: spec.host',
    'spec.containers[0].resources.limits[cpu]: Invalid value: "lots": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'',
    'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified',
    'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
    'spec.containers[0].resources.requests[memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
  ]);
});

void test('probes need exactly one handler; liveness successThreshold must be 1', () => {
  const errs = errorsOf({
    containers: [
      container({
        livenessProbe: { successThreshold: 2, exec: { command: ['true'] } },
        readinessProbe: { httpGet: { port: 'http-port-too-long' }, tcpSocket: { port: 80 } },
        startupProbe: {},
      }),
    ],
  });
  assert.deepEqual(errs, [
    'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
    'spec.containers[0].readinessProbe.httpGet.port: Invalid value: "http-port-too-long": must be no more than 15 characters',
    'spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
    'spec.containers[0].startupProbe: Required value: must specify a handler type',
  ]);
});

void test('init containers: probes need restartPolicy Always, names are unique across kinds', () => {
  const errs = errorsOf({
    containers: [container()],
    initContainers: [
      container({ readinessProbe: { exec: { command: ['true'] } } }),
      container({ name: 'sidecar', restartPolicy: 'OnFailure' }),
    ],
  });
  assert.deepEqual(errs, [
    'spec.initContainers[0].name: Duplicate value: "app"',
    'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
    'spec.initContainers[1].restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
  ]);
});

void test('tolerations, host aliases and DNS config are validated', () => {
  const errs = errorsOf({
    containers: [container()],
    tolerations: [
      { operator: 'Equal', value: 'x' },
      { key: 'k', operator: 'Exists', value: 'v', tolerationSeconds: 5 },
    ],
    hostAliases: [{ ip: '10.0.0.300', hostnames: ['ok.example'] }],
    dnsPolicy: 'None',
  });
  assert.deepEqual(errs, [
    'spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None',
    'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
    'spec.tolerations[1].effect: Invalid value: "": effect must be \'NoExecute\' when `tolerationSeconds` is set',
    'spec.tolerations[1].operator: Invalid value: "v": value must be empty when `operator` is \'Exists\'',
    'spec.hostAliases[0].ip: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
  ]);
});

void test('a template may not carry ephemeral containers; its labels are checked at the template path', () => {
  const template: Obj = {
    metadata: { labels: { 'bad key!': 'x' } },
    spec: { containers: [container()], ephemeralContainers: [{ name: 'debug', image: 'busybox' }] },
  };
  defaultPodTemplate(template);
  const errs = validatePodTemplateSpec(template, 'spec.template').map(fieldErrorText);
  assert.equal(errs.length, 2);
  assert.match(
    errs[0] ?? '',
    /^spec\.template\.labels: Invalid value: "bad key!": name part must consist of/,
  );
  assert.equal(
    errs[1],
    'spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template',
  );
});

void test('a null list item is the item type zero value, as Go decodes it', () => {
  const spec: Obj = {
    containers: [
      container({ args: [null, 'x'], command: [null], ports: [null], env: [null] }),
      null,
    ],
  };
  const errs = errorsOf(spec);
  const c = (spec.containers as Obj[])[0] as Obj;
  assert.deepEqual(c.args, ['', 'x']);
  assert.deepEqual(c.command, ['']);
  assert.deepEqual(c.ports, [{ protocol: 'TCP' }]);
  assert.ok(
    errs.includes('spec.containers[0].ports[0].containerPort: Required value'),
    String(errs),
  );
  assert.ok(errs.includes('spec.containers[0].env[0].name: Required value'), String(errs));
  assert.ok(errs.includes('spec.containers[1].name: Required value'), String(errs));
});

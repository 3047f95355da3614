// `kubectl describe` of a pod, a service, a deployment, a namespace and a secret, as kubectl
// 1.27, 1.30 and 1.33 print it from what `skiff up` serves (no node: pods stay Pending and
// the scheduler records FailedScheduling).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AGE,
  VERSIONS,
  esc,
  hasKubectl,
  ok,
  startCluster,
  type TestCluster,
  until,
} from './harness.js';

let c: TestCluster;
before(() => {
  c = startCluster();
});
after(() => c?.stop());

const POD = (ns: string) => `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: ${ns}
  labels:
    app: web
    tier: frontend
  annotations:
    team: blue
spec:
  containers:
  - name: nginx
    image: nginx:1.25
    ports:
    - containerPort: 80
    env:
    - name: MODE
      value: prod
    resources:
      limits:
        cpu: 500m
        memory: 128Mi
`;

const SERVICE = (ns: string) => `apiVersion: v1
kind: Service
metadata:
  name: kubia
  namespace: ${ns}
spec:
  sessionAffinity: ClientIP
  selector:
    app: kubia
  ports:
  - name: http
    port: 80
    targetPort: 8080
  - name: https
    port: 443
    targetPort: 8443
`;

/** Matches `text` line by line against patterns (strings are literal, RegExps are not). */
function assertLines(text: string, expected: (string | RegExp)[]): void {
  const lines = text.replace(/\n$/, '').split('\n');
  const re = new RegExp(
    '^' + expected.map((e) => (typeof e === 'string' ? esc(e) : e.source)).join('\n') + '$',
  );
  assert.match(lines.join('\n'), re);
}

describe('kubectl describe', { concurrency: true }, () => {
  for (const v of VERSIONS) {
    describe(`kubectl 1.${v}`, { skip: !hasKubectl(v), concurrency: true }, () => {
      const ns = `describe-${v}`;
      const k = (...args: string[]) => c.kubectl(v, ['-n', ns, ...args]);

      before(async () => {
        ok(await c.kubectl(v, ['create', 'namespace', ns]));
      });

      test('describe pod: a Pending pod and its FailedScheduling event', async () => {
        ok(await c.kubectl(v, ['create', '-f', c.file(`${ns}/pod.yaml`, POD(ns))]));
        // The scheduler's event arrives shortly after the pod.
        let out = '';
        for (let i = 0; i < 50; i++) {
          out = ok(await k('describe', 'pod', 'web'));
          if (out.includes('FailedScheduling')) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        assertLines(out, [
          'Name:             web',
          `Namespace:        ${ns}`,
          'Priority:         0',
          'Service Account:  default',
          'Node:             <none>',
          'Labels:           app=web',
          '                  tier=frontend',
          'Annotations:      team: blue',
          'Status:           Pending',
          'IP:               ',
          'IPs:              <none>',
          'Containers:',
          '  nginx:',
          /    Image: +nginx:1\.25/,
          /    Port: +80\/TCP/,
          /    Host Port: +0\/TCP/,
          '    Limits:',
          /      cpu: +500m/,
          /      memory: +128Mi/,
          '    Requests:',
          /      cpu: +500m/,
          /      memory: +128Mi/,
          '    Environment:',
          /      MODE: +prod/,
          '    Mounts:',
          /      \/var\/run\/secrets\/kubernetes\.io\/serviceaccount from kube-api-access-[a-z0-9]{5} \(ro\)/,
          'Conditions:',
          '  Type           Status',
          '  PodScheduled   False ',
          'Volumes:',
          /  kube-api-access-[a-z0-9]{5}:/,
          /    Type: +Projected \(a volume that contains injected data from multiple sources\)/,
          /    TokenExpirationSeconds: +3607/,
          /    ConfigMapName: +kube-root-ca\.crt/,
          // kubectl ≤ 1.32 prints the optional pointer, 1.33 its value.
          v >= 33 ? /    Optional: +false/ : /    ConfigMapOptional: +<nil>/,
          /    DownwardAPI: +true/,
          /QoS Class: +Guaranteed/,
          /Node-Selectors: +<none>/,
          /Tolerations: +node\.kubernetes\.io\/not-ready:NoExecute op=Exists for 300s/,
          /\s+node\.kubernetes\.io\/unreachable:NoExecute op=Exists for 300s/,
          'Events:',
          '  Type     Reason            Age   From               Message',
          '  ----     ------            ----  ----               -------',
          new RegExp(
            `  Warning  FailedScheduling  ${AGE} +default-scheduler  no nodes available to schedule pods`,
          ),
        ]);
        // Requests default to the limits; the pod is Guaranteed.
        const pod = JSON.parse(ok(await k('get', 'pod', 'web', '-o', 'json'))) as {
          spec: { containers: { resources: unknown }[] };
          status: { qosClass: string; conditions: Record<string, string>[] };
        };
        assert.deepEqual(pod.spec.containers[0]?.resources, {
          limits: { cpu: '500m', memory: '128Mi' },
          requests: { cpu: '500m', memory: '128Mi' },
        });
        assert.equal(pod.status.qosClass, 'Guaranteed');
        const cond = pod.status.conditions.find((x) => x['type'] === 'PodScheduled');
        assert.equal(cond?.['status'], 'False');
        assert.equal(cond?.['reason'], 'Unschedulable');
      });

      test('pods get the service-account token volume (ServiceAccount admission)', async () => {
        ok(await k('run', 'sa-vol', '--image=busybox'));
        const pod = JSON.parse(ok(await k('get', 'pod', 'sa-vol', '-o', 'json'))) as {
          spec: {
            volumes?: { name: string; projected?: { sources: unknown[]; defaultMode: number } }[];
            containers: { volumeMounts?: Record<string, unknown>[] }[];
          };
        };
        const vol = pod.spec.volumes?.[0];
        assert.match(vol?.name ?? '', /^kube-api-access-[a-z0-9]{5}$/);
        assert.equal(vol?.projected?.defaultMode, 420);
        assert.deepEqual(vol?.projected?.sources, [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          {
            downwardAPI: {
              items: [
                {
                  path: 'namespace',
                  fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' },
                },
              ],
            },
          },
        ]);
        assert.deepEqual(pod.spec.containers[0]?.volumeMounts, [
          {
            name: vol?.name,
            readOnly: true,
            mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
          },
        ]);
      });

      test('describe service: selector, ports, session affinity', async () => {
        ok(await c.kubectl(v, ['create', '-f', c.file(`${ns}/svc.yaml`, SERVICE(ns))]));
        const svc = JSON.parse(ok(await k('get', 'svc', 'kubia', '-o', 'json'))) as {
          spec: { clusterIP: string; sessionAffinityConfig: unknown };
        };
        // A ClientIP affinity gets kube's default timeout of three hours.
        assert.deepEqual(svc.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
        const out = ok(await k('describe', 'service', 'kubia'));
        const ip = svc.spec.clusterIP;
        // kubectl 1.31+ adds the Internal Traffic Policy line, which widens the key column.
        const w = v >= 31 ? 26 : 19;
        const kv = (key: string, value: string) => `${key}:`.padEnd(w) + value;
        assertLines(out, [
          kv('Name', 'kubia'),
          kv('Namespace', ns),
          kv('Labels', '<none>'),
          kv('Annotations', '<none>'),
          kv('Selector', 'app=kubia'),
          kv('Type', 'ClusterIP'),
          kv('IP Family Policy', 'SingleStack'),
          kv('IP Families', 'IPv4'),
          kv('IP', ip),
          kv('IPs', ip),
          kv('Port', 'http  80/TCP'),
          kv('TargetPort', '8080/TCP'),
          /Endpoints: +(<none>)?/,
          kv('Port', 'https  443/TCP'),
          kv('TargetPort', '8443/TCP'),
          /Endpoints: +(<none>)?/,
          kv('Session Affinity', 'ClientIP'),
          ...(v >= 31 ? [kv('Internal Traffic Policy', 'Cluster')] : []),
          kv('Events', '<none>'),
        ]);

        ok(await k('create', 'service', 'externalname', 'ext', '--external-name=db.example.com'));
        assertLines(ok(await k('describe', 'svc', 'ext')), [
          'Name:              ext',
          `Namespace:         ${ns}`,
          'Labels:            app=ext',
          'Annotations:       <none>',
          'Selector:          app=ext',
          'Type:              ExternalName',
          'IP Families:       <none>',
          'IP:                ',
          'IPs:               <none>',
          'External Name:     db.example.com',
          'Session Affinity:  None',
          'Events:            <none>',
        ]);
      });

      test('describe deployment: key lines', async () => {
        ok(
          await k(
            'create',
            'deployment',
            'hello',
            '--image=nginx:1.25',
            '--replicas=2',
            '--port=80',
          ),
        );
        const out = ok(await k('describe', 'deployment', 'hello'));
        const created = (
          JSON.parse(ok(await k('get', 'deployment', 'hello', '-o', 'json'))) as {
            metadata: { creationTimestamp: string };
          }
        ).metadata.creationTimestamp;
        // Go's RFC1123Z: "Mon, 02 Jan 2006 15:04:05 -0700".
        const d = new Date(created);
        const rfc1123z = d.toUTCString().replace(/GMT$/, '+0000');
        for (const line of [
          'Name:                   hello',
          `Namespace:              ${ns}`,
          `CreationTimestamp:      ${rfc1123z}`,
          'Labels:                 app=hello',
          'Selector:               app=hello',
          'StrategyType:           RollingUpdate',
          'MinReadySeconds:        0',
          'RollingUpdateStrategy:  25% max unavailable, 25% max surge',
          'Pod Template:',
          '  Labels:  app=hello',
          '  Containers:',
          '   nginx:',
        ])
          assert.ok(out.split('\n').includes(line), `missing ${JSON.stringify(line)} in:\n${out}`);
        assert.match(
          out,
          /^Replicas: +2 desired \| [02] updated \| [02] total \| 0 available \| [02] unavailable$/m,
        );
        assert.match(out, /^ {4}Image: +nginx:1\.25$/m);
        assert.match(out, /^ {4}Port: +80\/TCP$/m);
        assert.match(out, /^ {4}Host Port: +0\/TCP$/m);
        assert.match(out, /^ {4}Environment: +<none>$/m);
      });

      test('describe namespace: key lines', async () => {
        const out = ok(await c.kubectl(v, ['describe', 'namespace', ns]));
        assert.match(
          out,
          new RegExp(
            `^Name: {9}${ns}\nLabels: {7}kubernetes\\.io/metadata\\.name=${ns}\nAnnotations: {2}<none>\nStatus: {7}Active\n`,
          ),
        );
        const all = ok(await c.kubectl(v, ['describe', 'namespaces']));
        for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease', ns])
          assert.match(all, new RegExp(`^Name: +${name}$`, 'm'));
      });

      test('describe namespace: no quota, no limit range', async () => {
        const out = ok(await c.kubectl(v, ['describe', 'namespace', ns]));
        assert.match(out, /\n\nNo resource quota\.\n\nNo LimitRange resource\.\n$/);
      });

      test('describe namespace: its quota, counted, and its limit range', async () => {
        // A namespace of its own: the quota and the defaults stay away from this file's pods.
        const policy = `${ns}-policy`;
        ok(await c.kubectl(v, ['create', 'namespace', policy]));
        ok(
          await c.kubectl(v, [
            'create',
            'quota',
            'objects',
            '-n',
            policy,
            '--hard=pods=4,configmaps=3,requests.cpu=2',
          ]),
        );
        const limits = {
          apiVersion: 'v1',
          kind: 'LimitRange',
          metadata: { name: 'limits', namespace: policy },
          spec: {
            limits: [
              {
                type: 'Container',
                max: { cpu: '1' },
                default: { cpu: '500m' },
                defaultRequest: { cpu: '100m' },
              },
            ],
          },
        };
        ok(await c.kubectl(v, ['apply', '-f', c.file(`limits-${v}.json`, JSON.stringify(limits))]));
        const tail = [
          'Resource Quotas',
          '  Name:         objects',
          '  Resource      Used  Hard',
          '  --------      ---   ---',
          '  configmaps    1     3', // kube-root-ca.crt, counted by the quota controller
          '  pods          0     4',
          '  requests.cpu  0     2',
          '',
          'Resource Limits',
          ' Type       Resource  Min  Max  Default Request  Default Limit  Max Limit/Request Ratio',
          ' ----       --------  ---  ---  ---------------  -------------  -----------------------',
          ' Container  cpu       -    1    100m             500m           -',
          '',
        ].join('\n');
        const out = await until('the quota counted in describe namespace', async () => {
          const text = ok(await c.kubectl(v, ['describe', 'namespace', policy]));
          return text.endsWith(tail) ? text : undefined;
        });
        assert.match(
          out,
          new RegExp(`^Name: +${policy}\nLabels: .*\nAnnotations: +<none>\nStatus: +Active\n\n`),
        );
      });

      test('describe secret and configmap', async () => {
        ok(await k('create', 'secret', 'generic', 'creds', '--from-literal=password=s3cr3t'));
        assert.equal(
          ok(await k('describe', 'secret', 'creds')),
          [
            'Name:         creds',
            `Namespace:    ${ns}`,
            'Labels:       <none>',
            'Annotations:  <none>',
            '',
            'Type:  Opaque',
            '',
            'Data',
            '====',
            // One key: kubectl before 1.33 prints a secret's keys in map order.
            'password:  6 bytes',
            '',
          ].join('\n'),
        );
        ok(await k('create', 'configmap', 'settings', '--from-literal=color=blue'));
        assert.equal(
          ok(await k('describe', 'configmap', 'settings')),
          [
            'Name:         settings',
            `Namespace:    ${ns}`,
            'Labels:       <none>',
            'Annotations:  <none>',
            '',
            'Data',
            '====',
            'color:',
            '----',
            'blue',
            '',
            // kubectl 1.33 leaves a blank line after every value.
            ...(v >= 33 ? [''] : []),
            'BinaryData',
            '====',
            '',
            'Events:  <none>',
            '',
          ].join('\n'),
        );
      });
    });
  }
});

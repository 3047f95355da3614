import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import {
  DEFAULT_AFFINITY_TIMEOUT_S,
  servicePorts,
  sliceServiceKey,
  updateService,
} from './state.js';
import type { ProxyServicePort } from './types.js';

const service = (
  spec: Record<string, unknown>,
  status: Record<string, unknown> = {},
): KubeObject => ({
  metadata: { namespace: 'default', name: 'kubia' },
  spec: { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ...spec },
  status,
});

const slice = (
  name: string,
  ports: unknown[],
  endpoints: unknown[],
  addressType = 'IPv4',
): KubeObject => ({
  metadata: { namespace: 'default', name, labels: { 'kubernetes.io/service-name': 'kubia' } },
  addressType,
  ports,
  endpoints,
});

test('named target ports resolve per endpoint from the slice ports of the same name', () => {
  const svc = service({
    ports: [
      { name: 'http', port: 80, targetPort: 'http' },
      { name: 'https', port: 443, targetPort: 'https' },
    ],
  });
  const slices = [
    slice(
      'a',
      [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'https', port: 8443, protocol: 'TCP' },
      ],
      [{ addresses: ['10.244.0.5'], conditions: { ready: true }, nodeName: 'n1' }],
    ),
    slice(
      'b',
      [
        { name: 'http', port: 9080, protocol: 'TCP' },
        { name: 'https', port: 9443, protocol: 'TCP' },
      ],
      [{ addresses: ['10.244.1.6'], nodeName: 'n2' }],
    ),
  ];
  const ports = servicePorts(svc, slices, 'n1');
  assert.deepEqual(
    ports.map((p) => [
      p.portName,
      p.port,
      p.endpoints.map((e) => `${e.ip}:${e.port}:${e.local}:${e.ready}`),
    ]),
    [
      ['http', 80, ['10.244.0.5:8080:true:true', '10.244.1.6:9080:false:true']],
      ['https', 443, ['10.244.0.5:8443:true:true', '10.244.1.6:9443:false:true']],
    ],
  );
});

test('conditions: absent ready counts as ready; serving follows ready; terminating kept', () => {
  const [p] = servicePorts(
    service({ ports: [{ port: 80 }] }),
    [
      slice(
        'a',
        [{ port: 8080 }],
        [
          {
            addresses: ['10.244.0.5'],
            conditions: { ready: false, serving: true, terminating: true },
          },
          { addresses: ['10.244.0.6'], conditions: { ready: false } },
          { addresses: ['not-an-ip'] },
        ],
      ),
    ],
    'n1',
  );
  assert.deepEqual(p?.endpoints, [
    { ip: '10.244.0.5', port: 8080, ready: false, serving: true, terminating: true, local: false },
    {
      ip: '10.244.0.6',
      port: 8080,
      ready: false,
      serving: false,
      terminating: false,
      local: false,
    },
  ]);
});

test('ExternalName, headless and IPv6-only services are not proxied; IPv6 slices are ignored', () => {
  assert.deepEqual(
    servicePorts(service({ type: 'ExternalName', externalName: 'x.example' }), [], 'n1'),
    [],
  );
  assert.deepEqual(
    servicePorts(
      service({ clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80 }] }),
      [],
      'n1',
    ),
    [],
  );
  const [p] = servicePorts(
    service({ ports: [{ port: 80 }] }),
    [slice('v6', [{ port: 80 }], [{ addresses: ['fd00::1'] }], 'IPv6')],
    'n1',
  );
  assert.deepEqual(p?.endpoints, []);
});

test('type, affinity and traffic policies as kube-proxy reads them', () => {
  const [lb] = servicePorts(
    service(
      {
        type: 'LoadBalancer',
        ports: [{ port: 80, nodePort: 30080, protocol: 'UDP' }],
        sessionAffinity: 'ClientIP',
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 31000,
        externalIPs: ['203.0.113.1'],
      },
      { loadBalancer: { ingress: [{ ip: '198.51.100.7' }, { hostname: 'lb.example' }] } },
    ),
    [],
    'n1',
  );
  assert.equal(lb?.protocol, 'UDP');
  assert.equal(lb?.nodePort, 30080);
  assert.equal(lb?.affinityTimeoutSeconds, DEFAULT_AFFINITY_TIMEOUT_S);
  assert.equal(lb?.externalTrafficPolicy, 'Local');
  assert.equal(lb?.healthCheckNodePort, 31000);
  assert.deepEqual(lb?.loadBalancerIPs, ['198.51.100.7']);
  assert.deepEqual(lb?.externalIPs, ['203.0.113.1']);
  // A ClusterIP service has no node port even if one is written, and Local means nothing.
  const [cip] = servicePorts(
    service({ ports: [{ port: 80, nodePort: 30081 }], externalTrafficPolicy: 'Local' }),
    [],
    'n1',
  );
  assert.equal(cip?.nodePort, undefined);
  assert.equal(cip?.externalTrafficPolicy, 'Cluster');
});

test('updateService reports exactly the keys that changed', () => {
  const state = new Map<string, ProxyServicePort>();
  const svc = service({
    ports: [
      { name: 'a', port: 80 },
      { name: 'b', port: 81 },
    ],
  });
  assert.deepEqual(updateService(state, 'default/kubia', servicePorts(svc, [], 'n1')).sort(), [
    'default/kubia:a/TCP',
    'default/kubia:b/TCP',
  ]);
  assert.deepEqual(updateService(state, 'default/kubia', servicePorts(svc, [], 'n1')), []);
  const one = service({ ports: [{ name: 'a', port: 80 }] });
  assert.deepEqual(updateService(state, 'default/kubia', servicePorts(one, [], 'n1')), [
    'default/kubia:b/TCP',
  ]);
  assert.deepEqual(updateService(state, 'default/kubia', []), ['default/kubia:a/TCP']);
  assert.equal(state.size, 0);
  assert.equal(sliceServiceKey(slice('x', [], [])), 'default/kubia');
});

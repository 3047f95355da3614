import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/reducer.js';
import {
  externalEndpoints,
  ingressBackends,
  ingressLinks,
  internalEndpoints,
  servicePorts,
} from './endpoints.js';

const svc = (spec: any, status: any = {}): KObject => ({
  metadata: { name: 'web', namespace: 'shop' },
  spec,
  status,
});
const texts = (es: { text: string }[]): string[] => es.map((e) => e.text);

describe('service and ingress endpoints', () => {
  it('names the cluster IP and the DNS name for each port', () => {
    const s = svc({
      type: 'ClusterIP',
      clusterIP: '10.96.0.12',
      ports: [
        { port: 80, protocol: 'TCP' },
        { port: 53, protocol: 'UDP' },
      ],
    });
    assert.deepEqual(texts(internalEndpoints(s)), [
      '10.96.0.12:80',
      'web.shop.svc.cluster.local:80',
      '10.96.0.12:53 UDP',
      'web.shop.svc.cluster.local:53 UDP',
    ]);
    assert.deepEqual(externalEndpoints(s), []);
    assert.equal(servicePorts(s), '80/TCP, 53/UDP');
  });

  it('a headless service has only its DNS name', () => {
    const s = svc({ clusterIP: 'None', ports: [{ port: 5432 }] });
    assert.deepEqual(texts(internalEndpoints(s)), ['web.shop.svc.cluster.local:5432']);
  });

  it('lists node ports, load balancer addresses and external IPs', () => {
    const s = svc(
      {
        type: 'LoadBalancer',
        clusterIP: '10.96.0.5',
        externalIPs: ['192.0.2.9'],
        ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }],
      },
      { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } },
    );
    const ext = externalEndpoints(s);
    assert.deepEqual(texts(ext), [
      '203.0.113.7:80',
      '192.0.2.9:80',
      '<node address>:30080 (NodePort)',
    ]);
    assert.equal(ext[0]!.href, 'http://203.0.113.7:80');
    assert.equal(servicePorts(s), '80:30080/TCP');
  });

  it('an ExternalName service points outside', () => {
    const s = svc({ type: 'ExternalName', externalName: 'db.example.com' });
    assert.deepEqual(texts(externalEndpoints(s)), ['db.example.com']);
  });

  it('links ingress hosts, https when TLS names the host', () => {
    const ing: KObject = {
      metadata: { name: 'shop', namespace: 'shop' },
      spec: {
        tls: [{ hosts: ['secure.example.com'], secretName: 't' }],
        rules: [
          {
            host: 'secure.example.com',
            http: {
              paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }],
            },
          },
          {
            host: 'plain.example.com',
            http: {
              paths: [
                { path: '/api', backend: { service: { name: 'api', port: { name: 'http' } } } },
              ],
            },
          },
          { host: '*.wild.example.com' },
        ],
      },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } },
    };
    const links = ingressLinks(ing);
    assert.deepEqual(links, [
      { text: 'https://secure.example.com/', href: 'https://secure.example.com/' },
      { text: 'http://plain.example.com/api', href: 'http://plain.example.com/api' },
      { text: '*.wild.example.com/' },
    ]);
    assert.deepEqual(ingressBackends(ing), ['web:80', 'api:http']);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { schemeOf, serviceUrls, type UrlService, type UrlSlice } from './service-urls.js';

const svc = (spec: NonNullable<UrlService['spec']>, ingress: string[] = []): UrlService => ({
  metadata: { name: 'kubia', namespace: 'default' },
  spec,
  status: { loadBalancer: { ingress: ingress.map((ip) => ({ ip })) } },
});
const ready: UrlSlice[] = [
  { metadata: {}, endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: true } }] },
];

describe('service URLs', () => {
  it('lists cluster IP, NodePorts on localhost and load-balancer addresses', () => {
    const s = svc(
      {
        type: 'LoadBalancer',
        clusterIP: '10.96.0.20',
        selector: { app: 'kubia' },
        ports: [
          { name: 'http', port: 80, nodePort: 30123 },
          { name: 'https', port: 8443, nodePort: 30443 },
          { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 },
        ],
      },
      ['192.168.49.240'],
    );
    assert.deepEqual(serviceUrls(s, ready), {
      urls: [
        'http://10.96.0.20:80',
        'https://10.96.0.20:8443',
        'http://127.0.0.1:30123',
        'https://127.0.0.1:30443',
        'http://192.168.49.240:80',
        'https://192.168.49.240:8443',
      ],
    });
  });

  it('says why when no ready pod answers', () => {
    const s = svc({ clusterIP: '10.96.0.20', selector: { app: 'kubia' }, ports: [{ port: 80 }] });
    const notReady: UrlSlice[] = [
      { metadata: {}, endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: false } }] },
    ];
    assert.deepEqual(serviceUrls(s, notReady), {
      why: 'service default/kubia has no running pod ready to answer: no ready pod matches its selector app=kubia (see: kubectl get pods -n default -l app=kubia)',
    });
  });

  it('says why for ExternalName, headless and UDP-only services', () => {
    assert.match(
      (
        serviceUrls(svc({ type: 'ExternalName', externalName: 'example.com' }), []) as {
          why: string;
        }
      ).why,
      /is of type ExternalName: it has no address of its own; it names example\.com$/,
    );
    assert.match(
      (serviceUrls(svc({ clusterIP: 'None', ports: [{ port: 80 }] }), ready) as { why: string })
        .why,
      /is headless \(clusterIP: None\)/,
    );
    assert.deepEqual(
      serviceUrls(svc({ clusterIP: '10.96.0.9', ports: [{ port: 53, protocol: 'UDP' }] }), ready),
      { why: 'service default/kubia has no TCP port to open' },
    );
  });

  it('chooses https by port name, appProtocol or 443', () => {
    assert.equal(schemeOf({ port: 443 }), 'https');
    assert.equal(schemeOf({ port: 8443, name: 'https-admin' }), 'https');
    assert.equal(schemeOf({ port: 8000, appProtocol: 'https' }), 'https');
    assert.equal(schemeOf({ port: 80, targetPort: 443 }), 'https');
    assert.equal(schemeOf({ port: 8080, name: 'web' }), 'http');
  });
});

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

describe('service URLs on generated services (seeded)', () => {
  it('never throws; every URL parses, with a port, or a reason is given', () => {
    let seed = 3;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = <T>(xs: T[]): T => xs[rand(xs.length)] as T;
    for (let i = 0; i < 300; i++) {
      const ports = Array.from({ length: rand(4) }, () => ({
        port: pick([80, 443, 8080, 53, 65535]),
        ...(rand(2) ? { name: pick(['http', 'https', 'https-x', 'dns', '']) } : {}),
        ...(rand(2) ? { protocol: pick(['TCP', 'UDP', 'SCTP']) } : {}),
        ...(rand(2) ? { nodePort: 30000 + rand(2768) } : {}),
      }));
      const s = svc(
        {
          type: pick(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']),
          ...(rand(4) ? { clusterIP: pick(['10.96.0.7', 'None', 'fd00::7', '']) } : {}),
          ...(rand(2) ? { selector: { app: 'x' } } : {}),
          ports,
        },
        rand(2) ? [pick(['203.0.113.1', '2001:db8::1'])] : [],
      );
      const slices: UrlSlice[] = rand(2)
        ? [
            {
              metadata: {},
              endpoints: [
                { addresses: ['10.244.0.9'], conditions: rand(2) ? { ready: rand(2) === 1 } : {} },
              ],
            },
          ]
        : [];
      const r = serviceUrls(s, slices);
      if ('why' in r) assert.match(r.why, /^service default\/kubia /);
      else
        for (const u of r.urls) {
          const parsed = new URL(u);
          assert.ok(['http:', 'https:'].includes(parsed.protocol), u);
          assert.ok(parsed.port !== '' || u.endsWith(':80') || u.endsWith(':443'), u);
        }
    }
  });
});

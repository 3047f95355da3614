import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { KubeObject, StrategyContext } from '../types.js';
import { prepareForStatusUpdate, serviceResource, validateServiceStatusUpdate } from './service.js';

const ctx: StrategyContext = { namespace: 'default', now: new Date('2024-01-01T00:10:00Z') };
const s = serviceResource.strategy;

function svc(spec: Record<string, unknown>, name = 'web'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec,
  };
}

/** defaults → prepareForCreate → validate, as a create request runs them. */
function create(obj: KubeObject): string[] {
  s.defaults?.(obj, ctx);
  s.prepareForCreate?.(obj, ctx);
  return (s.validate?.(obj, ctx) ?? []).map(fieldErrorText);
}

/** defaults → prepareForUpdate → validate + validateUpdate, as an update runs them. */
function update(obj: KubeObject, old: KubeObject): string[] {
  s.defaults?.(obj, ctx);
  s.prepareForUpdate?.(obj, old, ctx);
  return [...(s.validate?.(obj, ctx) ?? []), ...(s.validateUpdate?.(obj, old, ctx) ?? [])].map(
    fieldErrorText,
  );
}

const allocated = (obj: KubeObject, ip: string): KubeObject => {
  const spec = obj.spec as Record<string, unknown>;
  spec.clusterIP = ip;
  spec.clusterIPs = [ip];
  return obj;
};

void describe('Service defaults', () => {
  void it('fills a ClusterIP service like kube-apiserver', () => {
    const obj = svc({ selector: { app: 'web' }, ports: [{ port: 80 }] });
    assert.deepEqual(create(obj), []);
    assert.deepEqual(obj.spec, {
      selector: { app: 'web' },
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
      sessionAffinity: 'None',
      type: 'ClusterIP',
      internalTrafficPolicy: 'Cluster',
      ipFamilyPolicy: 'SingleStack',
      ipFamilies: ['IPv4'],
    });
    assert.deepEqual(obj.status, { loadBalancer: {} });
  });

  void it('keeps a named targetPort and defaults the traffic policies of NodePort and LoadBalancer', () => {
    const np = svc({ type: 'NodePort', ports: [{ port: 80, targetPort: 'http' }] });
    create(np);
    const spec = np.spec as Record<string, unknown>;
    assert.equal(spec.externalTrafficPolicy, 'Cluster');
    assert.deepEqual(spec.ports, [{ port: 80, targetPort: 'http', protocol: 'TCP' }]);
    assert.equal(spec.allocateLoadBalancerNodePorts, undefined);

    const lb = svc({ type: 'LoadBalancer', ports: [{ port: 80 }] });
    assert.deepEqual(create(lb), []);
    assert.equal((lb.spec as Record<string, unknown>).allocateLoadBalancerNodePorts, true);
    assert.equal((lb.spec as Record<string, unknown>).externalTrafficPolicy, 'Cluster');
  });

  void it('gives ClientIP affinity a three-hour timeout', () => {
    const obj = svc({ sessionAffinity: 'ClientIP', ports: [{ port: 80 }] });
    assert.deepEqual(create(obj), []);
    assert.deepEqual((obj.spec as Record<string, unknown>).sessionAffinityConfig, {
      clientIP: { timeoutSeconds: 10800 },
    });
  });

  void it('makes headless selectorless services dual-stack and leaves ExternalName without families', () => {
    const headless = svc({ clusterIP: 'None' });
    assert.deepEqual(create(headless), []);
    const hs = headless.spec as Record<string, unknown>;
    assert.deepEqual(hs.clusterIPs, ['None']);
    assert.equal(hs.ipFamilyPolicy, 'RequireDualStack');
    assert.deepEqual(hs.ipFamilies, ['IPv4', 'IPv6']);

    const ext = svc({ type: 'ExternalName', externalName: 'api.example.com' });
    assert.deepEqual(create(ext), []);
    const es = ext.spec as Record<string, unknown>;
    assert.equal(es.ipFamilies, undefined);
    assert.equal(es.ipFamilyPolicy, undefined);
    assert.equal(es.internalTrafficPolicy, undefined);
  });
});

void describe('Service validation', () => {
  void it('requires ports except for headless and ExternalName services', () => {
    assert.deepEqual(create(svc({})), ['spec.ports: Required value']);
    assert.deepEqual(create(svc({ clusterIP: 'None', selector: { a: 'b' } })), []);
  });

  void it('requires unique names on multi-port services', () => {
    assert.deepEqual(create(svc({ ports: [{ name: 'http', port: 80 }, { port: 443 }] })), [
      'spec.ports[1].name: Required value',
    ]);
    assert.deepEqual(
      create(
        svc({
          ports: [
            { name: 'http', port: 80 },
            { name: 'http', port: 443 },
          ],
        }),
      ),
      ['spec.ports[1].name: Duplicate value: "http"'],
    );
  });

  void it('checks port numbers, protocols and names', () => {
    assert.deepEqual(create(svc({ ports: [{ port: 70000, targetPort: 8080 }] })), [
      'spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ]);
    assert.deepEqual(create(svc({ ports: [{ port: 80, protocol: 'HTTP' }] })), [
      'spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ]);
  });

  void it('rejects an unknown type and session affinity', () => {
    const errs = create(svc({ type: 'Magic', sessionAffinity: 'Sticky', ports: [{ port: 80 }] }));
    assert.ok(
      errs.includes(
        'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
      ),
    );
    assert.ok(
      errs.includes(
        'spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"',
      ),
    );
  });

  void it('validates ExternalName services', () => {
    assert.deepEqual(create(svc({ type: 'ExternalName' })), ['spec.externalName: Required value']);
    assert.deepEqual(create(svc({ type: 'ExternalName', externalName: 'api.example.com.' })), []);
    const bad = create(svc({ type: 'ExternalName', externalName: 'Bad_Name' }));
    assert.equal(bad.length, 1);
    assert.match(
      bad[0] ?? '',
      /^spec\.externalName: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
    assert.deepEqual(
      create(svc({ type: 'ExternalName', externalName: 'x.example.com', clusterIP: '10.96.0.9' })),
      ['spec.clusterIPs: Forbidden: may not be set for ExternalName services'],
    );
  });

  void it('uses DNS-1035 label rules for the name', () => {
    const errs = create(svc({ ports: [{ port: 80 }] }, '1web'));
    assert.equal(errs.length, 1);
    assert.match(
      errs[0] ?? '',
      /^metadata\.name: Invalid value: "1web": a DNS-1035 label must consist/,
    );
  });

  void it('checks node ports against the type and the allocation range', () => {
    assert.deepEqual(create(svc({ ports: [{ port: 80, nodePort: 30080 }] })), [
      "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ]);
    assert.deepEqual(create(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] })), [
      'spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
    ]);
    assert.deepEqual(create(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30123 }] })), []);
  });

  void it('rejects headless NodePort services and bad cluster IPs', () => {
    assert.deepEqual(create(svc({ type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] })), [
      'spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for NodePort services',
    ]);
    assert.deepEqual(create(svc({ clusterIP: '10.96.0.300', ports: [{ port: 80 }] })), [
      'spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]);
  });

  void it('bounds the ClientIP timeout', () => {
    assert.deepEqual(
      create(
        svc({
          sessionAffinity: 'ClientIP',
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 90000 } },
          ports: [{ port: 80 }],
        }),
      ),
      [
        'spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 90000: must be greater than 0 and less than 86400',
      ],
    );
  });
});

void describe('Service updates', () => {
  const stored = (): KubeObject => {
    const obj = svc({
      type: 'NodePort',
      selector: { app: 'web' },
      ports: [{ port: 80, nodePort: 30123 }],
    });
    create(obj);
    return allocated(obj, '10.96.0.10');
  };

  void it('refuses to change the cluster IP', () => {
    const next = structuredClone(stored());
    (next.spec as Record<string, unknown>).clusterIP = '10.96.0.20';
    assert.deepEqual(update(next, stored()), [
      'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.20"}: may not change once set',
    ]);
  });

  void it('keeps allocated values an update leaves out', () => {
    const next = svc({ type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80 }] });
    assert.deepEqual(update(next, stored()), []);
    const spec = next.spec as Record<string, unknown>;
    assert.equal(spec.clusterIP, '10.96.0.10');
    assert.deepEqual(spec.clusterIPs, ['10.96.0.10']);
    assert.equal((spec.ports as Record<string, unknown>[])[0]?.nodePort, 30123);
  });

  void it('releases the cluster IP and node ports when switching to ExternalName', () => {
    const next = structuredClone(stored());
    const spec = next.spec as Record<string, unknown>;
    spec.type = 'ExternalName';
    spec.externalName = 'db.example.com';
    assert.deepEqual(update(next, stored()), []);
    assert.equal(spec.clusterIP, undefined);
    assert.equal(spec.clusterIPs, undefined);
    assert.equal(spec.ipFamilies, undefined);
    assert.equal(spec.externalTrafficPolicy, undefined);
    assert.equal((spec.ports as Record<string, unknown>[])[0]?.nodePort, undefined);
  });

  void it('keeps the load-balancer status on main updates and the spec on status updates', () => {
    const lb = svc({ type: 'LoadBalancer', ports: [{ port: 80 }] });
    create(lb);
    allocated(lb, '10.96.0.11');
    lb.status = { loadBalancer: { ingress: [{ ip: '192.0.2.10', ipMode: 'VIP' }] } };
    const next = structuredClone(lb);
    next.status = {};
    assert.deepEqual(update(next, lb), []);
    assert.deepEqual(next.status, lb.status);

    const statusWrite = structuredClone(lb);
    (statusWrite.spec as Record<string, unknown>).type = 'ClusterIP';
    statusWrite.status = { loadBalancer: { ingress: [{ ip: '192.0.2.11', ipMode: 'VIP' }] } };
    prepareForStatusUpdate(statusWrite, lb);
    assert.equal((statusWrite.spec as Record<string, unknown>).type, 'LoadBalancer');
    assert.deepEqual(validateServiceStatusUpdate(statusWrite).map(fieldErrorText), []);
  });

  void it('rejects load-balancer ingress on other types in a status write', () => {
    const obj = stored();
    obj.status = { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } };
    assert.deepEqual(validateServiceStatusUpdate(obj).map(fieldErrorText), [
      "status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'",
    ]);
  });
});

void describe('Service table', () => {
  const now = new Date('2024-01-01T00:10:00Z');
  const row = (obj: KubeObject): unknown[] => s.row?.(obj, now) ?? [];

  void it('prints a NodePort service', () => {
    const obj = svc({
      type: 'NodePort',
      selector: { app: 'web', tier: 'fe' },
      ports: [
        { port: 80, nodePort: 30123 },
        { name: 'https', port: 443 },
      ],
    });
    create(obj);
    allocated(obj, '10.96.0.10');
    assert.deepEqual(row(obj), [
      'web',
      'NodePort',
      '10.96.0.10',
      '<none>',
      '80:30123/TCP,443/TCP',
      '10m',
      'app=web,tier=fe',
    ]);
    assert.deepEqual(
      s.columns?.map((c) => c.name),
      ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
    );
    assert.equal(s.columns?.[6]?.priority, 1);
  });

  void it('prints <pending>, then the load-balancer address', () => {
    const obj = svc({ type: 'LoadBalancer', ports: [{ port: 80, nodePort: 31000 }] });
    create(obj);
    allocated(obj, '10.96.0.12');
    assert.equal(row(obj)[3], '<pending>');
    obj.status = {
      loadBalancer: { ingress: [{ ip: '192.0.2.10' }, { hostname: 'lb.example.com' }] },
    };
    assert.equal(row(obj)[3], '192.0.2.10,lb.example.com');
    (obj.spec as Record<string, unknown>).externalIPs = ['198.51.100.7'];
    assert.equal(row(obj)[3], '192.0.2.10,lb.example.com,198.51.100.7');
    assert.equal(row(obj)[6], '<none>');
  });

  void it('prints ExternalName and headless services', () => {
    const ext = svc({ type: 'ExternalName', externalName: 'api.example.com' });
    create(ext);
    assert.deepEqual(row(ext).slice(1, 5), ['ExternalName', '<none>', 'api.example.com', '<none>']);
    const headless = svc({ clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] });
    create(headless);
    assert.deepEqual(row(headless).slice(1, 5), ['ClusterIP', 'None', '<none>', '5432/TCP']);
  });

  void it('selects by spec.clusterIP and spec.type', () => {
    const obj = allocated(svc({ type: 'ClusterIP', ports: [{ port: 80 }] }), '10.96.0.1');
    assert.deepEqual(s.selectableFields?.(obj), {
      'spec.clusterIP': '10.96.0.1',
      'spec.type': 'ClusterIP',
    });
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { KubeObject, StrategyContext } from '../types.js';
import { networkPolicyResource } from './networkpolicy.js';

const ctx: StrategyContext = { namespace: 'default', now: new Date('2024-01-01T00:02:00Z') };
const s = networkPolicyResource.strategy;
const np = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'p', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
  spec,
});
const create = (obj: KubeObject): string[] => {
  s.defaults?.(obj, ctx);
  return (s.validate?.(obj, ctx) ?? []).map(fieldErrorText);
};

void describe('NetworkPolicy', () => {
  void it('defaults the ports protocol and the policy types', () => {
    const a = np({ podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] });
    assert.deepEqual(create(a), []);
    assert.deepEqual(a.spec, {
      podSelector: {},
      ingress: [{ ports: [{ port: 80, protocol: 'TCP' }] }],
      policyTypes: ['Ingress'],
    });
    const b = np({ podSelector: {}, egress: [{}] });
    create(b);
    assert.deepEqual((b.spec as { policyTypes: string[] }).policyTypes, ['Ingress', 'Egress']);
    const c = np({ podSelector: {}, policyTypes: ['Egress'] });
    create(c);
    assert.deepEqual((c.spec as { policyTypes: string[] }).policyTypes, ['Egress']);
  });

  void it('validates ports as ValidateNetworkPolicyPort', () => {
    const errs = create(
      np({
        podSelector: {},
        ingress: [
          {
            ports: [
              { protocol: 'ICMP', port: 80 },
              { port: 0 },
              { port: 'http', endPort: 90 },
              { port: 100, endPort: 90 },
              { endPort: 90 },
              { port: 'Not_A_Name' },
            ],
          },
        ],
      }),
    );
    assert.deepEqual(errs, [
      'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
      'spec.ingress[0].ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ingress[0].ports[2].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
      'spec.ingress[0].ports[3].endPort: Invalid value: 100: must be greater than or equal to `port`',
      'spec.ingress[0].ports[4].endPort: Invalid value: 90: may not be specified when `port` is not specified',
      'spec.ingress[0].ports[5].port: Invalid value: "Not_A_Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    ]);
  });

  void it('validates peers and ipBlocks as ValidateNetworkPolicyPeer and ValidateIPBlock', () => {
    const errs = create(
      np({
        podSelector: {},
        egress: [
          {
            to: [
              {},
              { ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} },
              {
                ipBlock: {
                  cidr: '10.0.0.0/8',
                  except: ['10.1.0.0/16', '11.0.0.0/16', '10.0.0.0/8'],
                },
              },
              { ipBlock: { cidr: 'nope' } },
              { ipBlock: {} },
              { namespaceSelector: { matchLabels: { 'bad key!': 'x' } } },
            ],
          },
        ],
      }),
    );
    assert.equal(errs[0], 'spec.egress[0].to[0]: Required value: must specify a peer');
    assert.equal(
      errs[1],
      'spec.egress[0].to[1]: Forbidden: may not specify both ipBlock and another peer',
    );
    assert.equal(
      errs[2],
      'spec.egress[0].to[2].ipBlock.except[1]: Invalid value: "11.0.0.0/16": must be a strict subset of `cidr`',
    );
    assert.equal(
      errs[3],
      'spec.egress[0].to[2].ipBlock.except[2]: Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`',
    );
    assert.equal(
      errs[4],
      'spec.egress[0].to[3].ipBlock.cidr: Invalid value: "nope": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    );
    assert.equal(errs[5], 'spec.egress[0].to[4].ipBlock.cidr: Required value');
    assert.match(
      errs[6] ?? '',
      /^spec\.egress\[0\]\.to\[5\]\.namespaceSelector\.matchLabels: Invalid value: "bad key!"/,
    );
    assert.equal(errs.length, 7);
  });

  void it('validates policy types', () => {
    assert.deepEqual(create(np({ podSelector: {}, policyTypes: ['Ingress', 'Sideways'] })), [
      'spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
    ]);
    assert.match(
      create(np({ podSelector: {}, policyTypes: ['Ingress', 'Egress', 'Ingress'] }))[0] ?? '',
      /^spec\.policyTypes: Invalid value: .*may not specify more than two policyTypes$/,
    );
  });

  void it('prints Name, Pod-Selector, Age', () => {
    assert.deepEqual(
      s.columns?.map((c) => c.name),
      ['Name', 'Pod-Selector', 'Age'],
    );
    const a = np({ podSelector: { matchLabels: { role: 'db', app: 'x' } } });
    assert.deepEqual(s.row?.(a, ctx.now), ['p', 'app=x,role=db', '2m']);
    assert.deepEqual(s.row?.(np({ podSelector: {} }), ctx.now), ['p', '<none>', '2m']);
    assert.equal(networkPolicyResource.shortNames?.[0], 'netpol');
  });
});

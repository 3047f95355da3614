import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { compile, policyId } from './compile.js';
import { diffScript, fullScript } from './nft.js';
import { projectNamespace, projectPod, projectPolicy } from './projection.js';
import type { NpState } from './types.js';

const NODE = 'n1';
const pod = (
  ns: string,
  name: string,
  ip: string,
  labels: Record<string, string>,
  ports: { name: string; containerPort: number; protocol?: string }[] = [],
  nodeName = NODE,
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, labels },
  spec: { nodeName, containers: [{ name: 'c', ports }] },
  status: { phase: 'Running', podIP: ip },
});
const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
});
const policy = (namespace: string, name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { namespace, name },
  spec,
});

function state(pods: KubeObject[], namespaces: KubeObject[], policies: KubeObject[]): NpState {
  return {
    pods: pods.flatMap((p) => projectPod(p, NODE) ?? []),
    namespaces: new Map(namespaces.map((n) => [n.metadata.name ?? '', projectNamespace(n)])),
    policies: policies.map(projectPolicy),
  };
}

const PODS = [
  pod('default', 'web', '10.244.0.2', { app: 'web' }, [{ name: 'http', containerPort: 8080 }]),
  pod('default', 'client', '10.244.0.3', { access: 'true' }),
  pod('default', 'other', '10.244.0.4', {}),
  pod('team', 'peer', '10.244.0.5', { role: 'peer' }),
  pod('default', 'remote', '10.244.1.2', { app: 'web' }, [], 'n2'),
];
const NAMESPACES = [ns('default'), ns('team', { team: 'a' }), ns('kube-system')];
const els = (d: ReturnType<typeof compile>, name: string): string[] =>
  [...(d.sets.get(name)?.elements ?? [])].sort();

void describe('network policy rules', () => {
  void it('selects the targets on this node and isolates them; unselected pods are untouched', () => {
    const np = policy('default', 'deny', { podSelector: {}, policyTypes: ['Ingress'] });
    const d = compile(state(PODS, NAMESPACES, [np]));
    const id = policyId({ namespace: 'default', name: 'deny' });
    assert.deepEqual(els(d, `p${id}-targets`), ['10.244.0.2', '10.244.0.3', '10.244.0.4']);
    assert.deepEqual(els(d, 'ingress-isolated'), ['10.244.0.2', '10.244.0.3', '10.244.0.4']);
    assert.deepEqual(els(d, 'egress-isolated'), []);
    // Deny all: the chain drops whatever reaches it.
    assert.deepEqual(d.ingress, ['drop']);
    assert.deepEqual(d.egress, ['drop']);
  });

  void it('pod selector, namespace selector and both; ports and ranges', () => {
    const np = policy('default', 'web', {
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [
        {
          from: [
            { podSelector: { matchLabels: { access: 'true' } } },
            { namespaceSelector: { matchLabels: { team: 'a' } } },
            {
              namespaceSelector: { matchLabels: { team: 'a' } },
              podSelector: { matchLabels: { role: 'nobody' } },
            },
          ],
          ports: [{ port: 8080 }, { protocol: 'UDP', port: 9000, endPort: 9010 }],
        },
      ],
    });
    const d = compile(state(PODS, NAMESPACES, [np]));
    const id = policyId({ namespace: 'default', name: 'web' });
    assert.deepEqual(els(d, `p${id}-targets`), ['10.244.0.2']);
    assert.deepEqual(els(d, `p${id}-in0-peers`), ['10.244.0.3', '10.244.0.5']);
    assert.deepEqual(d.ingress, [
      `ip daddr @p${id}-targets ip saddr @p${id}-in0-peers meta l4proto tcp th dport 8080 accept`,
      `ip daddr @p${id}-targets ip saddr @p${id}-in0-peers meta l4proto udp th dport 9000-9010 accept`,
      'drop',
    ]);
  });

  void it('resolves named ports on the target pod (ingress) and on the destination (egress)', () => {
    const np = policy('default', 'named', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ ports: [{ port: 'http' }] }],
      egress: [{ ports: [{ port: 'http' }] }],
    });
    const d = compile(state(PODS, NAMESPACES, [np]));
    const id = policyId({ namespace: 'default', name: 'named' });
    assert.deepEqual(els(d, `p${id}-in0-named`), ['10.244.0.2 . tcp . 8080']);
    assert.deepEqual(els(d, `p${id}-eg0-named`), ['10.244.0.2 . tcp . 8080']);
    assert.deepEqual(d.ingress, [
      `ip daddr @p${id}-targets ip daddr . meta l4proto . th dport @p${id}-in0-named accept`,
      'drop',
    ]);
    assert.deepEqual(d.egress, [
      `ip saddr @p${id}-targets ip daddr . meta l4proto . th dport @p${id}-eg0-named return`,
      'drop',
    ]);
    assert.deepEqual(els(d, 'egress-isolated'), ['10.244.0.2']);
  });

  void it('ipBlock with except; an empty rule allows everything', () => {
    const np = policy('default', 'cidr', {
      podSelector: {},
      ingress: [{ from: [{ ipBlock: { cidr: '192.168.0.0/16', except: ['192.168.1.0/24'] } }] }],
      egress: [{}],
      policyTypes: ['Ingress', 'Egress'],
    });
    const d = compile(state(PODS, NAMESPACES, [np]));
    const id = policyId({ namespace: 'default', name: 'cidr' });
    assert.deepEqual(d.ingress, [
      `ip daddr @p${id}-targets ip saddr 192.168.0.0/16 ip saddr != { 192.168.1.0/24 } accept`,
      'drop',
    ]);
    assert.deepEqual(d.egress, [`ip saddr @p${id}-targets return`, 'drop']);
  });

  void it('a pod that comes changes set elements only; a policy change rewrites its chain', () => {
    const np = policy('default', 'web', {
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { access: 'true' } } }] }],
    });
    const before = compile(state(PODS, NAMESPACES, [np]));
    assert.match(
      fullScript(before),
      /^add table inet skiff-netpol\ndelete table inet skiff-netpol\n/,
    );
    const more = [...PODS, pod('default', 'client2', '10.244.0.9', { access: 'true' })];
    const after = compile(state(more, NAMESPACES, [np]));
    const id = policyId({ namespace: 'default', name: 'web' });
    assert.equal(
      diffScript(before, after),
      `add element inet skiff-netpol p${id}-in0-peers { 10.244.0.9 }\n`,
    );
    assert.equal(diffScript(after, after), '');
    const gone = compile(state(more, NAMESPACES, []));
    const script = diffScript(after, gone);
    assert.match(
      script,
      /flush chain inet skiff-netpol ingress\nadd rule inet skiff-netpol ingress drop\n/,
    );
    assert.match(script, new RegExp(`delete set inet skiff-netpol p${id}-targets\\n`));
    assert.match(script, /delete element inet skiff-netpol ingress-isolated \{ 10\.244\.0\.2 \}/);
  });

  void it('leaves out host-network, finished and address-less pods', () => {
    const host = pod('default', 'h', '10.0.0.1', {});
    (host.spec as Record<string, unknown>).hostNetwork = true;
    const done = pod('default', 'd', '10.244.0.7', {});
    (done.status as Record<string, unknown>).phase = 'Succeeded';
    const pending = pod('default', 'p', '', {});
    assert.deepEqual(state([host, done, pending], [], []).pods, []);
  });
});

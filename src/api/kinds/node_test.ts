import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { KubeObject, StrategyContext } from '../types.js';
import { nodeResource, prepareForStatusUpdate } from './node.js';

const ctx: StrategyContext = { namespace: '', now: new Date('2024-01-03T00:00:00Z') };
const s = nodeResource.strategy;
const node = (extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name: 'node-1',
    creationTimestamp: '2024-01-01T00:00:00Z',
    labels: { 'node-role.kubernetes.io/control-plane': '' },
  },
  spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
  status: {
    capacity: { cpu: '2', memory: '24Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True' }],
    addresses: [
      { type: 'InternalIP', address: '192.168.10.2' },
      { type: 'Hostname', address: 'node-1' },
    ],
    nodeInfo: {
      kubeletVersion: 'v1.30.0-skiff',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      kernelVersion: '6.1.0',
      containerRuntimeVersion: 'runc://1.1.12',
    },
  },
  ...extra,
});

void describe('Node', () => {
  void it('defaults allocatable to capacity and keeps status on create', () => {
    const obj = node();
    s.defaults?.(obj, ctx);
    s.prepareForCreate?.(obj, ctx);
    assert.deepEqual(s.validate?.(obj, ctx), []);
    const status = obj.status as Record<string, unknown>;
    assert.deepEqual(status.allocatable, { cpu: '2', memory: '24Gi', pods: '110' });
  });

  void it('keeps status on main updates and spec on status updates', () => {
    const old = node();
    const next = node({ status: { conditions: [] } });
    (next.spec as Record<string, unknown>).unschedulable = true;
    s.prepareForUpdate?.(next, old, ctx);
    assert.deepEqual(next.status, old.status);
    const st = node({ spec: {}, status: { conditions: [{ type: 'Ready', status: 'False' }] } });
    prepareForStatusUpdate(st, old);
    assert.deepEqual(st.spec, old.spec);
    assert.deepEqual(st.status, { conditions: [{ type: 'Ready', status: 'False' }] });
  });

  void it('validates taints and pod CIDR changes', () => {
    const bad = node({ spec: { taints: [{ key: 'dedicated', effect: 'Sometimes' }] } });
    assert.deepEqual((s.validate?.(bad, ctx) ?? []).map(fieldErrorText), [
      'metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ]);
    const moved = node({ spec: { podCIDRs: ['10.244.1.0/24'] } });
    assert.deepEqual((s.validateUpdate?.(moved, node(), ctx) ?? []).map(fieldErrorText), [
      'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
    ]);
  });

  void it('prints status, roles, version and the wide columns', () => {
    assert.deepEqual(s.row?.(node(), ctx.now), [
      'node-1',
      'Ready',
      'control-plane',
      '2d',
      'v1.30.0-skiff',
      '192.168.10.2',
      '<none>',
      'Debian GNU/Linux 12 (bookworm)',
      '6.1.0',
      'runc://1.1.12',
    ]);
    const cordoned = node({ metadata: { name: 'n2' }, spec: { unschedulable: true }, status: {} });
    assert.deepEqual(s.row?.(cordoned, ctx.now), [
      'n2',
      'Unknown,SchedulingDisabled',
      '<none>',
      '<unknown>',
      '',
      '<none>',
      '<none>',
      '<unknown>',
      '<unknown>',
      '<unknown>',
    ]);
    assert.deepEqual(s.selectableFields?.(cordoned), { 'spec.unschedulable': 'true' });
    assert.deepEqual(
      s.columns?.filter((c) => c.priority === 1).map((c) => c.name),
      ['Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime'],
    );
    assert.deepEqual(
      nodeResource.subresources?.map((r) => r.name),
      ['proxy', 'status'],
    );
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { KubeObject } from '../types.js';
import {
  resourceQuotaResource,
  resourceQuotaRow,
  validateResourceQuota,
  validateResourceQuotaUpdate,
} from './resourcequota.js';

const quota = (spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: 'q', namespace: 'ns', creationTimestamp: '2024-01-01T00:00:00Z' },
  spec,
  ...(status ? { status } : {}),
});
const errors = (q: KubeObject): string[] => validateResourceQuota(q).map(fieldErrorText);

void describe('ResourceQuota', () => {
  void it('accepts standard, counted and qualified resources', () => {
    assert.deepEqual(
      errors(
        quota({
          hard: {
            pods: '10',
            'requests.cpu': '500m',
            'limits.memory': '1Gi',
            'count/deployments.apps': '2',
            'gold.storageclass.storage.k8s.io/requests.storage': '10Gi',
            'requests.example.com/gpu': '1',
          },
        }),
      ),
      [],
    );
  });

  void it('refuses unknown names, negative and fractional counts', () => {
    assert.deepEqual(errors(quota({ hard: { foo: '1', storage: '1Gi', pods: '1500m' } })), [
      'spec.hard[foo]: Invalid value: "foo": must be a standard resource type or fully qualified',
      'spec.hard[foo]: Invalid value: "foo": must be a standard resource for quota',
      'spec.hard[storage]: Invalid value: "storage": must be a standard resource for quota',
      'spec.hard[pods]: Invalid value: "1500m": must be an integer',
    ]);
    assert.deepEqual(errors(quota({ hard: { 'requests.cpu': '-1' } })), [
      'spec.hard[requests.cpu]: Invalid value: "-1": must be greater than or equal to 0',
    ]);
  });

  void it('checks scopes as kube does', () => {
    assert.deepEqual(
      errors(quota({ hard: { pods: '1' }, scopes: ['BestEffort', 'NotBestEffort'] })),
      [
        'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort", "NotBestEffort"}: conflicting scopes',
      ],
    );
    assert.deepEqual(errors(quota({ hard: { 'requests.cpu': '1' }, scopes: ['BestEffort'] })), [
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort"}: unsupported scope applied to resource',
    ]);
    assert.deepEqual(errors(quota({ hard: { pods: '1' }, scopes: ['Nope'] })), [
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"Nope"}: unsupported scope',
    ]);
    assert.deepEqual(
      errors(
        quota({
          hard: { pods: '1' },
          scopeSelector: {
            matchExpressions: [
              { scopeName: 'PriorityClass', operator: 'In' },
              { scopeName: 'Terminating', operator: 'In', values: ['x'] },
              { scopeName: 'PriorityClass', operator: 'Exists', values: ['x'] },
            ],
          },
        }),
      ),
      [
        "spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
        'spec.scopeSelector.matchExpressions.operator: Invalid value: "In": must be \'Exists\' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity',
        "spec.scopeSelector.matchExpressions.values: Invalid value: []string{\"x\"}: must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
      ],
    );
  });

  void it('keeps scopes on update and status apart from spec', () => {
    const old = quota({ hard: { pods: '1' }, scopes: ['Terminating'] });
    assert.deepEqual(
      validateResourceQuotaUpdate(quota({ hard: { pods: '1' } }), old).map(fieldErrorText),
      ['spec.scopes: Invalid value: []core.ResourceQuotaScope(nil): field is immutable'],
    );
    const created = quota({ hard: { pods: '1' } }, { used: { pods: '5' } });
    resourceQuotaResource.strategy.prepareForCreate?.(created, {
      namespace: 'ns',
      now: new Date(),
    });
    assert.deepEqual(created.status, {});
    const next = quota({ hard: { pods: '2' } }, { used: { pods: '9' } });
    resourceQuotaResource.statusStrategy?.prepareForUpdate(next, old);
    assert.deepEqual(next.spec, old.spec);
  });

  void it('prints requests and limits as used/hard, by name', () => {
    const q = quota(
      {},
      {
        hard: { pods: '10', 'requests.cpu': '1', 'limits.memory': '2Gi', 'limits.cpu': '2' },
        used: { pods: '1', 'limits.memory': '536870912', 'limits.cpu': '500m' },
      },
    );
    assert.deepEqual(resourceQuotaRow(q, new Date('2024-01-01T00:05:00Z')), [
      'q',
      '5m',
      'pods: 1/10, requests.cpu: 0/1',
      'limits.cpu: 500m/2, limits.memory: 536870912/2Gi',
    ]);
    assert.deepEqual(resourceQuotaRow(quota({ hard: { pods: '1' } }), new Date()).slice(2), [
      '',
      '',
    ]);
  });
});

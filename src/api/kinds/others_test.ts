import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { otherResources } from './index.js';

void describe('otherResources', () => {
  void it('lists each non-workload kind once with the short names kubectl uses', () => {
    const key = (d: { group: string; version: string; plural: string }): string =>
      `${d.group}/${d.version}/${d.plural}`;
    const keys = otherResources.map(key);
    assert.equal(new Set(keys).size, keys.length);
    const shorts = Object.fromEntries(otherResources.map((d) => [key(d), d.shortNames ?? []]));
    assert.deepEqual(shorts, {
      '/v1/namespaces': ['ns'],
      '/v1/services': ['svc'],
      '/v1/endpoints': ['ep'],
      '/v1/configmaps': ['cm'],
      '/v1/secrets': [],
      '/v1/resourcequotas': ['quota'],
      '/v1/serviceaccounts': ['sa'],
      '/v1/events': ['ev'],
      '/v1/limitranges': ['limits'],
      '/v1/nodes': ['no'],
      'discovery.k8s.io/v1/endpointslices': [],
      'events.k8s.io/v1/events': ['ev'],
      'networking.k8s.io/v1/ingresses': ['ing'],
      'networking.k8s.io/v1/ingressclasses': [],
      'networking.k8s.io/v1/networkpolicies': ['netpol'],
      'certificates.k8s.io/v1/certificatesigningrequests': ['csr'],
      'coordination.k8s.io/v1/leases': [],
      'apps/v1/controllerrevisions': [],
      'rbac.authorization.k8s.io/v1/clusterrolebindings': [],
      'rbac.authorization.k8s.io/v1/clusterroles': [],
      'rbac.authorization.k8s.io/v1/rolebindings': [],
      'rbac.authorization.k8s.io/v1/roles': [],
      'autoscaling/v2/horizontalpodautoscalers': ['hpa'],
      'policy/v1/poddisruptionbudgets': ['pdb'],
      '/v1/persistentvolumes': ['pv'],
      '/v1/persistentvolumeclaims': ['pvc'],
      'storage.k8s.io/v1/storageclasses': ['sc'],
      'scheduling.k8s.io/v1/priorityclasses': ['pc'],
      'apiextensions.k8s.io/v1/customresourcedefinitions': ['crd', 'crds'],
      // Legacy versions: no short name, so `ing` means v1 without kubectl's ambiguity warning.
      'networking.k8s.io/v1beta1/ingresses': [],
      'extensions/v1beta1/ingresses': [],
      'autoscaling/v1/horizontalpodautoscalers': ['hpa'],
    });
    assert.deepEqual(
      otherResources.filter((d) => d.categories?.includes('all')).map((d) => d.plural),
      ['services', 'horizontalpodautoscalers', 'horizontalpodautoscalers'],
    );
  });

  void it('gives every kind a printer whose row matches its columns', () => {
    for (const d of otherResources) {
      const cols = d.strategy.columns ?? [];
      assert.ok(cols.length > 1, d.plural);
      const row = d.strategy.row?.({ metadata: { name: 'x' } }, new Date()) ?? [];
      assert.equal(row.length, cols.length, d.plural);
    }
  });

  void it('has a strategy for each declared status or finalize subresource', () => {
    for (const d of otherResources)
      for (const sub of d.subresources ?? [])
        if (sub.name === 'status' || sub.name === 'finalize')
          assert.ok(
            sub.name === 'status' ? d.statusStrategy : d.finalizeStrategy,
            `${d.plural}/${sub.name}`,
          );
  });
});

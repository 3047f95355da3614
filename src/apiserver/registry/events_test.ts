import { it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi } from '../../../test/support/inprocess.js';

it('serves one Event through core/v1 and events.k8s.io/v1, converting between the shapes', async () => {
  const api = await startTestApi();
  try {
    const v1 = { group: 'events.k8s.io', version: 'v1', plural: 'events', namespaced: true };
    const core = { group: '', version: 'v1', plural: 'events', namespaced: true };
    await api.client.create(v1, 'default', {
      metadata: { name: 'e1' },
      eventTime: '2026-11-22T07:00:00.000000Z',
      reportingController: 'example.com/ctl',
      reportingInstance: 'ctl-1',
      action: 'Sync',
      reason: 'Synced',
      note: 'all good',
      type: 'Normal',
      regarding: { kind: 'Pod', name: 'p', namespace: 'default' },
    });
    const asCore = await api.client.get(core, 'default', 'e1');
    assert.equal(asCore.apiVersion, 'v1');
    assert.equal(asCore['message'], 'all good');
    assert.deepEqual(asCore['involvedObject'], { kind: 'Pod', name: 'p', namespace: 'default' });
    const list = await api.client.list(v1, 'default', { fieldSelector: 'metadata.name=e1' });
    assert.equal(list.items[0]?.['note'], 'all good');
    assert.equal(list.items[0]?.apiVersion, 'events.k8s.io/v1');
  } finally {
    await api.close();
  }
});

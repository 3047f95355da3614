// The Node authorizer's graph: which objects a node reaches through the pods bound to it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeGraph } from './graph.js';

const pod = (name: string, nodeName: string | undefined, spec: object = {}, annotations = {}) => ({
  metadata: { namespace: 'default', name, annotations },
  spec: { ...(nodeName ? { nodeName } : {}), ...spec },
});

describe('the node graph', () => {
  it('leads from everything a bound pod uses to its node, and to no other node', () => {
    const g = new NodeGraph();
    g.setPod(
      pod('web', 'n1', {
        serviceAccountName: 'robot',
        imagePullSecrets: [{ name: 'pull' }],
        initContainers: [{ env: [{ valueFrom: { secretKeyRef: { name: 'init-env' } } }] }],
        containers: [
          {
            env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'a' } } }],
            envFrom: [{ secretRef: { name: 'env-secret' } }, { configMapRef: { name: 'from-cm' } }],
          },
        ],
        ephemeralContainers: [{ envFrom: [{ secretRef: { name: 'debug' } }] }],
        volumes: [
          { name: 'a', secret: { secretName: 'vol-secret' } },
          { name: 'b', configMap: { name: 'vol-cm' } },
          {
            name: 'c',
            projected: {
              sources: [{ secret: { name: 'proj-secret' } }, { configMap: { name: 'proj-cm' } }],
            },
          },
          { name: 'd', persistentVolumeClaim: { claimName: 'data' } },
          { name: 'scratch', ephemeral: { volumeClaimTemplate: {} } },
          { name: 'e', csi: { driver: 'x', nodePublishSecretRef: { name: 'csi-secret' } } },
        ],
      }),
    );
    const secrets = [
      'pull',
      'init-env',
      'env-secret',
      'debug',
      'vol-secret',
      'proj-secret',
      'csi-secret',
    ];
    for (const s of secrets) assert.ok(g.hasPath('secret', 'default', s, 'n1'), s);
    for (const c of ['env-cm', 'from-cm', 'vol-cm', 'proj-cm'])
      assert.ok(g.hasPath('configmap', 'default', c, 'n1'), c);
    assert.ok(g.hasPath('persistentvolumeclaim', 'default', 'data', 'n1'));
    assert.ok(g.hasPath('persistentvolumeclaim', 'default', 'web-scratch', 'n1'));
    assert.ok(g.hasPath('serviceaccount', 'default', 'robot', 'n1'));
    assert.ok(g.hasPath('pod', 'default', 'web', 'n1'));
    assert.ok(!g.hasPath('secret', 'default', 'vol-secret', 'n2'));
    assert.ok(!g.hasPath('secret', 'other', 'vol-secret', 'n1'), 'namespaces are apart');
    assert.ok(!g.hasPath('secret', 'default', 'unrelated', 'n1'));
  });

  it('states nothing for a pod not bound yet, and replaces the edges when it is bound', () => {
    const g = new NodeGraph();
    const spec = { volumes: [{ name: 'a', secret: { secretName: 's' } }] };
    g.setPod(pod('p', undefined, spec));
    assert.equal(g.size, 0);
    g.setPod(pod('p', 'n1', spec));
    assert.ok(g.hasPath('secret', 'default', 's', 'n1'));
    g.setPod(pod('p', 'n2', spec));
    assert.ok(!g.hasPath('secret', 'default', 's', 'n1'));
    assert.ok(g.hasPath('secret', 'default', 's', 'n2'));
  });

  it('keeps a shared secret reachable until the last pod using it goes', () => {
    const g = new NodeGraph();
    const spec = { volumes: [{ name: 'a', secret: { secretName: 'shared' } }] };
    g.setPod(pod('a', 'n1', spec));
    g.setPod(pod('b', 'n1', spec));
    g.deletePod('default', 'a');
    assert.ok(g.hasPath('secret', 'default', 'shared', 'n1'));
    g.deletePod('default', 'b');
    assert.ok(!g.hasPath('secret', 'default', 'shared', 'n1'));
    assert.equal(g.size, 0);
  });

  it('gives a mirror pod only its own edge to the node', () => {
    const g = new NodeGraph();
    g.setPod(
      pod(
        'static',
        'n1',
        { serviceAccountName: 'default', volumes: [{ name: 'a', secret: { secretName: 's' } }] },
        { 'kubernetes.io/config.mirror': 'hash' },
      ),
    );
    assert.ok(g.hasPath('pod', 'default', 'static', 'n1'));
    assert.ok(!g.hasPath('secret', 'default', 's', 'n1'));
    assert.ok(!g.hasPath('serviceaccount', 'default', 'default', 'n1'));
  });

  it('follows claim → volume → secret and volume attachments', () => {
    const g = new NodeGraph();
    g.setPod(
      pod('db', 'n1', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] }),
    );
    g.setPersistentVolume({
      metadata: { name: 'pv1' },
      spec: {
        claimRef: { namespace: 'default', name: 'data' },
        csi: { driver: 'x', nodeStageSecretRef: { name: 'stage', namespace: 'storage' } },
        rbd: { secretRef: { name: 'ceph' } },
      },
    });
    assert.ok(g.hasPath('persistentvolume', '', 'pv1', 'n1'));
    assert.ok(g.hasPath('secret', 'storage', 'stage', 'n1'));
    assert.ok(g.hasPath('secret', 'default', 'ceph', 'n1'), 'no namespace: the claim’s');
    g.deletePersistentVolume('pv1');
    assert.ok(!g.hasPath('persistentvolume', '', 'pv1', 'n1'));
    g.setVolumeAttachment('va1', 'n1');
    assert.ok(g.hasPath('volumeattachment', '', 'va1', 'n1'));
    g.setVolumeAttachment('va1', 'n2');
    assert.ok(!g.hasPath('volumeattachment', '', 'va1', 'n1'));
  });
});

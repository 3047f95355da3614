import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'regexparam';
import type { KObject } from '../api/reducer.js';
import {
  containerToShow,
  defaultContainer,
  namedContainer,
  OPTIONAL_QUERY,
  podContainers,
} from './containers.js';

const pod: KObject = {
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    initContainers: [{ name: 'setup' }],
    containers: [{ name: 'app' }, { name: 'sidecar' }],
  },
  status: {
    initContainerStatuses: [
      { name: 'setup', restartCount: 0, state: { terminated: { reason: 'Completed' } } },
    ],
    containerStatuses: [
      { name: 'app', restartCount: 2, state: { running: {} } },
      { name: 'sidecar', restartCount: 0, state: { waiting: { reason: 'CrashLoopBackOff' } } },
    ],
  },
};

describe('pod containers', () => {
  it('lists init, app and ephemeral containers with their state', () => {
    assert.deepEqual(podContainers(pod), [
      { name: 'setup', kind: 'init', state: 'terminated: Completed', restarts: 0 },
      { name: 'app', kind: 'app', state: 'running', restarts: 2 },
      { name: 'sidecar', kind: 'app', state: 'waiting: CrashLoopBackOff', restarts: 0 },
    ]);
    assert.deepEqual(podContainers(undefined), []);
  });

  it('picks the annotated default container, else the first app container', () => {
    assert.equal(defaultContainer(pod), 'app');
    const annotated = {
      ...pod,
      metadata: {
        ...pod.metadata,
        annotations: { 'kubectl.kubernetes.io/default-container': 'sidecar' },
      },
    };
    assert.equal(defaultContainer(annotated), 'sidecar');
    const wrong = {
      ...pod,
      metadata: {
        ...pod.metadata,
        annotations: { 'kubectl.kubernetes.io/default-container': 'x' },
      },
    };
    assert.equal(defaultContainer(wrong), 'app');
  });
});

describe('the container a page shows', () => {
  it('takes the name in the hash first, else only a hint from the page query', () => {
    assert.deepEqual(namedContainer('#/pods/d/p/logs?container=a', '?container=b'), {
      named: 'a',
    });
    assert.deepEqual(namedContainer('#/pods/d/p/logs', '?container=b'), { hinted: 'b' });
    assert.deepEqual(namedContainer('#/pods/d/p/logs', ''), { hinted: undefined });
  });

  it('shows the chosen or named one, a hint the pod has, else the default', () => {
    assert.equal(containerToShow(pod, { chosen: 'sidecar', named: 'x' }), 'sidecar');
    assert.equal(containerToShow(pod, { named: 'nope' }), 'nope');
    assert.equal(containerToShow(pod, { hinted: 'sidecar' }), 'sidecar');
    assert.equal(containerToShow(pod, { hinted: 'left-from-another-pod' }), 'app');
    assert.equal(containerToShow(undefined, { hinted: 'sidecar' }), undefined);
  });
});

describe('routes with a query in the hash', () => {
  it('match with and without the query, and nothing longer', () => {
    const { pattern } = parse(`/pods/:ns/:name/logs${OPTIONAL_QUERY}`);
    assert.ok(pattern.test('/pods/default/web/logs'));
    assert.ok(pattern.test('/pods/default/web/logs?container=app'));
    assert.deepEqual(pattern.exec('/pods/default/web/logs?container=a')?.slice(1), [
      'default',
      'web',
    ]);
    assert.ok(!pattern.test('/pods/default/web/logsx'));
    assert.ok(!pattern.test('/pods/default/web/logs/more'));
  });
});

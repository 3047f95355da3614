import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasContainer, logStatusProblem, podView, runningProblem } from './pod.js';

const pod = (status: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
  podView({
    metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
    spec: { nodeName: 'n', containers: [{ name: 'app' }], ...spec },
    status,
  });

describe('pod checks', () => {
  it('finds app, init and ephemeral containers by name', () => {
    const p = pod(
      {},
      { initContainers: [{ name: 'init' }], ephemeralContainers: [{ name: 'dbg' }] },
    );
    assert.ok(hasContainer(p, 'app'));
    assert.ok(hasContainer(p, 'init'));
    assert.ok(hasContainer(p, 'dbg'));
    assert.ok(!hasContainer(p, 'other'));
  });

  it('lets exec reach running containers, init containers of a pending pod included', () => {
    const running = { running: {} };
    assert.equal(
      runningProblem(
        pod({ phase: 'Running', containerStatuses: [{ name: 'app', state: running }] }),
        'app',
      ),
      undefined,
    );
    assert.equal(runningProblem(pod({ phase: 'Running' }), 'app'), undefined);
    assert.equal(
      runningProblem(
        pod({ phase: 'Pending', initContainerStatuses: [{ name: 'init', state: running }] }),
        'init',
      ),
      undefined,
    );
    assert.equal(
      runningProblem(
        pod({ phase: 'Running', containerStatuses: [{ name: 'app', state: { terminated: {} } }] }),
        'app',
      ),
      'container not found ("app")',
    );
    assert.equal(runningProblem(pod({ phase: 'Pending' }), undefined), 'pod not found ("p_ns")');
  });

  it('words log problems as the kubelet does', () => {
    const st = (state: object, lastState: object = {}) =>
      pod({ containerStatuses: [{ name: 'app', state, lastState }] });
    assert.equal(
      logStatusProblem(pod({}), 'app', false),
      'container "app" in pod "p" is not available',
    );
    assert.equal(
      logStatusProblem(st({ waiting: { reason: 'ImagePullBackOff' } }), 'app', false),
      'container "app" in pod "p" is waiting to start: trying and failing to pull image',
    );
    assert.equal(
      logStatusProblem(st({ waiting: { reason: 'ErrImagePull' } }), 'app', false),
      'container "app" in pod "p" is waiting to start: image can\'t be pulled',
    );
    assert.equal(
      logStatusProblem(
        st({ waiting: { reason: 'CrashLoopBackOff' } }, { terminated: { containerID: 'x' } }),
        'app',
        false,
      ),
      undefined,
    );
    assert.equal(
      logStatusProblem(st({ terminated: {} }), 'app', false),
      'container "app" in pod "p" is terminated',
    );
    assert.equal(
      logStatusProblem(st({}), 'app', false),
      'container "app" in pod "p" is waiting to start - no logs yet',
    );
    assert.equal(
      logStatusProblem(st({ running: {} }, { terminated: { containerID: 'x' } }), 'app', true),
      undefined,
    );
  });
});

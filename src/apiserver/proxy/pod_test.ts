import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../api/errors.js';
import { chooseContainer, podView } from './pod.js';

const pod = (status: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
  podView({
    metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
    spec: { nodeName: 'n', containers: [{ name: 'app' }], ...spec },
    status,
  });

describe('pod checks', () => {
  it('chooses the only container, or insists on a valid name', () => {
    assert.equal(chooseContainer(pod({}), ''), 'app');
    assert.equal(chooseContainer(pod({}, { initContainers: [{ name: 'init' }] }), 'init'), 'init');
    const two = pod(
      {},
      { containers: [{ name: 'a' }, { name: 'b' }], ephemeralContainers: [{ name: 'dbg' }] },
    );
    assert.throws(
      () => chooseContainer(two, '', true),
      (e: unknown) =>
        e instanceof ApiError &&
        e.code === 400 &&
        e.message ===
          'a container name must be specified for pod p, choose one of: [a b] or one of the ephemeral containers: [dbg]',
    );
    assert.equal(chooseContainer(two, 'dbg'), 'dbg');
    assert.throws(() => chooseContainer(two, 'c'), /container c is not valid for pod p/);
  });

  it('reads the pod IP and the first declared container port', () => {
    const p = pod(
      { podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.9' }, { ip: 'fd00::9' }] },
      { containers: [{ name: 'a' }, { name: 'b', ports: [{ containerPort: 8080 }] }] },
    );
    assert.equal(p.ip, '10.0.0.9');
    assert.deepEqual(p.ips, ['10.0.0.9', 'fd00::9']);
    assert.equal(p.firstContainerPort, 8080);
    assert.equal(pod({}).ip, '');
  });
});

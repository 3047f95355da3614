import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/reducer.js';
import { podReady, podRestarts, podStatus, workloadReady, workloadStatus } from './status.js';

const o = (spec: any, status: any, extra: Partial<KObject['metadata']> = {}): KObject => ({
  metadata: { name: 'x', ...extra },
  spec,
  status,
});

describe('ready counts and status words', () => {
  it('counts ready pods per workload kind as kubectl does', () => {
    assert.equal(workloadReady('Deployment', o({ replicas: 3 }, { readyReplicas: 1 })), '1/3');
    assert.equal(workloadReady('Deployment', o({}, {})), '0/1');
    assert.equal(workloadReady('StatefulSet', o({ replicas: 2 }, { readyReplicas: 2 })), '2/2');
    assert.equal(
      workloadReady('DaemonSet', o({}, { numberReady: 1, desiredNumberScheduled: 2 })),
      '1/2',
    );
    assert.equal(workloadReady('Job', o({ completions: 5 }, { succeeded: 2 })), '2/5');
    assert.equal(workloadReady('CronJob', o({}, {})), '');
  });

  it('reads a pod: ready containers, restarts, the reason a container waits', () => {
    const pod = o(
      { containers: [{ name: 'a' }, { name: 'b' }] },
      {
        phase: 'Running',
        containerStatuses: [
          { name: 'a', ready: true, restartCount: 2, state: { running: {} } },
          {
            name: 'b',
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
          },
        ],
      },
    );
    assert.equal(podReady(pod), '1/2');
    assert.equal(podRestarts(pod), 5);
    assert.equal(podStatus(pod), 'CrashLoopBackOff');
    assert.deepEqual(workloadStatus('Pod', pod), { text: 'CrashLoopBackOff', tone: 'bad' });
    assert.equal(podStatus(o({}, { phase: 'Running' }, { deletionTimestamp: 'x' })), 'Terminating');
  });

  it('says whether a deployment is ready, progressing or failed', () => {
    const ready = o({ replicas: 2 }, { replicas: 2, readyReplicas: 2, updatedReplicas: 2 });
    assert.deepEqual(workloadStatus('Deployment', ready), { text: 'Ready', tone: 'ok' });
    const rolling = o({ replicas: 2 }, { replicas: 3, readyReplicas: 2, updatedReplicas: 1 });
    assert.equal(workloadStatus('Deployment', rolling).text, 'Progressing');
    const stuck = o(
      { replicas: 2 },
      {
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      },
    );
    assert.equal(workloadStatus('Deployment', stuck).text, 'Failed');
    assert.equal(workloadStatus('Deployment', o({ replicas: 0 }, {})).text, 'Scaled to 0');
  });

  it('says how a job ended', () => {
    const done = o({}, { conditions: [{ type: 'Complete', status: 'True' }] });
    assert.equal(workloadStatus('Job', done).text, 'Complete');
    assert.equal(workloadStatus('CronJob', o({ suspend: true }, {})).text, 'Suspended');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../types.js';
import { approvalStrategy, conditionText, statusStrategy } from './strategies.js';

const csr = (status: object, spec: object = { signerName: 'example.com/s' }): KubeObject => ({
  metadata: { name: 'c' },
  spec,
  status,
});

describe('CSR subresource strategies', () => {
  it('prints the CONDITION column as kube does', () => {
    assert.equal(conditionText(csr({})), 'Pending');
    assert.equal(conditionText(csr({ conditions: [{ type: 'Approved' }] })), 'Approved');
    assert.equal(
      conditionText(csr({ conditions: [{ type: 'Approved' }], certificate: 'Y2VydA==' })),
      'Approved,Issued',
    );
    assert.equal(
      conditionText(csr({ conditions: [{ type: 'Approved' }, { type: 'Failed' }] })),
      'Approved,Failed',
    );
    assert.equal(
      conditionText(csr({ conditions: [{ type: 'Approved' }, { type: 'Denied' }] })),
      'Denied',
    );
  });

  it('approval takes only the conditions; status keeps Approved/Denied as stored', () => {
    const old = csr(
      {
        certificate: 'b2xk',
        conditions: [
          { type: 'Approved', status: 'True', lastTransitionTime: '2030-01-01T00:00:00Z' },
        ],
      },
      { signerName: 'example.com/s', username: 'alice' },
    );
    const viaApproval = csr(
      { certificate: 'bmV3', conditions: [{ type: 'Approved', status: 'True' }] },
      { signerName: 'evil.com/x', username: 'mallory' },
    );
    approvalStrategy.prepareForUpdate(viaApproval, old);
    assert.deepEqual(viaApproval.spec, old.spec);
    const st = viaApproval['status'] as {
      certificate: string;
      conditions: Record<string, string>[];
    };
    assert.equal(st.certificate, 'b2xk');
    assert.equal(st.conditions[0]?.['lastTransitionTime'], '2030-01-01T00:00:00Z');
    assert.ok(st.conditions[0]?.['lastUpdateTime']);

    const viaStatus = csr({
      certificate: 'bmV3',
      conditions: [{ type: 'Denied', status: 'True' }],
    });
    statusStrategy.prepareForUpdate(viaStatus, old);
    const s2 = viaStatus['status'] as { certificate: string; conditions: Record<string, string>[] };
    assert.equal(s2.certificate, 'bmV3');
    assert.deepEqual(
      s2.conditions.map((c) => c['type']),
      ['Approved'],
    );
  });
});

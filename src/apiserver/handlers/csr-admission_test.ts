import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../../api/kinds/index.js';
import type { KubeObject } from '../../api/types.js';
import { ApiError } from '../../api/errors.js';
import { createAuthorizer } from '../auth/authz.js';
import type { AuthorizationAttributes } from '../auth/types.js';
import { certificateAdmission } from './csr-admission.js';

// An approver who may approve for every signer of example.com (by wildcard) and sign for
// example.com/exact only.
const asked: string[] = [];
const authz = createAuthorizer([
  {
    authorize(a: AuthorizationAttributes) {
      asked.push(`${a.verb} ${a.group}/${a.resource} ${a.name}`);
      if (a.resource !== 'signers') return { decision: 'noOpinion' };
      if (a.verb === 'approve' && a.name === 'example.com/*') return { decision: 'allow' };
      if (a.verb === 'sign' && a.name === 'example.com/exact') return { decision: 'allow' };
      return { decision: 'noOpinion' };
    },
  },
]);
const admit = certificateAdmission(authz);
const def = builtinResources.find((d) => d.plural === 'certificatesigningrequests');
if (!def) throw new Error('no CertificateSigningRequest kind');
const user = { name: 'approver', groups: ['system:authenticated'] };
const csr = (signerName: string, certificate?: string): KubeObject => ({
  metadata: { name: 'c1' },
  spec: { signerName },
  status: certificate ? { certificate } : {},
});

const refusal = (f: () => void): string => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 403);
    return e.message;
  }
  assert.fail('not refused');
};

describe('certificates admission', () => {
  it('approval needs approve on the signer, or on its domain’s wildcard', () => {
    asked.length = 0;
    admit({
      user,
      def,
      subresource: 'approval',
      object: csr('example.com/a'),
      old: csr('example.com/a'),
    });
    assert.deepEqual(asked, [
      'approve certificates.k8s.io/signers example.com/a',
      'approve certificates.k8s.io/signers example.com/*',
    ]);
    assert.equal(
      refusal(() =>
        admit({
          user,
          def,
          subresource: 'approval',
          object: csr('kubernetes.io/kube-apiserver-client'),
          old: csr('kubernetes.io/kube-apiserver-client'),
        }),
      ),
      'certificatesigningrequests.certificates.k8s.io "c1" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"',
    );
  });

  it('setting status.certificate needs sign; other status writes do not', () => {
    admit({
      user,
      def,
      subresource: 'status',
      object: csr('example.com/exact', 'Y2VydA=='),
      old: csr('example.com/exact'),
    });
    admit({
      user,
      def,
      subresource: 'status',
      object: csr('example.com/a'),
      old: csr('example.com/a'),
    });
    assert.equal(
      refusal(() =>
        admit({
          user,
          def,
          subresource: 'status',
          object: csr('example.com/a', 'Y2VydA=='),
          old: csr('example.com/a'),
        }),
      ),
      'certificatesigningrequests.certificates.k8s.io "c1" is forbidden: user not permitted to sign requests with signerName "example.com/a"',
    );
  });
});

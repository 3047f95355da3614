// certificates.k8s.io/v1 CertificateSigningRequest, as kube-apiserver's certificates
// registry and pkg/apis/certificates/validation: the requester's identity recorded on
// create (and never taken from the client), a request that must parse and be signed by its
// own key, a well-formed signer name, known usages, and three ways to write: the object
// itself (metadata only), `approval` (the Approved/Denied conditions) and `status` (the
// signer's certificate and other conditions). Which usages a signer accepts is the
// signer's call: it marks a request Failed rather than the API refusing it, as kube does.

import type { ResourceDef } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import { AGE_COLUMN, NAME_COLUMN, age, humanDuration } from '../printing.js';
import { asStr, column, specOf, statusOf } from './kindutil.js';
import { approvalStrategy, conditionText, statusStrategy } from './csr/strategies.js';
import {
  bytesOf,
  checkBytesFields,
  updateRules,
  validateCertificateSigningRequest,
} from './csr/validation.js';

export { LEGACY_UNKNOWN_SIGNER } from './csr/validation.js';

const KIND = 'CertificateSigningRequest';

export const certificateSigningRequestResource: ResourceDef = {
  group: 'certificates.k8s.io',
  version: 'v1',
  kind: KIND,
  listKind: 'CertificateSigningRequestList',
  plural: 'certificatesigningrequests',
  singular: 'certificatesigningrequest',
  namespaced: false,
  shortNames: ['csr'],
  verbs: [...STANDARD_VERBS],
  subresources: [
    { name: 'approval', verbs: ['get', 'patch', 'update'] },
    { name: 'status', verbs: ['get', 'patch', 'update'] },
  ],
  strategy: {
    defaults: (obj) => checkBytesFields(obj),
    prepareForCreate(obj, ctx) {
      // The requester is whoever creates it; nothing the client says about it is kept.
      const spec = specOf(obj);
      delete spec.username;
      delete spec.uid;
      delete spec.groups;
      delete spec.extra;
      const user = ctx.user;
      if (user) {
        if (user.name) spec.username = user.name;
        if (user.uid) spec.uid = user.uid;
        if (user.groups.length) spec.groups = [...user.groups];
        if (user.extra && Object.keys(user.extra).length) spec.extra = structuredClone(user.extra);
      }
      obj.spec = spec;
      obj.status = {};
    },
    prepareForUpdate(obj, old) {
      obj.spec = structuredClone(old.spec);
      if (old.status === undefined) delete obj.status;
      else obj.status = structuredClone(old.status);
    },
    validate: (obj) => validateCertificateSigningRequest(obj),
    // `validate` has checked the object; these are the rules of an update on top of it.
    validateUpdate: (obj, old) =>
      updateRules(
        obj,
        old,
        {},
        bytesOf(statusOf(obj).certificate) ?? Buffer.alloc(0),
        bytesOf(statusOf(old).certificate) ?? Buffer.alloc(0),
      ),
    selectableFields: (obj) => ({ 'spec.signerName': asStr(specOf(obj).signerName) }),
    columns: [
      NAME_COLUMN,
      AGE_COLUMN,
      column(
        'SignerName',
        'Requested signer for the request. It is a qualified name in the form: `scope-hostname.io/name`.',
      ),
      column('Requestor', 'Base64-encoded PKCS#10 CSR data'),
      column(
        'RequestedDuration',
        'expirationSeconds is the requested duration of validity of the issued certificate.',
      ),
      column('Condition', 'Conditions applied to the request, such as approval or denial.'),
    ],
    row: (obj, now) => {
      const spec = specOf(obj);
      const exp = spec.expirationSeconds;
      return [
        obj.metadata.name ?? '',
        age(obj.metadata.creationTimestamp, now),
        asStr(spec.signerName) || '<none>',
        asStr(spec.username),
        typeof exp === 'number' ? humanDuration(exp * 1000) : '<none>',
        conditionText(obj),
      ];
    },
  },
  approvalStrategy,
  statusStrategy,
};

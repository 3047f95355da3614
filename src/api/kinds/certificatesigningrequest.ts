// certificates.k8s.io/v1 CertificateSigningRequest, as kube-apiserver's certificates
// registry and pkg/apis/certificates/validation: the requester's identity recorded on
// create (and never taken from the client), a request that must parse and be signed by its
// own key, a well-formed signer name, known usages, and three ways to write: the object
// itself (metadata only), `approval` (the Approved/Denied conditions) and `status` (the
// signer's certificate and other conditions). Which usages a signer accepts is the
// signer's call: it marks a request Failed rather than the API refusing it, as kube does.

import type { FieldError, KubeObject, ResourceDef, SubresourceStrategy } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import { badRequest } from '../errors.js';
import { GoBytes } from '../gobytes.js';
import {
  duplicate,
  forbiddenField,
  invalidValue,
  isDNS1123Label,
  isDNS1123Subdomain,
  notSupported,
  required,
  tooLong,
  validateObjectMeta,
} from '../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age, humanDuration } from '../printing.js';
import { formatTime } from '../time.js';
import { parseCertificateRequest } from '../../pki/index.js';
import { X509Certificate } from 'node:crypto';
import {
  asArr,
  asObj,
  asStr,
  column,
  isPathSegmentName,
  objs,
  specOf,
  statusOf,
} from './kindutil.js';

export const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';

const KIND = 'CertificateSigningRequest';

const VALID_USAGES = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
];
/** The condition types that may only be True. */
const TRUE_ONLY = ['Approved', 'Denied', 'Failed'];

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

const conditionsOf = (obj: KubeObject): Condition[] =>
  objs(statusOf(obj).conditions) as Condition[];

/** Go's base64.StdEncoding: the offset of the first bad byte, or -1 when `s` decodes. */
function base64ErrorOffset(s: string): number {
  const clean = s.replace(/[\r\n]/g, '');
  const bad = /[^A-Za-z0-9+/=]/.exec(clean);
  if (bad) return bad.index;
  const pad = clean.indexOf('=');
  if (pad >= 0 && (!/^=+$/.test(clean.slice(pad)) || clean.length % 4 !== 0)) return pad;
  if (clean.length % 4 !== 0) return clean.length - (clean.length % 4);
  return -1;
}

/** `spec.request` and `status.certificate` are []byte: base64 in JSON, checked on decode. */
function checkBytesFields(obj: KubeObject): void {
  for (const [part, field] of [
    [specOf(obj), 'request'],
    [statusOf(obj), 'certificate'],
  ] as const) {
    const v = part[field];
    if (v === undefined || v === null) continue;
    const at = typeof v === 'string' ? base64ErrorOffset(v) : 0;
    if (at >= 0)
      throw badRequest(
        `${KIND} in version "v1" cannot be handled as a ${KIND}: illegal base64 data at input byte ${at}`,
      );
  }
}

const bytesOf = (v: unknown): Buffer | undefined =>
  typeof v === 'string' ? Buffer.from(v, 'base64') : undefined;

/** ValidateSignerName. */
function validateSignerName(field: string, name: string): FieldError[] {
  if (!name) return [required(field)];
  const segments = name.split('/');
  if (segments.length !== 2)
    return [
      invalidValue(
        field,
        name,
        "must be a fully qualified domain and path of the form 'example.com/signer-name'",
      ),
    ];
  const [domain = '', path = ''] = segments;
  const errs: FieldError[] = [];
  if (domain.length > 253) errs.push(tooLong(field, domain, 253));
  const labels = domain.split('.');
  for (const l of labels) {
    const msgs = isDNS1123Label(l);
    if (msgs.length) {
      for (const m of msgs) errs.push(invalidValue(field, domain, `validating label "${l}": ${m}`));
      break;
    }
  }
  if (labels.length < 2)
    errs.push(
      invalidValue(
        field,
        domain,
        'should be a domain with at least two segments separated by dots',
      ),
    );
  for (const l of path.split('.')) {
    const msgs = isDNS1123Subdomain(l);
    if (msgs.length) {
      for (const m of msgs) errs.push(invalidValue(field, path, `validating label "${l}": ${m}`));
      break;
    }
  }
  const maxPath = 253 - domain.length - 1;
  if (path.length > maxPath) errs.push(tooLong(field, path, maxPath));
  return errs;
}

/** validateCertificate: PEM CERTIFICATE blocks only, each holding a certificate. */
function certificateProblem(pem: Buffer): string | undefined {
  if (!pem.length) return undefined;
  const text = pem.toString('latin1');
  const blocks = [...text.matchAll(/-----BEGIN ([^\n-]*)-----\r?\n([\s\S]*?)-----END \1-----/g)];
  if (!blocks.length) return 'must contain at least one CERTIFICATE PEM block';
  for (const b of blocks) {
    if (b[1] !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found "${b[1]}"`;
    if (/^[\w-]+:/m.test(b[2] ?? '')) return 'no PEM block headers are permitted';
    try {
      new X509Certificate(`-----BEGIN CERTIFICATE-----\n${b[2]}-----END CERTIFICATE-----\n`);
    } catch {
      return 'x509: malformed certificate';
    }
  }
  return undefined;
}

interface Options {
  /** The stored object, on updates: problems it already has are tolerated, as kube does. */
  old?: KubeObject;
  allowSettingApproval?: boolean;
  allowSettingCertificate?: boolean;
}

function validateConditions(obj: KubeObject, old: KubeObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const oldConds = old ? conditionsOf(old) : [];
  const oldTypes = oldConds.map((c) => c.type ?? '');
  const tolerateBoth = oldTypes.includes('Approved') && oldTypes.includes('Denied');
  const tolerateDup = new Set(oldTypes).size !== oldTypes.length;
  const tolerateEmpty = oldTypes.includes('');
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conditionsOf(obj).forEach((c, i) => {
    const f = `status.conditions[${i}]`;
    const type = c.type ?? '';
    if (!tolerateEmpty && !type) errs.push(required(`${f}.type`));
    const allowed = TRUE_ONLY.includes(type) ? ['True'] : ['False', 'True', 'Unknown'];
    if (!c.status) errs.push(required(`${f}.status`));
    else if (!allowed.includes(c.status)) errs.push(notSupported(`${f}.status`, c.status, allowed));
    if (!tolerateBoth) {
      if (type === 'Approved') {
        approved = true;
        if (denied)
          errs.push(
            invalidValue(
              `${f}.type`,
              type,
              'Approved and Denied conditions are mutually exclusive',
            ),
          );
      } else if (type === 'Denied') {
        denied = true;
        if (approved)
          errs.push(
            invalidValue(
              `${f}.type`,
              type,
              'Approved and Denied conditions are mutually exclusive',
            ),
          );
      }
    }
    if (!tolerateDup) {
      if (seen.has(type)) errs.push(duplicate(`${f}.type`, type));
      seen.add(type);
    }
  });
  return errs;
}

/** validateCertificateSigningRequest (and its update rules when `o.old` is given). */
export function validateCertificateSigningRequest(obj: KubeObject, o: Options = {}): FieldError[] {
  const errs = validateObjectMeta(obj, false, isPathSegmentName);
  const spec = specOf(obj);
  const oldSpec = o.old ? specOf(o.old) : undefined;
  const request = bytesOf(spec.request);
  try {
    const parsed = parseCertificateRequest(request ?? Buffer.alloc(0));
    if (!parsed.signatureValid) throw new Error(parsed.signatureError);
  } catch (e) {
    errs.push(invalidValue('spec.request', new GoBytes(request), (e as Error).message));
  }
  const usages = asArr(spec.usages).map(asStr);
  if (!usages.length) errs.push(required('spec.usages'));
  const oldUsages = oldSpec ? asArr(oldSpec.usages).map(asStr) : [];
  if (!oldUsages.some((u) => !VALID_USAGES.includes(u)))
    usages.forEach((u, i) => {
      if (!VALID_USAGES.includes(u))
        errs.push(notSupported(`spec.usages[${i}]`, u, [...VALID_USAGES].sort()));
    });
  if (new Set(oldUsages).size === oldUsages.length) {
    const seen = new Set<string>();
    usages.forEach((u, i) => {
      if (seen.has(u)) errs.push(duplicate(`spec.usages[${i}]`, u));
      seen.add(u);
    });
  }
  const signer = asStr(spec.signerName);
  if (signer === LEGACY_UNKNOWN_SIGNER && asStr(oldSpec?.signerName) !== LEGACY_UNKNOWN_SIGNER)
    errs.push(
      invalidValue(
        'spec.signerName',
        signer,
        'the legacy signerName is not allowed via this API version',
      ),
    );
  else errs.push(...validateSignerName('spec.signerName', signer));
  const exp = spec.expirationSeconds;
  if (typeof exp === 'number' && exp < 600)
    errs.push(
      invalidValue(
        'spec.expirationSeconds',
        exp,
        'may not specify a duration less than 600 seconds (10 minutes)',
      ),
    );
  errs.push(...validateConditions(obj, o.old));
  const cert = bytesOf(statusOf(obj).certificate) ?? Buffer.alloc(0);
  const oldCert = o.old ? (bytesOf(statusOf(o.old).certificate) ?? Buffer.alloc(0)) : undefined;
  const arbitrary =
    (oldCert !== undefined && cert.equals(oldCert)) ||
    (oldCert !== undefined && certificateProblem(oldCert) !== undefined);
  if (!arbitrary) {
    const problem = certificateProblem(cert);
    if (problem) errs.push(invalidValue('status.certificate', '<certificate data>', problem));
  }
  if (o.old) errs.push(...updateRules(obj, o.old, o, cert, oldCert ?? Buffer.alloc(0)));
  return errs;
}

function updateRules(
  obj: KubeObject,
  old: KubeObject,
  o: Options,
  cert: Buffer,
  oldCert: Buffer,
): FieldError[] {
  const errs: FieldError[] = [];
  const find = (x: KubeObject, t: string) => conditionsOf(x).filter((c) => c.type === t);
  for (const t of ['Approved', 'Denied', 'Failed'])
    if (find(obj, t).length < find(old, t).length)
      errs.push(
        forbiddenField('status.conditions', `updates may not remove a condition of type "${t}"`),
      );
  if (!o.allowSettingApproval)
    for (const t of ['Approved', 'Denied']) {
      const before = find(old, t);
      const after = find(obj, t);
      if (after.length > before.length)
        errs.push(
          forbiddenField('status.conditions', `updates may not add a condition of type "${t}"`),
        );
      else if (after.length === before.length && JSON.stringify(after) !== JSON.stringify(before))
        errs.push(
          forbiddenField('status.conditions', `updates may not modify a condition of type "${t}"`),
        );
    }
  if (!cert.equals(oldCert)) {
    if (!o.allowSettingCertificate)
      errs.push(forbiddenField('status.certificate', 'updates may not set certificate content'));
    else if (oldCert.length)
      errs.push(
        forbiddenField('status.certificate', 'updates may not modify existing certificate content'),
      );
  }
  return errs;
}

/** Condition times the client left out: now, or the old condition's transition time. */
function populateConditionTimestamps(obj: KubeObject, old: KubeObject, now: Date): void {
  const oldConds = conditionsOf(old);
  const t = formatTime(now);
  for (const c of conditionsOf(obj)) {
    c.lastUpdateTime ||= t;
    if (!c.lastTransitionTime) {
      const same = oldConds.find(
        (p) => p.type === c.type && p.status === c.status && p.lastTransitionTime,
      );
      c.lastTransitionTime = same?.lastTransitionTime ?? t;
    }
  }
}

/** The old object's conditions of `type` replace the new object's, in place and in order. */
function preserveConditions(obj: KubeObject, old: KubeObject, type: string): void {
  const status = asObj(obj.status) ?? {};
  const kept = objs(status.conditions).filter((c) => c.type !== type);
  const preserved = conditionsOf(old).filter((c) => c.type === type);
  status.conditions = [...kept, ...preserved];
  if (!(status.conditions as unknown[]).length) delete status.conditions;
  obj.status = status;
}

const approvalStrategy: SubresourceStrategy = {
  prepareForUpdate(obj, old) {
    // Only the conditions come from the request; spec and certificate stay.
    obj.spec = structuredClone(old.spec);
    const conditions = statusOf(obj).conditions;
    const status = structuredClone(statusOf(old));
    if (conditions === undefined) delete status.conditions;
    else status.conditions = conditions;
    obj.status = status;
    populateConditionTimestamps(obj, old, new Date());
  },
  validateUpdate: (obj, old) =>
    validateCertificateSigningRequest(obj, { old, allowSettingApproval: true }),
};

const statusStrategy: SubresourceStrategy = {
  prepareForUpdate(obj, old) {
    obj.spec = structuredClone(old.spec);
    preserveConditions(obj, old, 'Approved');
    preserveConditions(obj, old, 'Denied');
    populateConditionTimestamps(obj, old, new Date());
  },
  validateUpdate: (obj, old) =>
    validateCertificateSigningRequest(obj, { old, allowSettingCertificate: true }),
};

/** extractCSRStatus: `Pending`, `Approved,Issued`, `Denied`, `Approved,Failed`. */
export function conditionText(obj: KubeObject): string {
  const types = conditionsOf(obj).map((c) => c.type);
  let s = types.includes('Denied') ? 'Denied' : types.includes('Approved') ? 'Approved' : 'Pending';
  if (types.includes('Failed')) s += ',Failed';
  if (asStr(statusOf(obj).certificate)) s += ',Issued';
  return s;
}

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

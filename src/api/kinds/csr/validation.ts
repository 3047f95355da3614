// CertificateSigningRequest validation, as pkg/apis/certificates/validation: the request must
// parse and be signed by its own key; the signer name is well-formed; usages are known and
// not repeated; conditions are consistent; status.certificate holds only certificates; and
// on updates, what may change through which subresource. Problems an existing object
// already has are tolerated on its updates, as kube does.

import type { FieldError, KubeObject } from '../../types.js';
import { badRequest } from '../../errors.js';
import { GoBytes } from '../../gobytes.js';
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
} from '../../validation/common.js';
import { parseCertificateRequest } from '../../../pki/index.js';
import { X509Certificate } from 'node:crypto';
import { asArr, asStr, isPathSegmentName, objs, specOf, statusOf } from '../kindutil.js';

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

export interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export const conditionsOf = (obj: KubeObject): Condition[] =>
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
export function checkBytesFields(obj: KubeObject): void {
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

export const bytesOf = (v: unknown): Buffer | undefined =>
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

export interface Options {
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

export function updateRules(
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

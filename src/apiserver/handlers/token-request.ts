// POST serviceaccounts/NAME/token (TokenRequest): issues a bound service-account token, as
// kube-apiserver's TokenREST does — audiences defaulting to the API server's own, a
// lifetime of at least ten minutes (shortened to the server's maximum with a warning),
// and an optional binding to a pod or secret (or node) of the same namespace whose uid,
// when given, must match. Nothing is stored, so a dry run answers just the same.

import type { FieldError, KubeObject, ResourceDef } from '../../api/types.js';
import { badRequest, conflict, invalid, methodNotSupported, notFound } from '../../api/errors.js';
import { signServiceAccountToken, type KeyInput } from '../../pki/index.js';
import { decodeObjectBody } from '../negotiate.js';
import { json } from '../respond.js';
import type { ApiResponse } from '../types.js';
import type { ResourceRequest } from './context.js';
import { checkBody } from './write.js';
import { formatTime } from '../../api/time.js';

export interface TokenIssuer {
  signingKey: KeyInput;
  issuer: string;
  /** The API server's audiences: the default, and the ones a token's lifetime may be extended for. */
  audiences: string[];
  /** Longer requests are shortened to this (kube's --service-account-max-token-expiration). */
  maxExpirationSeconds: number;
}

const GROUP = 'authentication.k8s.io';
const KIND = 'TokenRequest';
const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_VALID_EXPIRATION_SECONDS = 2 ** 32;
/** What the kubelet asks for its projected tokens; such pod-bound tokens live a year. */
const WARN_ONLY_EXPIRATION_SECONDS = 3607;
const EXTENDED_EXPIRATION_SECONDS = 365 * 24 * 3600;

interface BoundObjectRef {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

interface TokenRequestSpec {
  audiences?: string[] | null;
  expirationSeconds?: number | null;
  boundObjectRef?: BoundObjectRef | null;
}

/** A Go schema.GroupVersionKind's String(): `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`. */
function gvkText(apiVersion: string, kind: string): { group: string; text: string } {
  const parts = apiVersion.split('/');
  const [group, version] =
    parts.length === 1 ? ['', parts[0] ?? ''] : parts.length === 2 ? parts : ['', ''];
  return { group: group ?? '', text: `${group ?? ''}/${version ?? ''}, Kind=${kind}` };
}

const isStringOrAbsent = (v: unknown): boolean =>
  v === undefined || v === null || typeof v === 'string';

function wellTyped(spec: unknown): spec is TokenRequestSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return false;
  const { audiences, expirationSeconds, boundObjectRef } = spec as Record<string, unknown>;
  if (
    audiences != null &&
    !(Array.isArray(audiences) && audiences.every((a) => typeof a === 'string'))
  )
    return false;
  if (expirationSeconds != null && !Number.isSafeInteger(expirationSeconds)) return false;
  if (boundObjectRef == null) return true;
  if (typeof boundObjectRef !== 'object' || Array.isArray(boundObjectRef)) return false;
  const ref = boundObjectRef as Record<string, unknown>;
  return ['kind', 'apiVersion', 'name', 'uid'].every((f) => isStringOrAbsent(ref[f]));
}

export function tokenRequestHandler(
  issuer: TokenIssuer,
): (r: ResourceRequest) => Promise<ApiResponse> {
  return async (r) => {
    const { info, parts } = r;
    if (info.verb !== 'create')
      throw methodNotSupported({ group: '', resource: 'serviceaccounts/token' }, info.verb);
    const body = decodeObjectBody(r.ctx.req.headers['content-type'], r.ctx.req.body, KIND);
    const tokenDef: ResourceDef = { ...r.def, group: GROUP, version: 'v1', kind: KIND };
    checkBody(r, body, tokenDef);

    const name = info.name;
    const namespace = info.namespace;
    if (body.metadata.name && body.metadata.name !== name)
      throw invalid(KIND, GROUP, name, [
        {
          type: 'FieldValueInvalid',
          field: 'metadata.name',
          badValue: body.metadata.name,
          detail: 'must match the service account name if specified',
        },
      ]);
    if (body.metadata.namespace && body.metadata.namespace !== namespace)
      throw invalid(KIND, GROUP, name, [
        {
          type: 'FieldValueInvalid',
          field: 'metadata.namespace',
          badValue: body.metadata.namespace,
          detail: 'must match the service account namespace if specified',
        },
      ]);

    const table = parts.table;
    const def = (plural: string): ResourceDef => {
      const d = table.byGroupResource('', plural);
      if (!d) throw new Error(`missing resource ${plural}`);
      return d;
    };
    const sa = await parts.registry.tryGet(r.def, namespace, name);
    if (!sa) throw notFound({ group: '', resource: 'serviceaccounts' }, name);

    const spec = (body['spec'] ?? {}) as TokenRequestSpec;
    // The OpenAPI decoding check (checkBody) words type errors as Go does; this one only
    // keeps a server built without it from signing a malformed token.
    if (!wellTyped(spec))
      throw badRequest(`${KIND} in version "v1" cannot be handled as a ${KIND}: malformed spec`);
    const audiences = spec.audiences?.length ? spec.audiences : issuer.audiences;
    let expirationSeconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
    const errors: FieldError[] = [];
    if (expirationSeconds < MIN_EXPIRATION_SECONDS)
      errors.push({
        type: 'FieldValueInvalid',
        field: 'spec.expirationSeconds',
        badValue: expirationSeconds,
        detail: 'may not specify a duration less than 10 minutes',
      });
    if (expirationSeconds > MAX_VALID_EXPIRATION_SECONDS)
      errors.push({
        type: 'FieldValueInvalid',
        field: 'spec.expirationSeconds',
        badValue: expirationSeconds,
        detail: 'may not specify a duration larger than 2^32 seconds',
      });
    if (errors.length) throw invalid(KIND, GROUP, '', errors);

    let pod: KubeObject | undefined;
    let secret: KubeObject | undefined;
    let node: { name: string; uid?: string } | undefined;
    const ref = spec.boundObjectRef;
    if (ref) {
      const kind = ref.kind ?? '';
      const gvk = gvkText(ref.apiVersion ?? '', kind);
      const refName = ref.name ?? '';
      const lookup = async (plural: string, ns: string): Promise<KubeObject> => {
        if (!refName) throw badRequest('Name parameter required.');
        const o = await parts.registry.tryGet(def(plural), ns, refName);
        if (!o) throw notFound({ group: '', resource: plural }, refName);
        return o;
      };
      let uid: string | undefined;
      if (gvk.group === '' && kind === 'Pod') {
        pod = await lookup('pods', namespace);
        const podSpec = (pod['spec'] ?? {}) as { serviceAccountName?: string; nodeName?: string };
        if ((podSpec.serviceAccountName ?? '') !== name)
          throw badRequest(
            `cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`,
          );
        uid = pod.metadata.uid;
        if (podSpec.nodeName) {
          // A node that does not exist is still named, without a uid.
          const n = await parts.registry.tryGet(def('nodes'), '', podSpec.nodeName);
          node = { name: podSpec.nodeName, ...(n?.metadata.uid ? { uid: n.metadata.uid } : {}) };
        }
      } else if (gvk.group === '' && kind === 'Secret') {
        secret = await lookup('secrets', namespace);
        uid = secret.metadata.uid;
      } else if (gvk.group === '' && kind === 'Node') {
        const n = await lookup('nodes', '');
        uid = n.metadata.uid;
        node = { name: refName, uid: uid ?? '' };
      } else throw badRequest(`cannot bind token to object of type ${gvk.text}`);
      if (ref.uid && ref.uid !== uid)
        throw conflict(
          { group: '', resource: kind },
          refName,
          `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
        );
    }

    if (issuer.maxExpirationSeconds > 0 && expirationSeconds > issuer.maxExpirationSeconds) {
      r.ctx.warnings.push(
        `requested expiration of ${expirationSeconds} seconds shortened to ${issuer.maxExpirationSeconds} seconds`,
      );
      expirationSeconds = issuer.maxExpirationSeconds;
    }
    // The kubelet's projected tokens (pod-bound, for the API server, 3607 s) are extended
    // to a year and only reported as stale after their requested lifetime, as kube does.
    let tokenSeconds = expirationSeconds;
    let warnAfterSeconds: number | undefined;
    if (
      pod &&
      expirationSeconds === WARN_ONLY_EXPIRATION_SECONDS &&
      audiences.every((a) => issuer.audiences.includes(a))
    ) {
      warnAfterSeconds = expirationSeconds;
      tokenSeconds = EXTENDED_EXPIRATION_SECONDS;
    }

    const now = r.ctx.now;
    const token = signServiceAccountToken(
      issuer.signingKey,
      {
        namespace,
        serviceAccountName: name,
        uid: sa.metadata.uid ?? '',
        audiences,
        expirationSeconds: tokenSeconds,
        issuer: issuer.issuer,
        ...(pod ? { podName: pod.metadata.name ?? '', podUid: pod.metadata.uid ?? '' } : {}),
        ...(secret
          ? { secretName: secret.metadata.name ?? '', secretUid: secret.metadata.uid ?? '' }
          : {}),
        ...(node ? { nodeName: node.name, ...(node.uid ? { nodeUid: node.uid } : {}) } : {}),
        ...(warnAfterSeconds ? { warnAfterSeconds } : {}),
      },
      now,
    );
    const expires = new Date(Math.floor(now.getTime() / 1000) * 1000 + expirationSeconds * 1000);
    return json(201, {
      kind: KIND,
      apiVersion: `${GROUP}/v1`,
      metadata: { ...body.metadata, name, namespace, creationTimestamp: formatTime(now) },
      spec: {
        audiences,
        expirationSeconds,
        boundObjectRef: ref ?? null,
      },
      status: { token, expirationTimestamp: formatTime(expires) },
    });
  };
}

// Review resources answered directly: who am I, may I, what may I.

import type { KubeObject } from '../../api/types.js';
import { badRequest, invalidWithMessage } from '../../api/errors.js';
import { decodeObjectBody } from '../negotiate.js';
import { json } from '../respond.js';
import type { ApiResponse } from '../types.js';
import type { ResourceRequest } from './context.js';
import type { UserInfo } from '../auth/types.js';
import { checkBody } from './write.js';

interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

/** Asks the authorizer what a review asks and answers in SubjectAccessReviewStatus form. */
function accessReviewStatus(
  r: ResourceRequest,
  user: UserInfo,
  ra: ResourceAttributes | undefined,
  nra: { path?: string; verb?: string } | undefined,
): object {
  const d = r.parts.authz.authorize({
    user,
    verb: ra?.verb ?? nra?.verb ?? '',
    isResourceRequest: !!ra,
    path: nra?.path ?? '',
    namespace: ra?.namespace ?? '',
    group: ra?.group ?? '',
    resource: ra?.resource ?? '',
    subresource: ra?.subresource ?? '',
    name: ra?.name ?? '',
  });
  return {
    allowed: d.decision === 'allow',
    ...(d.decision === 'deny' ? { denied: true } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
  };
}

export async function review(r: ResourceRequest): Promise<ApiResponse> {
  const body = decodeObjectBody(r.ctx.req.headers['content-type'], r.ctx.req.body);
  checkBody(r, body);
  const user = r.ctx.user;
  const out: KubeObject = {
    ...body,
    apiVersion: `${r.def.group}/${r.def.version}`,
    kind: r.def.kind,
    metadata: { ...body.metadata, creationTimestamp: null },
  };
  switch (r.def.kind) {
    case 'SelfSubjectReview':
      out['status'] = {
        userInfo: {
          username: user.name,
          ...(user.uid ? { uid: user.uid } : {}),
          groups: user.groups,
          ...(user.extra ? { extra: user.extra } : {}),
        },
      };
      break;
    case 'SelfSubjectAccessReview': {
      const spec = (body['spec'] ?? {}) as {
        resourceAttributes?: ResourceAttributes;
        nonResourceAttributes?: { path?: string; verb?: string };
      };
      const ra = spec.resourceAttributes;
      const nra = spec.nonResourceAttributes;
      if (!ra && !nra)
        throw badRequest(
          'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
        );
      out['status'] = accessReviewStatus(r, user, ra, nra);
      break;
    }
    case 'SelfSubjectRulesReview': {
      const ns = ((body['spec'] ?? {}) as { namespace?: string }).namespace ?? '';
      const rules = r.parts.authz.rulesFor(user, ns);
      out['status'] = {
        resourceRules: rules.resourceRules,
        nonResourceRules: rules.nonResourceRules,
        incomplete: rules.incomplete,
        ...(rules.evaluationError ? { evaluationError: rules.evaluationError } : {}),
      };
      break;
    }
    case 'SubjectAccessReview':
    case 'LocalSubjectAccessReview': {
      const spec = (body['spec'] ?? {}) as {
        user?: string;
        uid?: string;
        groups?: string[];
        resourceAttributes?: ResourceAttributes;
        nonResourceAttributes?: { path?: string; verb?: string };
      };
      const ra = spec.resourceAttributes;
      const nra = spec.nonResourceAttributes;
      if (!spec.user && !spec.groups?.length)
        throw invalidWithMessage(
          `${r.def.kind}.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified`,
        );
      if (r.def.kind === 'LocalSubjectAccessReview' && ra && ra.namespace !== r.info.namespace)
        throw invalidWithMessage(
          `LocalSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "${ra.namespace ?? ''}": must match metadata.namespace`,
        );
      out['status'] = accessReviewStatus(
        r,
        {
          name: spec.user ?? '',
          groups: spec.groups ?? [],
          ...(spec.uid ? { uid: spec.uid } : {}),
        },
        ra,
        nra,
      );
      break;
    }
    case 'TokenReview': {
      const token = ((body['spec'] ?? {}) as { token?: string }).token ?? '';
      let status: Record<string, unknown> = { authenticated: false, error: 'invalid bearer token' };
      if (token && r.parts.authn) {
        try {
          const u = r.parts.authn.authenticate({ authorization: `Bearer ${token}` });
          if (u.name !== 'system:anonymous')
            status = {
              authenticated: true,
              user: {
                username: u.name,
                ...(u.uid ? { uid: u.uid } : {}),
                groups: u.groups,
                ...(u.extra ? { extra: u.extra } : {}),
              },
            };
        } catch {
          // Unknown token: not authenticated.
        }
      }
      out['status'] = status;
      break;
    }
    default:
      throw badRequest(`${r.def.kind} is not supported by this server yet`);
  }
  return json(201, out);
}

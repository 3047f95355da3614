// networking.k8s.io/v1 IngressClass: parameters scope default, ValidateIngressClass(+Update),
// and printIngressClass.

import type { FieldError, KubeObject, ResourceDef } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import {
  forbiddenField,
  immutable,
  invalidValue,
  isDNS1123Label,
  isDNS1123Subdomain,
  notSupported,
  required,
  tooLong,
  validateObjectMeta,
} from '../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import { asObj, asStr, column, isPathSegmentName, specOf } from './kindutil.js';

const MAX_CONTROLLER_LENGTH = 250;
const SCOPES = ['Cluster', 'Namespace'];
const HTTP_PATH = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

export function defaultIngressClass(obj: KubeObject): void {
  const params = asObj(asObj(obj.spec)?.parameters);
  if (params && (params.scope === undefined || params.scope === null)) params.scope = 'Cluster';
}

/** IsDomainPrefixedPath: `acme.io/foo`. */
function domainPrefixedPath(path: string, value: string): FieldError[] {
  const slash = value.indexOf('/');
  const host = slash > 0 ? value.slice(0, slash) : '';
  const rest = slash > 0 ? value.slice(slash + 1) : '';
  if (!host || !rest)
    return [invalidValue(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = isDNS1123Subdomain(host).map((m) => invalidValue(path, host, m));
  if (!HTTP_PATH.test(rest))
    errs.push(
      invalidValue(
        path,
        rest,
        "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')",
      ),
    );
  return errs;
}

export function validateIngressClass(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, false);
  const spec = specOf(obj);
  const controller = asStr(spec.controller);
  if (!controller) errs.push(required('spec.controller'));
  else {
    if (controller.length > MAX_CONTROLLER_LENGTH)
      errs.push(tooLong('spec.controller', '', MAX_CONTROLLER_LENGTH));
    errs.push(...domainPrefixedPath('spec.controller', controller));
  }
  const params = asObj(spec.parameters);
  if (params) {
    const p = 'spec.parameters';
    if (params.apiGroup !== undefined && params.apiGroup !== null)
      for (const m of isDNS1123Subdomain(asStr(params.apiGroup)))
        errs.push(invalidValue(`${p}.apiGroup`, params.apiGroup, m));
    for (const f of ['kind', 'name']) {
      const v = asStr(params[f]);
      if (!v) errs.push(required(`${p}.${f}`));
      else for (const m of isPathSegmentName(v)) errs.push(invalidValue(`${p}.${f}`, v, m));
    }
    if (params.scope === undefined || params.scope === null) errs.push(required(`${p}.scope`));
    else if (!SCOPES.includes(asStr(params.scope)))
      errs.push(notSupported(`${p}.scope`, params.scope, SCOPES));
    else if (params.scope === 'Namespace') {
      if (params.namespace === undefined || params.namespace === null)
        errs.push(required(`${p}.namespace`, "`parameters.scope` is set to 'Namespace'"));
      else
        for (const m of isDNS1123Label(asStr(params.namespace)))
          errs.push(invalidValue(`${p}.namespace`, params.namespace, m));
    } else if (params.namespace !== undefined && params.namespace !== null) {
      errs.push(forbiddenField(`${p}.namespace`, "`parameters.scope` is set to 'Cluster'"));
    }
  }
  return errs;
}

function parametersText(params: Record<string, unknown> | undefined): string {
  if (!params) return '<none>';
  let s = asStr(params.kind);
  if (typeof params.apiGroup === 'string') s += `.${params.apiGroup}`;
  return `${s}/${asStr(params.name)}`;
}

export const ingressClassResource: ResourceDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  listKind: 'IngressClassList',
  plural: 'ingressclasses',
  singular: 'ingressclass',
  namespaced: false,
  verbs: [...STANDARD_VERBS],
  strategy: {
    defaults: (obj) => defaultIngressClass(obj),
    validate: (obj) => validateIngressClass(obj),
    validateUpdate: (obj, old) =>
      immutable(specOf(obj).controller, specOf(old).controller, 'spec.controller'),
    tracksGeneration: true,
    columns: [
      NAME_COLUMN,
      column('Controller', 'Controller that is responsible for handling this class'),
      column('Parameters', 'A reference to a resource with additional parameters'),
      AGE_COLUMN,
    ],
    row: (obj, now) => [
      obj.metadata.name ?? '',
      asStr(specOf(obj).controller),
      parametersText(asObj(specOf(obj).parameters)),
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};

// Impersonation (`kubectl --as`, `--as-group`, `--as-uid`): the Impersonate-* headers
// switch the request's user once the requester may `impersonate` each thing asked for,
// as kube-apiserver's impersonation filter does (between authentication and authorization).

import { internalError } from '../../api/errors.js';
import type { AuthorizationAttributes, UserInfo } from './types.js';

type Headers = Record<string, string | string[] | undefined>;

interface Check {
  (a: AuthorizationAttributes): void;
}

const SA_PREFIX = 'system:serviceaccount:';
const all = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** The `namespace`/`name` of a service-account username, or undefined. */
function splitServiceAccount(name: string): [string, string] | undefined {
  if (!name.startsWith(SA_PREFIX)) return undefined;
  const parts = name.slice(SA_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return [parts[0], parts[1]];
}

/**
 * Returns the user the request acts as: `requester` when no Impersonate-* header is set,
 * otherwise the impersonated identity. `check` throws the Forbidden Status when the
 * requester may not impersonate one of the requested attributes.
 */
export function impersonate(headers: Headers, requester: UserInfo, check: Check): UserInfo {
  const userHeader = all(headers['impersonate-user'])[0] ?? '';
  const groupHeaders = all(headers['impersonate-group']);
  const uidHeader = all(headers['impersonate-uid'])[0] ?? '';
  const extraHeaders = Object.keys(headers).filter((h) => h.startsWith('impersonate-extra-'));
  if (!userHeader && !groupHeaders.length && !uidHeader && !extraHeaders.length) return requester;
  if (!userHeader)
    throw internalError(new Error('requested impersonation without impersonating a user'));

  const base = {
    user: requester,
    verb: 'impersonate',
    isResourceRequest: true,
    path: '',
    namespace: '',
    group: '',
    subresource: '',
  };
  let groups: string[] = [];
  let name = userHeader;
  const sa = splitServiceAccount(userHeader);
  if (sa) {
    check({ ...base, namespace: sa[0], resource: 'serviceaccounts', name: sa[1] });
    if (!groupHeaders.length)
      groups = ['system:serviceaccounts', `system:serviceaccounts:${sa[0]}`];
  } else {
    check({ ...base, resource: 'users', name });
  }
  for (const g of groupHeaders) {
    check({ ...base, resource: 'groups', name: g });
    groups.push(g);
  }
  const extra: Record<string, string[]> = {};
  for (const h of extraHeaders) {
    const raw = h.slice('impersonate-extra-'.length).toLowerCase();
    let key = raw;
    try {
      key = decodeURIComponent(raw);
    } catch {
      // Malformed escapes are kept as sent.
    }
    for (const value of all(headers[h])) {
      check({
        ...base,
        group: 'authentication.k8s.io',
        resource: 'userextras',
        subresource: key,
        name: value,
      });
      (extra[key] ??= []).push(value);
    }
  }
  if (uidHeader)
    check({ ...base, group: 'authentication.k8s.io', resource: 'uids', name: uidHeader });

  if (name === 'system:anonymous') {
    if (!groups.includes('system:unauthenticated')) groups.push('system:unauthenticated');
  } else if (!groups.includes('system:authenticated') && !groups.includes('system:unauthenticated'))
    groups.push('system:authenticated');
  name = sa ? `${SA_PREFIX}${sa[0]}:${sa[1]}` : name;
  return {
    name,
    groups,
    ...(uidHeader ? { uid: uidHeader } : {}),
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}

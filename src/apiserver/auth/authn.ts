// Authentication: client certificate, then bearer token; neither → system:anonymous.
// A bearer token that no authenticator recognises, or a client certificate that does not
// verify against the cluster CA, is a 401, as in kube-apiserver.

import { unauthorized } from '../../api/errors.js';
import { ANONYMOUS, type Credentials, type TokenAuthenticator, type UserInfo } from './types.js';

export interface AuthenticatorChain {
  authenticate(c: Credentials, warn?: (warning: string) => void): UserInfo;
}

function withAuthenticated(u: UserInfo): UserInfo {
  const groups = u.groups.includes('system:authenticated')
    ? u.groups
    : [...u.groups, 'system:authenticated'];
  return { ...u, groups };
}

export function createAuthenticator(
  tokenAuthenticators: TokenAuthenticator[],
  anonymousEnabled = true,
): AuthenticatorChain {
  return {
    authenticate(c: Credentials, warn?: (warning: string) => void): UserInfo {
      if (c.certificateUser) return withAuthenticated(c.certificateUser);
      // A certificate that does not verify is an authentication failure, never anonymous.
      if (c.certificateError) throw unauthorized();
      const h = c.authorization?.trim();
      if (h) {
        const m = /^Bearer\s+(\S+)$/i.exec(h);
        if (m && m[1]) {
          for (const auth of tokenAuthenticators) {
            const u = auth(m[1], warn);
            if (u) return withAuthenticated(u);
          }
        }
        // Basic auth and unknown tokens are refused (basic auth left kube-apiserver in 1.19).
        throw unauthorized();
      }
      if (!anonymousEnabled) throw unauthorized();
      return ANONYMOUS;
    },
  };
}

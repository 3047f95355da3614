export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

/** What the authenticators look at. */
export interface Credentials {
  authorization?: string;
  /** Identity from a verified TLS client certificate, if one was presented. */
  certificateUser?: UserInfo;
  /** Why a presented client certificate failed verification (unknown CA, expired…). */
  certificateError?: string;
}

/**
 * A token authenticator returns the user, or undefined when the token is not its own; `warn`
 * adds a warning to the response (e.g. for a deprecated kind of token).
 */
export type TokenAuthenticator = (
  token: string,
  warn?: (warning: string) => void,
) => UserInfo | undefined;

export interface AuthorizationAttributes {
  user: UserInfo;
  verb: string;
  isResourceRequest: boolean;
  path: string;
  namespace: string;
  group: string;
  resource: string;
  subresource: string;
  name: string;
  /** The request's `fieldSelector` (list, watch), as sent. */
  fieldSelector?: string;
}

export type Decision = { decision: 'allow' | 'deny' | 'noOpinion'; reason?: string };

/** One authorization module; the chain asks each in order until one decides. */
export interface Authorizer {
  authorize(a: AuthorizationAttributes): Decision;
  /** Rules for SelfSubjectRulesReview (`kubectl auth can-i --list`). */
  rulesFor?(user: UserInfo, namespace: string): RulesInfo;
}

/** What one authorizer knows of a user's rules (a SubjectRulesReviewStatus in part). */
export interface RulesInfo {
  resourceRules: object[];
  nonResourceRules: object[];
  /** Whether the lists may lack rules (an authorizer that cannot enumerate them). */
  incomplete?: boolean;
  /** What went wrong finding them (a binding to a missing role); the lists still hold. */
  evaluationError?: string;
}

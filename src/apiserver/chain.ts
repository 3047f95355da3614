// The request chain as data: the stages every API request passes, in kube-apiserver's
// order, declared once. Plain requests (handler.ts) and upgrades (streaming/upgrade.ts) each
// say what they do at every stage; `runChain` runs them in this order, and the first stage
// that throws ends the request with that error.

import type { Credentials, UserInfo } from './auth/types.js';
import type { ApiRequest, ApiResponse } from './types.js';

export const REQUEST_STAGES = [
  /** What the request is for, from method and path alone (kube's WithRequestInfo). */
  'requestInfo',
  /** Who sent it: bearer token or client certificate, else anonymous. */
  'authentication',
  /** Impersonate-* headers switch the user once the requester may impersonate. */
  'impersonation',
  /**
   * Whether the user may do it. Before the resource is looked up, so an anonymous caller
   * cannot map the API by its 404s.
   */
  'authorization',
  /** Finding the resource (or pod) the request names, and checking names as sent. */
  'resolution',
  /**
   * Past authentication and authorization: counted for /metrics from here. Admission that
   * needs the requester (NodeRestriction) runs here; the kinds' own admission runs in the
   * registry, on writes.
   */
  'admission',
  /** Serving it. */
  'handler',
] as const;

export type StageName = (typeof REQUEST_STAGES)[number];

/** One request's work at a stage; it refuses the request by throwing an ApiError. */
export type Stage<S> = (state: S) => void | Promise<void>;

/** What a kind of request does at each stage (every stage named, even when it does nothing). */
export type Chain<S> = Record<StageName, Stage<S>>;

/** Runs the stages in REQUEST_STAGES order; synchronous stages cost no extra turn. */
export async function runChain<S>(chain: Chain<S>, state: S): Promise<void> {
  for (const name of REQUEST_STAGES) {
    const pending = chain[name](state);
    if (pending) await pending;
  }
}

/** A stage with nothing to do for this kind of request. */
export const nothing = (): void => {};

/** The transport-free API handler the TLS front calls for every non-upgrade request. */
export type ApiHandler = (req: ApiRequest) => Promise<ApiResponse>;

/** The credentials a request presents: its Authorization header and client certificate. */
export function credentialsOf(
  authorization: string | string[] | undefined,
  certificateUser: UserInfo | undefined,
  certificateError: string | undefined,
): Credentials {
  return {
    ...(typeof authorization === 'string' ? { authorization } : {}),
    ...(certificateUser ? { certificateUser } : {}),
    ...(certificateError ? { certificateError } : {}),
  };
}

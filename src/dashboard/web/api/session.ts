// The user's session in this browser tab: the bearer token typed at login (or handed over
// in the page's #token= fragment by `skiff dashboard`), kept in sessionStorage so that it
// dies with the tab and never reaches a server other than the dashboard's own.

const KEY = 'skiff.dashboard.token';
/** Why the last session of this tab ended, kept so that a reload still says it. */
const ENDED_KEY = 'skiff.dashboard.ended';

export function currentToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

/** Signs in with `token` (forgetting why an earlier session ended), or out. */
export function setToken(token: string | undefined): void {
  sessionStorage.removeItem(ENDED_KEY);
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
}

/** Ends the session because the server refused its token; the reason outlives a reload. */
export function endSession(reason: string): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.setItem(ENDED_KEY, reason);
}

/** Why this tab's session ended, if it was not signed out by the user (or in again since). */
export function sessionEndReason(): string | undefined {
  return sessionStorage.getItem(ENDED_KEY) ?? undefined;
}

/** Takes a token from `#token=…` (then drops it from the address bar). */
export function adoptTokenFromFragment(): void {
  const m = /^#token=([^&]+)(?:&(.*))?$/.exec(location.hash);
  if (!m?.[1]) return;
  setToken(decodeURIComponent(m[1]));
  history.replaceState(null, '', `${location.pathname}${location.search}#${m[2] ?? '/'}`);
}

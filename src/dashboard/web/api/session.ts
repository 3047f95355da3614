// The user's session in this browser tab: the bearer token typed at login (or handed over
// in the page's #token= fragment by `skiff dashboard`), kept in sessionStorage so that it
// dies with the tab and never reaches a server other than the dashboard's own.

const KEY = 'skiff.dashboard.token';

export function currentToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function setToken(token: string | undefined): void {
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
}

/** Takes a token from `#token=…` (then drops it from the address bar). */
export function adoptTokenFromFragment(): void {
  const m = /^#token=([^&]+)(?:&(.*))?$/.exec(location.hash);
  if (!m?.[1]) return;
  setToken(decodeURIComponent(m[1]));
  history.replaceState(null, '', `${location.pathname}${location.search}#${m[2] ?? '/'}`);
}

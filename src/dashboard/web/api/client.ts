// The browser's door to the Kubernetes API: every call goes to the dashboard's own server
// under ./k8s/ (relative, so the page works under the API server's proxy path too), which
// passes it on with the user's token. The token travels in X-Dashboard-Token because the
// API server's proxy removes Authorization headers; WebSockets carry it in a subprotocol.

import { currentToken } from './session.js';

/** The API's base, relative to the page. */
export const API_BASE = './k8s';

/** A Kubernetes Status as the API server sends it with an error. */
export interface ApiStatus {
  kind?: 'Status';
  status?: string;
  code: number;
  reason: string;
  message: string;
  details?: { causes?: { field?: string; message?: string; reason?: string }[] };
}

export class ApiError extends Error {
  readonly status: ApiStatus;
  constructor(status: ApiStatus) {
    super(status.message);
    this.status = status;
  }
  get code(): number {
    return this.status.code;
  }
  get forbidden(): boolean {
    return this.status.code === 403;
  }
  get unauthorized(): boolean {
    return this.status.code === 401;
  }
}

/** Listeners told when any call answers 401, so the app can go back to the login page. */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(f: () => void): () => void {
  unauthorizedListeners.add(f);
  return () => unauthorizedListeners.delete(f);
}

export function authHeaders(): Record<string, string> {
  const token = currentToken();
  return token ? { 'X-Dashboard-Token': token } : {};
}

async function toError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<ApiStatus>;
    if (body && typeof body.message === 'string') {
      return new ApiError({
        ...body,
        code: body.code ?? res.status,
        reason: body.reason ?? res.statusText,
        message: body.message,
      });
    }
  } catch {
    // not a Status: fall through
  }
  return new ApiError({
    code: res.status,
    reason: res.statusText || 'Error',
    message: text.trim() || `${res.status} ${res.statusText}`,
  });
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** Content-Type for the body (JSON by default; patches name their own). */
  contentType?: string;
  signal?: AbortSignal;
  accept?: string;
}

/** One API call; resolves with the Response when it is 2xx, rejects with an ApiError otherwise. */
export async function apiRaw(path: string, o: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {
    ...authHeaders(),
    Accept: o.accept ?? 'application/json',
  };
  let body: BodyInit | undefined;
  if (o.body !== undefined) {
    headers['Content-Type'] = o.contentType ?? 'application/json';
    body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  }
  const init: RequestInit = { method: o.method ?? 'GET', headers };
  if (body !== undefined) init.body = body;
  if (o.signal) init.signal = o.signal;
  const res = await fetch(`${API_BASE}${path}`, init);
  if (!res.ok) {
    const err = await toError(res);
    if (err.unauthorized) for (const f of unauthorizedListeners) f();
    throw err;
  }
  return res;
}

export async function api<T = any>(path: string, o: RequestOptions = {}): Promise<T> {
  const res = await apiRaw(path, o);
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Server-side apply of one object (as `kubectl apply --server-side`). */
export function applyObject(path: string, obj: unknown, force = false): Promise<any> {
  const q = `fieldManager=skiff-dashboard${force ? '&force=true' : ''}`;
  return api(`${path}?${q}`, {
    method: 'PATCH',
    body: obj,
    contentType: 'application/apply-patch+yaml',
  });
}

/** A WebSocket to the API through the dashboard's server, the token in a subprotocol. */
export function apiWebSocket(path: string, protocols: string[]): WebSocket {
  // The path goes in the query: `kubectl proxy` refuses `…/pods/…/exec` and `…/attach` paths.
  const url = new URL(`./k8s-ws?path=${encodeURIComponent(path)}`, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = currentToken();
  const auth = token ? [`dashboard.token.${base64url(token)}`] : [];
  return new WebSocket(url, [...protocols, ...auth]);
}

function base64url(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// Sign in with a bearer token (a service account's token, or any token the API server
// accepts), checked against the API server before it is kept.

import { useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.js';
import { setToken } from '../api/session.js';

export function Login({ onSignedIn, reason }: { onSignedIn(): void; reason?: string | undefined }) {
  const [token, set] = useState('');
  const [error, setError] = useState<string | undefined>(reason);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const t = token.trim();
    if (!t) {
      setError('Enter a token.');
      return;
    }
    setBusy(true);
    setToken(t);
    try {
      // Discovery needs an authenticated user and nothing more: a wrong or expired token is 401.
      await api('/api');
      onSignedIn();
    } catch (err) {
      setToken(undefined);
      setError(
        err instanceof ApiError && err.unauthorized
          ? 'The token was refused: it is wrong or has expired (401 Unauthorized).'
          : `Could not reach the API server: ${(err as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <h1>Skiff dashboard</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label for="token">Bearer token</label>
        <textarea
          id="token"
          name="token"
          rows={4}
          value={token}
          onInput={(e) => set((e.target as HTMLTextAreaElement).value)}
          placeholder="eyJhbGciOi…"
        />
        <p class="hint">
          Every service account has one: <code>kubectl create token NAME -n NAMESPACE</code>.
        </p>
        {error && (
          <p class="notice error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

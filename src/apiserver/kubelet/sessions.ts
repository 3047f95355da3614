// TLS sessions of the API server's connections to kubelets, kept per endpoint: the next
// connection resumes the last one's session instead of a full handshake (no certificate
// chain sent and verified either way), which is most of the time an exec spends reaching
// the node. One cache per set of client credentials: a resumed session carries the identity
// it was made with.

import type { TLSSocket } from 'node:tls';

/** Endpoints remembered at most (a cluster's nodes); the oldest is dropped first. */
const MAX_ENDPOINTS = 1024;

export class TlsSessionCache {
  private readonly sessions = new Map<string, Buffer>();

  /** The session to offer when connecting to `endpoint` (`host:port`), if any. */
  get(endpoint: string): Buffer | undefined {
    return this.sessions.get(endpoint);
  }

  /** Keeps the sessions (TLS 1.3 tickets) `socket` receives for its next connection. */
  track(socket: TLSSocket, endpoint: string): void {
    socket.on('session', (session: Buffer) => {
      this.sessions.delete(endpoint);
      if (this.sessions.size >= MAX_ENDPOINTS) {
        const oldest = this.sessions.keys().next().value;
        if (oldest !== undefined) this.sessions.delete(oldest);
      }
      this.sessions.set(endpoint, session);
    });
    // A handshake that failed with an offered session must not keep failing with it.
    socket.once('error', () => this.sessions.delete(endpoint));
  }
}

// Node's socket errors worded as Go's net package words them, which is what kube-apiserver's
// proxy puts in its Status messages (`dial tcp 10.0.0.5:80: connect: connection refused`).

import { joinHostPort } from '../kubelet/index.js';

const CONNECT: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  EADDRNOTAVAIL: 'connect: cannot assign requested address',
  ETIMEDOUT: 'i/o timeout',
};

const TLS_UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** The error text Go's HTTP transport would give for this failure to reach host:port. */
export function goNetError(e: unknown, host: string, port: number): string {
  const err = e as NodeJS.ErrnoException & { code?: string };
  const code = err?.code ?? '';
  const target = joinHostPort(host, port);
  const connect = CONNECT[code];
  if (connect) return `dial tcp ${target}: ${connect}`;
  if (TLS_UNKNOWN_AUTHORITY.has(code))
    return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `tls: failed to verify certificate: x509: certificate is valid for other names, not ${host}`;
  if (code === 'ECONNRESET') return 'read: connection reset by peer';
  if (err?.message === 'socket hang up') return 'EOF';
  return err instanceof Error ? err.message : String(e);
}

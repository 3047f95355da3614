// A stand-in for a node's kubelet API in API-server tests: HTTPS on loopback with a serving
// certificate from the given CA, client certificates required and verified against it, every
// request recorded (path, query, the client certificate's subject) and answered by a
// handler the test sets. Upgrades are answered by `onUpgrade` (default: 400).

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { issueServingCertificate, type CertificateAuthority } from '../../src/pki/index.js';

export interface KubeletRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: IncomingMessage['headers'];
  /** CN and O of the verified client certificate ('' when none). */
  clientCN: string;
  clientO: string[];
}

export interface FakeKubelet {
  port: number;
  /** TLS connections accepted so far. */
  connections: number;
  requests: KubeletRequest[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  close(): Promise<void>;
}

function record(req: IncomingMessage): KubeletRequest {
  const sock = req.socket as TLSSocket;
  const cert = sock.authorized ? sock.getPeerCertificate() : undefined;
  const o = cert?.subject?.O as string | string[] | undefined;
  return {
    method: req.method ?? '',
    url: req.url ?? '',
    headers: req.headers,
    clientCN: String(cert?.subject?.CN ?? ''),
    clientO: o === undefined ? [] : Array.isArray(o) ? o : [o],
  };
}

export async function startFakeKubelet(ca: CertificateAuthority): Promise<FakeKubelet> {
  const serving = issueServingCertificate(ca, {
    commonName: 'fake-kubelet',
    altNames: { ips: ['127.0.0.1'], dnsNames: ['localhost'] },
  });
  const k: FakeKubelet = {
    port: 0,
    connections: 0,
    requests: [],
    handler: (_req, res) => {
      res.statusCode = 404;
      res.end('404 page not found\n');
    },
    onUpgrade: (_req, socket) => {
      socket.end(
        'HTTP/1.1 400 Bad Request\r\nContent-Length: 7\r\nConnection: close\r\n\r\nno way\n',
      );
    },
    close: () => Promise.resolve(),
  };
  const server: Server = createServer({
    cert: serving.certPem,
    key: serving.keyPem,
    ca: ca.certPem,
    requestCert: true,
    rejectUnauthorized: true,
  });
  server.on('secureConnection', () => k.connections++);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    k.requests.push(record(req));
    k.handler(req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    k.requests.push(record(req));
    k.onUpgrade(req, socket, head);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  k.port = (server.address() as AddressInfo).port;
  k.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return k;
}

/** A Node object whose kubelet is at 127.0.0.1:port. */
export function nodeAt(name: string, port: number): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    status: {
      addresses: [
        { type: 'Hostname', address: name },
        { type: 'InternalIP', address: '127.0.0.1' },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: port } },
    },
  };
}

// The API server's client for kubelets: HTTPS with the `kube-apiserver-kubelet-client`
// certificate, the kubelet's serving certificate verified against the cluster CA, and one
// keep-alive agent shared by every request (as kube-apiserver's kubelet transport).

import { Agent, request } from 'node:https';
import type { OnReadOpts } from 'node:net';
import {
  connect as tlsConnect,
  createSecureContext,
  type ConnectionOptions,
  type TLSSocket,
} from 'node:tls';
import type { KubeObject } from '../../api/types.js';
import { joinHostPort, kubeletEndpoint, type KubeletEndpoint } from './connection.js';
import { TlsSessionCache } from './sessions.js';
import { SpareConnections } from './spare.js';

export interface KubeletCredentials {
  /** The client certificate the kubelet authenticates the API server by. */
  clientCertPem: string;
  clientKeyPem: string;
  /** The CA the kubelets' serving certificates are verified against. */
  caPem: string;
}

export interface KubeletClientOptions extends KubeletCredentials {
  /** The Node as stored, or undefined when there is none. */
  getNode(name: string): Promise<KubeObject | undefined>;
}

export interface KubeletResponse {
  status: number;
  body: string;
}

export interface KubeletClient {
  /** Where the node's kubelet listens (throws kube's 404/500 for a missing or unusable node). */
  endpoint(nodeName: string): Promise<KubeletEndpoint>;
  /** The keep-alive HTTPS agent holding the client certificate and the CA. */
  readonly agent: Agent;
  /** TLS material for connections made outside the agent (upgrades). */
  readonly tls: { cert: string; key: string; ca: string };
  /**
   * A TLS connection to a kubelet of its own, for an upgrade (HTTP/1.1 only): the client
   * certificate, the kubelet's verified against the CA; the one made ahead for this kubelet
   * when there is one, else a new one resuming the last session. What it reads goes to
   * `onread`'s callback (into that buffer, or another of its own); `onSecure` is called
   * once the handshake is done.
   */
  connect(host: string, port: number, use: { onread: OnReadOpts; onSecure(): void }): TLSSocket;
  /**
   * GET of a kubelet path (`/metrics/resource`, `/stats/summary`…) with its status and body.
   * Rejects when the node cannot be found or reached.
   */
  get(nodeName: string, path: string, signal?: AbortSignal): Promise<KubeletResponse>;
  close(): void;
}

/** Longest kubelet answer `get` reads (metrics and summaries are far smaller). */
const MAX_GET_BYTES = 64 * 1024 * 1024;

export function createKubeletClient(o: KubeletClientOptions): KubeletClient {
  const tls = { cert: o.clientCertPem, key: o.clientKeyPem, ca: o.caPem };
  const agent = new Agent({ ...tls, keepAlive: true, maxSockets: 64 });
  // Made once: made per connection, it parses the certificates and key again each time.
  let secureContext: ReturnType<typeof createSecureContext> | undefined;
  const sessions = new TlsSessionCache();
  const spares = new SpareConnections();
  const endpoint = async (nodeName: string): Promise<KubeletEndpoint> =>
    kubeletEndpoint(nodeName, await o.getNode(nodeName));
  return {
    endpoint,
    agent,
    tls,
    connect(host, port, { onread, onSecure }) {
      secureContext ??= createSecureContext(tls);
      const key = joinHostPort(host, port);
      const dial = (read: OnReadOpts): TLSSocket => {
        const session = sessions.get(key);
        const options: ConnectionOptions & { onread: OnReadOpts } = {
          host,
          port,
          secureContext,
          rejectUnauthorized: true,
          ALPNProtocols: ['http/1.1'],
          ...(session ? { session } : {}),
          // Documented for tls.connect as for net.connect, though its types omit it.
          onread: read,
        };
        const socket = tlsConnect(options);
        sessions.track(socket, key);
        return socket;
      };
      const spare = spares.take(key, onread.callback, onSecure);
      const socket = spare ?? dial(onread).once('secureConnect', onSecure);
      // The next upgrade to this kubelet finds a connection ready. Made once this one has
      // its session ticket (to resume it), or is over: not during its handshake.
      let prepared = false;
      const prepare = (): void => {
        if (prepared) return;
        prepared = true;
        setImmediate(() => spares.prepare(key, dial));
      };
      if (spare) prepare();
      else socket.once('session', prepare).once('close', prepare);
      return socket;
    },
    async get(nodeName, path, signal) {
      const { host, port } = await endpoint(nodeName);
      return new Promise<KubeletResponse>((resolve, reject) => {
        const req = request(
          { host, port, path, method: 'GET', agent, ...(signal ? { signal } : {}) },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size > MAX_GET_BYTES) req.destroy(new Error('kubelet response too large'));
              else chunks.push(c);
            });
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end();
      });
    },
    close() {
      spares.close();
      agent.destroy();
    },
  };
}

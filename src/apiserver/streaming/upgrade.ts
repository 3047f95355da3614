// Upgrade requests for pods/exec, pods/attach and pods/portforward through the request chain
// (../chain.ts): request info → authentication → impersonation → authorization → the pod →
// the container checks, protocol negotiation, 101 and the session. Anything refused before
// the 101 is an ordinary HTTP error, so that kubectl falls back from WebSocket to SPDY (or
// prints the error).

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import { badRequest, methodNotSupported, notFound, notFoundGeneric } from '../../api/errors.js';
import { createAuthenticator } from '../auth/authn.js';
import { impersonate } from '../auth/impersonation.js';
import type { AuthorizationAttributes, UserInfo } from '../auth/types.js';
import { credentialsOf, nothing, runChain, type Chain } from '../chain.js';
import { certificateError, type UpgradeHandler } from '../http-server.js';
import { rawPathOf, requestInfo, type RequestInfo } from '../request-info.js';
import { PlainHttpError, writeHttpError, writeSwitchingProtocols } from './http.js';
import { boolParam } from '../query-params.js';
import { chooseContainer, podView, runningProblem, type PodView } from './pod.js';
import { servePortForward } from './portforward.js';
import { parsePorts, serveWebSocketPortForward } from './portforward-ws.js';
import { runCommand } from './remotecommand.js';
import { serveSpdyCommand } from './remotecommand-spdy.js';
import { webSocketChannels } from './remotecommand-ws.js';
import {
  SPDY_EXEC_PROTOCOLS,
  SPDY_PORT_FORWARD_PROTOCOL,
  WS_EXEC_PROTOCOLS,
  WS_PORT_FORWARD_PROTOCOLS,
  WS_PORT_FORWARD_TUNNEL_PROTOCOL,
} from './status.js';
import type { StreamingServerOptions } from './types.js';

const STREAMING = new Set(['exec', 'attach', 'portforward']);
const DEFAULT_STREAM_CREATION_TIMEOUT_MS = 30_000;

type Transport = 'websocket' | 'spdy';

/** The pod subresource an upgrade request is for, or undefined when it is not ours. */
function streamingInfo(method: string, url: string): RequestInfo | undefined {
  const info = requestInfo(method, new URL(url, 'https://localhost'), rawPathOf(url));
  if (!info.isResourceRequest || info.apiPrefix !== 'api' || info.version !== 'v1')
    return undefined;
  if (info.resource !== 'pods' || !info.namespace || !info.name) return undefined;
  return STREAMING.has(info.subresource) ? info : undefined;
}

/** Whether this upgrade request is one the streaming server answers. */
export function isStreamingUpgrade(req: IncomingMessage): boolean {
  return streamingInfo(req.method ?? 'GET', req.url ?? '/') !== undefined;
}

function transportOf(h: IncomingHttpHeaders): Transport | undefined {
  const connection = String(h.connection ?? '').toLowerCase();
  const upgrade = String(h.upgrade ?? '').toLowerCase();
  if (!/(^|,)\s*upgrade\s*(,|$)/.test(connection)) return undefined;
  if (upgrade === 'websocket') return 'websocket';
  if (upgrade.includes('spdy/3.1')) return 'spdy';
  return undefined;
}

/** Comma-separated header values, across repeated headers, in the client's order. */
function listHeader(v: string | string[] | undefined): string[] {
  const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return all
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);
}

/** The first protocol the client offers that the server speaks (httpstream.Handshake). */
function negotiate(
  transport: Transport,
  h: IncomingHttpHeaders,
  server: readonly string[],
): string {
  const header = transport === 'spdy' ? 'x-stream-protocol-version' : 'sec-websocket-protocol';
  const offered = listHeader(h[header]);
  if (!offered.length) {
    // A WebSocket client may offer no subprotocol: the original binary channel protocol.
    if (transport === 'websocket' && server.includes('')) return '';
    if (transport === 'spdy')
      throw new PlainHttpError(400, 'unable to upgrade: X-Stream-Protocol-Version is required');
  }
  const chosen = offered.find((p) => server.includes(p));
  if (chosen !== undefined) return chosen;
  const msg = `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${server.filter(Boolean).join(' ')}]`;
  if (transport === 'websocket') throw badRequest(msg);
  throw new PlainHttpError(403, msg, {
    'X-Accepted-Stream-Protocol-Versions': server.join(', '),
  });
}

/** One upgrade request as it passes the chain; each stage fills in what the next needs. */
class UpgradeRequest {
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  readonly head: Buffer;
  /** The identity in the connection's verified client certificate. */
  readonly certUser: UserInfo | undefined;
  /** Set by the requestInfo stage. */
  info!: RequestInfo;
  /** Set by the authentication stage. */
  requester!: UserInfo;
  /** Set by the impersonation stage. */
  user!: UserInfo;
  /** Set by the resolution stage. */
  transport!: Transport;
  pod!: PodView;
  constructor(req: IncomingMessage, socket: Duplex, head: Buffer, certUser: UserInfo | undefined) {
    this.req = req;
    this.socket = socket;
    this.head = head;
    this.certUser = certUser;
  }
}

export function createUpgradeHandler(o: StreamingServerOptions): UpgradeHandler {
  const authenticate = o.authenticate ?? createAuthenticator([]).authenticate;
  const timeoutMs = o.streamCreationTimeoutMs ?? DEFAULT_STREAM_CREATION_TIMEOUT_MS;
  const chosen = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    clientTracking: false,
  });
  // The subprotocol is negotiated here, not by ws: its parser refuses names with `/` or `+`
  // (`SPDY/3.1+portforward.k8s.io`), so the request header is taken away before the
  // handshake and the answer added to the 101.
  wss.on('headers', (headers: string[], req: IncomingMessage) => {
    const p = chosen.get(req);
    if (p) headers.push(`Sec-WebSocket-Protocol: ${p}`);
  });

  function upgradeWebSocket(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    protocol: string,
    then: (ws: WebSocket) => void,
  ): void {
    if (protocol) chosen.set(req, protocol);
    delete req.headers['sec-websocket-protocol'];
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      then(ws);
    });
  }

  function upgradeSpdy(socket: Duplex, head: Buffer, protocol: string): void {
    writeSwitchingProtocols(socket, {
      Upgrade: 'SPDY/3.1',
      ...(protocol ? { 'X-Stream-Protocol-Version': protocol } : {}),
    });
    if (head.length) socket.unshift(head);
  }

  function command(
    kind: 'exec' | 'attach',
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    transport: Transport,
    pod: PodView,
    q: URLSearchParams,
  ): void {
    const tty = boolParam(q, 'tty');
    const flags = {
      stdin: boolParam(q, 'stdin'),
      stdout: boolParam(q, 'stdout'),
      // With a tty, stderr is merged into stdout; the kubelet drops the request for it.
      stderr: boolParam(q, 'stderr') && !tty,
      tty,
    };
    const container = chooseContainer(pod, q.get('container') ?? '');
    const cmd = q.getAll('command');
    if (kind === 'exec' && cmd.length === 0)
      throw badRequest('you must specify at least one command for the container');
    if (!pod.nodeName) throw badRequest(`pod ${pod.name} does not have a host assigned`);
    if (!flags.stdin && !flags.stdout && !flags.stderr)
      throw new PlainHttpError(400, 'you must specify at least 1 of stdin, stdout, stderr');
    const problem = runningProblem(pod, container);
    if (problem) throw new PlainHttpError(500, problem);
    const target = (signal: AbortSignal) => ({
      namespace: pod.namespace,
      pod: pod.name,
      uid: pod.uid,
      container,
      command: kind === 'exec' ? cmd : [],
      ...flags,
      signal,
    });
    if (transport === 'websocket') {
      const protocol = negotiate(transport, req.headers, WS_EXEC_PROTOCOLS);
      upgradeWebSocket(req, socket, head, protocol, (ws) => {
        const ch = webSocketChannels(ws, { protocol, ...flags });
        void runCommand(kind, target(ch.signal), o.backend, ch);
      });
      return;
    }
    const protocol = negotiate(transport, req.headers, SPDY_EXEC_PROTOCOLS);
    upgradeSpdy(socket, head, protocol);
    serveSpdyCommand(socket, {
      protocol,
      ...flags,
      streamCreationTimeoutMs: timeoutMs,
      onReady: (ch) => void runCommand(kind, target(ch.signal), o.backend, ch),
    });
  }

  function portForward(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    transport: Transport,
    pod: PodView,
    q: URLSearchParams,
  ): void {
    if (!pod.nodeName) throw badRequest(`pod ${pod.name} does not have a host assigned`);
    const problem = runningProblem(pod, undefined);
    if (problem) throw new PlainHttpError(500, problem);
    const opts = {
      backend: o.backend,
      namespace: pod.namespace,
      pod: pod.name,
      uid: pod.uid,
      streamCreationTimeoutMs: timeoutMs,
    };
    if (transport === 'websocket') {
      const protocol = negotiate(transport, req.headers, WS_PORT_FORWARD_PROTOCOLS);
      if (protocol === WS_PORT_FORWARD_TUNNEL_PROTOCOL) {
        // The tunnel: SPDY's bytes ride in binary messages whose boundaries mean nothing.
        upgradeWebSocket(req, socket, head, protocol, (ws) =>
          servePortForward(createWebSocketStream(ws), opts),
        );
        return;
      }
      let ports: number[];
      try {
        ports = parsePorts(q.getAll('ports'));
      } catch (e) {
        throw new PlainHttpError(400, (e as Error).message);
      }
      upgradeWebSocket(req, socket, head, protocol, (ws) =>
        serveWebSocketPortForward(ws, { ...opts, protocol, ports }),
      );
      return;
    }
    negotiate(transport, req.headers, [SPDY_PORT_FORWARD_PROTOCOL]);
    upgradeSpdy(socket, head, SPDY_PORT_FORWARD_PROTOCOL);
    servePortForward(socket, opts);
  }

  /** Upgrades at each stage of the request chain (see ../chain.ts for the order). */
  const chain: Chain<UpgradeRequest> = {
    requestInfo(s) {
      const method = s.req.method ?? 'GET';
      const info = streamingInfo(method, s.req.url ?? '/');
      if (!info) throw notFoundGeneric();
      if (method !== 'GET' && method !== 'POST')
        throw methodNotSupported({ group: '', resource: `pods/${info.subresource}` }, info.verb);
      s.info = info;
    },
    authentication(s) {
      const certError = s.certUser ? undefined : certificateError(s.socket as TLSSocket);
      s.requester = authenticate(credentialsOf(s.req.headers.authorization, s.certUser, certError));
    },
    async impersonation(s) {
      const checks: AuthorizationAttributes[] = [];
      s.user = impersonate(s.req.headers, s.requester, (a) => void checks.push(a));
      for (const a of checks) await o.authorize(a);
    },
    async authorization({ info, user }) {
      await o.authorize({
        user,
        verb: info.verb,
        isResourceRequest: true,
        path: info.path,
        namespace: info.namespace,
        group: '',
        resource: 'pods',
        subresource: info.subresource,
        name: info.name,
      });
    },
    async resolution(s) {
      const transport = transportOf(s.req.headers);
      if (!transport) throw badRequest('Upgrade request required');
      s.transport = transport;
      const obj = await o.getPod(s.info.namespace, s.info.name);
      if (!obj) throw notFound({ group: '', resource: 'pods' }, s.info.name);
      s.pod = podView(obj);
    },
    admission: nothing,
    handler({ req, socket, head, info, transport, pod }) {
      const q = new URL(req.url ?? '/', 'https://localhost').searchParams;
      if (info.subresource === 'portforward') portForward(req, socket, head, transport, pod, q);
      else command(info.subresource as 'exec' | 'attach', req, socket, head, transport, pod, q);
    },
  };

  return (req, socket, head, certUser) => {
    socket.on('error', () => {});
    const s = socket as Partial<TLSSocket>;
    s.setNoDelay?.(true);
    s.setTimeout?.(0);
    const state = new UpgradeRequest(req, socket, head, certUser);
    runChain(chain, state).catch((e: unknown) => writeHttpError(socket, e));
  };
}

// exec, attach and port-forward as the kubelet serves them: its checks and texts before
// anything is streamed (options, the pod, the container running), then the HTTP/1.1 upgrade
// to SPDY/3.1 or WebSocket and the session. A request without an upgrade gets the kubelet's
// `500 Upgrade request required`.

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import type { KubeObject } from '../../api/types.js';
import { PlainHttpError, writeSwitchingProtocols } from './streaming/http.js';
import { hasContainer, podView, runningProblem, type PodView } from './streaming/pod.js';
import { servePortForward } from './streaming/portforward.js';
import { parsePorts, serveWebSocketPortForward } from './streaming/portforward-ws.js';
import { runCommand } from './streaming/remotecommand.js';
import { serveSpdyCommand } from './streaming/remotecommand-spdy.js';
import { webSocketChannels } from './streaming/remotecommand-ws.js';
import { tunnelStream } from './streaming/ws-tunnel-stream.js';
import {
  SPDY_EXEC_PROTOCOLS,
  SPDY_PORT_FORWARD_PROTOCOL,
  WS_EXEC_PROTOCOLS,
  WS_PORT_FORWARD_PROTOCOLS,
  WS_PORT_FORWARD_TUNNEL_PROTOCOL,
} from './streaming/status.js';
import type { StreamingBackend } from './streaming/types.js';

type Transport = 'websocket' | 'spdy';

/** The connection an answer goes to: an upgrade's raw socket, or nothing yet (no upgrade). */
export interface StreamExchange {
  req: IncomingMessage;
  query: URLSearchParams;
  /** Present for HTTP/1.1 upgrade requests. */
  upgrade?: { socket: Duplex; head: Buffer };
}

export interface StreamDeps {
  backend: StreamingBackend;
  getPod(namespace: string, name: string): KubeObject | undefined;
  streamCreationTimeoutMs: number;
}

function transportOf(h: IncomingHttpHeaders): Transport | undefined {
  const connection = String(h.connection ?? '').toLowerCase();
  const upgrade = String(h.upgrade ?? '').toLowerCase();
  if (!/(^|,)\s*upgrade\s*(,|$)/.test(connection)) return undefined;
  if (upgrade === 'websocket') return 'websocket';
  if (upgrade.includes('spdy/3.1')) return 'spdy';
  return undefined;
}

/** Whether the request is a WebSocket upgrade (wsstream.IsWebSocketRequest). */
export const isWebSocketRequest = (req: IncomingMessage): boolean =>
  transportOf(req.headers) === 'websocket';

/** Comma-separated header values, across repeated headers, in the client's order. */
function listHeader(v: string | string[] | undefined): string[] {
  const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return all
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);
}

/**
 * The first protocol the client offers that the server speaks. SPDY: httpstream.Handshake
 * (403 listing both sides; `twice` repeats the text, as the kubelet's exec handler writes its
 * own error after the handshake's). WebSocket: x/net/websocket's bare 403.
 */
function negotiate(
  transport: Transport,
  h: IncomingHttpHeaders,
  server: readonly string[],
  missing: PlainHttpError,
  twice: boolean,
): string {
  if (transport === 'websocket') {
    const offered = listHeader(h['sec-websocket-protocol']);
    const chosen = (offered.length ? offered : ['']).find((p) => server.includes(p));
    if (chosen === undefined) throw new PlainHttpError(403, '');
    return chosen;
  }
  const offered = listHeader(h['x-stream-protocol-version']);
  if (!offered.length) throw missing;
  const chosen = offered.find((p) => server.includes(p));
  if (chosen !== undefined) return chosen;
  const msg = `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${server.join(' ')}]\n`;
  throw new PlainHttpError(403, twice ? msg + msg : msg, {
    'X-Content-Type-Options': 'nosniff',
    'X-Accepted-Stream-Protocol-Versions': [...server],
  });
}

/** Bytes the port-forward tunnel's connection may hold before the session waits. */
const TUNNEL_WRITE_BUFFER = 256 * 1024;

export function createStreamServer(deps: StreamDeps) {
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
    ex: StreamExchange,
    protocol: string,
    then: (ws: WebSocket) => void,
  ): void {
    const { req } = ex;
    const { socket, head } = ex.upgrade!;
    if (protocol) chosen.set(req, protocol);
    delete req.headers['sec-websocket-protocol'];
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      then(ws);
    });
  }

  function upgradeSpdy(ex: StreamExchange, protocol: string): Duplex {
    const { socket, head } = ex.upgrade!;
    writeSwitchingProtocols(socket, {
      Upgrade: 'SPDY/3.1',
      ...(protocol ? { 'X-Stream-Protocol-Version': protocol } : {}),
    });
    if (head.length) socket.unshift(head);
    return socket;
  }

  /** Past the kubelet's own checks the request goes to the streaming server, which needs an upgrade. */
  function transportFor(ex: StreamExchange): Transport {
    const t = ex.upgrade ? transportOf(ex.req.headers) : undefined;
    if (!t)
      throw new PlainHttpError(500, 'Upgrade request required\n', {
        'X-Content-Type-Options': 'nosniff',
      });
    const s = ex.upgrade!.socket as Partial<TLSSocket>;
    s.setNoDelay?.(true);
    s.setTimeout?.(0);
    return t;
  }

  /** /exec and /attach: `{namespace}/{pod}[/{uid}]/{container}`. */
  function command(
    kind: 'exec' | 'attach',
    ex: StreamExchange,
    p: { namespace: string; pod: string; container: string },
  ): void {
    const q = ex.query;
    const tty = q.get('tty') === '1';
    const flags = {
      stdin: q.get('input') === '1',
      stdout: q.get('output') === '1',
      // With a tty, stderr is merged into stdout; the kubelet drops the request for it.
      stderr: q.get('error') === '1' && !tty,
      tty,
    };
    if (!flags.stdin && !flags.stdout && !flags.stderr)
      throw new PlainHttpError(400, 'you must specify at least 1 of stdin, stdout, stderr');
    const obj = deps.getPod(p.namespace, p.pod);
    if (!obj) throw new PlainHttpError(404, 'pod does not exist');
    const pod = podView(obj);
    const problem = hasContainer(pod, p.container)
      ? runningProblem(pod, p.container)
      : `container not found (${JSON.stringify(p.container)})`;
    if (problem) throw new PlainHttpError(500, problem);
    // An empty command is not refused here: as in the kubelet, the runtime fails to run it and
    // says so on the error stream.
    const cmd = q.getAll('command');
    const transport = transportFor(ex);
    const target = (signal: AbortSignal) => ({
      namespace: pod.namespace,
      pod: pod.name,
      uid: pod.uid,
      container: p.container,
      command: kind === 'exec' ? cmd : [],
      ...flags,
      signal,
    });
    if (transport === 'websocket') {
      const protocol = negotiate(transport, ex.req.headers, WS_EXEC_PROTOCOLS, NO_PROTOCOL, true);
      upgradeWebSocket(ex, protocol, (ws) => {
        const ch = webSocketChannels(ws, { protocol, ...flags, connection: ex.upgrade!.socket });
        void runCommand(kind, target(ch.signal), deps.backend, ch);
      });
      return;
    }
    const protocol = negotiate(transport, ex.req.headers, SPDY_EXEC_PROTOCOLS, NO_PROTOCOL, true);
    serveSpdyCommand(upgradeSpdy(ex, protocol), {
      protocol,
      ...flags,
      streamCreationTimeoutMs: deps.streamCreationTimeoutMs,
      onReady: (ch) => void runCommand(kind, target(ch.signal), deps.backend, ch),
    });
  }

  /** /portForward: `{namespace}/{pod}[/{uid}]`. */
  function portForward(
    ex: StreamExchange,
    p: { namespace: string; pod: string; uid: string },
  ): void {
    const offered = listHeader(ex.req.headers['sec-websocket-protocol']);
    // WebSocket clients name their ports in the query. The SPDY tunnel carries them in its
    // streams' headers, as SPDY does, so it needs none.
    const tunnel = offered.includes(WS_PORT_FORWARD_TUNNEL_PROTOCOL);
    let ports: number[] = [];
    if (isWebSocketRequest(ex.req) && !tunnel) {
      try {
        ports = parsePorts(ex.query.getAll('port'));
      } catch (e) {
        throw new PlainHttpError(400, (e as Error).message);
      }
    }
    const obj = deps.getPod(p.namespace, p.pod);
    if (!obj) throw new PlainHttpError(404, 'pod does not exist');
    const pod: PodView = podView(obj);
    if (p.uid && pod.uid !== p.uid) throw new PlainHttpError(404, 'pod not found');
    const problem = runningProblem(pod, undefined);
    if (problem) throw new PlainHttpError(500, problem);
    const transport = transportFor(ex);
    const opts = {
      backend: deps.backend,
      namespace: pod.namespace,
      pod: pod.name,
      uid: pod.uid,
      streamCreationTimeoutMs: deps.streamCreationTimeoutMs,
    };
    if (transport === 'websocket') {
      const protocol = negotiate(
        transport,
        ex.req.headers,
        WS_PORT_FORWARD_PROTOCOLS,
        NO_PROTOCOL,
        false,
      );
      if (protocol === WS_PORT_FORWARD_TUNNEL_PROTOCOL) {
        // The tunnel: SPDY's bytes ride in binary messages whose boundaries mean nothing.
        const socket = ex.upgrade!.socket;
        upgradeWebSocket(ex, protocol, (ws) =>
          servePortForward(tunnelStream(ws, socket, TUNNEL_WRITE_BUFFER), opts),
        );
        return;
      }
      upgradeWebSocket(ex, protocol, (ws) =>
        serveWebSocketPortForward(ws, { ...opts, protocol, ports }),
      );
      return;
    }
    // Without a protocol header the kubelet's port-forward handshake fails without writing
    // anything: Go then sends an empty 200.
    negotiate(
      transport,
      ex.req.headers,
      [SPDY_PORT_FORWARD_PROTOCOL],
      new PlainHttpError(200, ''),
      false,
    );
    servePortForward(upgradeSpdy(ex, SPDY_PORT_FORWARD_PROTOCOL), opts);
  }

  return { command, portForward };
}

const NO_PROTOCOL = new PlainHttpError(
  400,
  'unable to upgrade: X-Stream-Protocol-Version is required\n',
  {
    'X-Content-Type-Options': 'nosniff',
  },
);

export type StreamServer = ReturnType<typeof createStreamServer>;

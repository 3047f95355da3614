// port-forward over plain WebSocket channels (v4.channel.k8s.io, its base64 variant, or no
// subprotocol), as client libraries use it: `?port=80&port=8080` (or `port=80,8080`) names
// the ports up front; port i
// gets data channel 2i and error channel 2i+1, each opened with the port as a little-endian
// uint16. There is one TCP connection per port, and the WebSocket closes when all are done.

import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { StreamingBackend } from './types.js';

export interface WsPortForwardOptions {
  protocol: string;
  ports: number[];
  backend: StreamingBackend;
  namespace: string;
  pod: string;
  uid: string;
}

/** The `port` query parameter (comma-separated, repeatable); throws the kubelet's words. */
export function parsePorts(values: string[]): number[] {
  if (!values.length) throw new Error('query parameter "port" is required');
  const out: number[] = [];
  for (const v of values) {
    if (!v) throw new Error('query parameter "port" cannot be empty');
    for (const p of v.split(',')) {
      // strconv.ParseUint(p, 10, 16) and its words.
      const why = !/^\d+$/.test(p)
        ? 'invalid syntax'
        : Number(p) > 65535
          ? 'value out of range'
          : undefined;
      if (why)
        throw new Error(
          `unable to parse ${JSON.stringify(v)} as a port: strconv.ParseUint: parsing ${JSON.stringify(p)}: ${why}`,
        );
      if (Number(p) < 1) throw new Error(`port ${JSON.stringify(v)} must be > 0`);
      out.push(Number(p));
    }
  }
  return out;
}

export function serveWebSocketPortForward(ws: WebSocket, o: WsPortForwardOptions): void {
  const base64 = o.protocol.includes('base64');
  const send = (channel: number, data: Buffer): void => {
    if (ws.readyState !== ws.OPEN) return;
    if (base64) ws.send(String.fromCharCode(48 + channel) + data.toString('base64'));
    else ws.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true });
  };
  const ac = new AbortController();
  const sockets: (Duplex | undefined)[] = o.ports.map(() => undefined);
  const pending: Buffer[][] = o.ports.map(() => []);

  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    if (raw.length === 0) return;
    let channel = raw[0] ?? 0;
    let payload = raw.subarray(1);
    if (base64 && !isBinary) {
      channel -= 48;
      payload = Buffer.from(payload.toString('latin1'), 'base64');
    }
    // Only data channels (even) carry client bytes.
    if (channel % 2 !== 0 || channel / 2 >= o.ports.length || !payload.length) return;
    const i = channel / 2;
    const s = sockets[i];
    if (s) s.write(payload);
    else pending[i]?.push(payload);
  });
  ws.on('close', () => {
    ac.abort();
    for (const s of sockets) s?.destroy();
  });

  const forward = async (i: number, port: number): Promise<void> => {
    let socket: Duplex;
    try {
      socket = await o.backend.portForward({
        namespace: o.namespace,
        pod: o.pod,
        uid: o.uid,
        port,
        signal: ac.signal,
      });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      send(
        2 * i + 1,
        Buffer.from(
          `error forwarding port ${port} to pod ${o.pod}_${o.namespace}, uid ${o.uid}: ${why}`,
        ),
      );
      return;
    }
    if (ac.signal.aborted) {
      socket.destroy();
      return;
    }
    sockets[i] = socket;
    for (const b of pending[i]?.splice(0) ?? []) socket.write(b);
    await new Promise<void>((resolve) => {
      socket.on('data', (d: Buffer) => send(2 * i, d));
      socket.on('error', (e: Error) => {
        send(
          2 * i + 1,
          Buffer.from(
            `error forwarding port ${port} to pod ${o.pod}_${o.namespace}, uid ${o.uid}: ${e.message}`,
          ),
        );
        resolve();
      });
      socket.on('close', () => resolve());
    });
  };

  o.ports.forEach((port, i) => {
    const le = Buffer.alloc(2);
    le.writeUInt16LE(port);
    send(2 * i, le);
    send(2 * i + 1, le);
  });
  void Promise.all(o.ports.map((p, i) => forward(i, p))).then(() => {
    if (ws.readyState === ws.OPEN) ws.close(1000);
  });
}

// Started by sockets.ts under `nsenter --net=<namespace>`: makes listening, bound and
// connected sockets inside that namespace and hands each to the parent over the IPC channel.
// A socket keeps the namespace it was made in, so the parent then serves it as its own.

import { Server, Socket, createServer } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { HelperReply, HelperRequest } from './sockets.js';

const reply = (r: HelperReply, handle?: Server | Socket | UdpSocket, sent?: () => void): void => {
  process.send?.(r, handle as Server, () => sent?.());
};

const failed = (id: number) => (e: NodeJS.ErrnoException) =>
  reply({ id, error: e.message, ...(e.code ? { code: e.code } : {}) });

function handle(m: HelperRequest): void {
  switch (m.op) {
    case 'listen-tcp': {
      const s = createServer();
      s.once('error', failed(m.id));
      // Once handed over, this process's copy is closed; the parent's stays listening.
      s.listen({ host: m.address, port: m.port, backlog: 511 }, () =>
        reply({ id: m.id }, s, () => s.close()),
      );
      return;
    }
    case 'bind-udp':
    case 'open-udp': {
      const s = createSocket(m.family ?? 'udp4');
      s.once('error', failed(m.id));
      const bound = (): void => reply({ id: m.id }, s, () => s.close());
      if (m.op === 'bind-udp') s.bind(m.port, m.address, bound);
      else s.bind(0, bound);
      return;
    }
    case 'dial-tcp': {
      const s = new Socket();
      // Not a byte is read here: the parent reads everything.
      s.pause();
      const t = setTimeout(() => {
        s.destroy();
        reply({ id: m.id, error: 'connect timed out', code: 'ETIMEDOUT' });
      }, m.timeoutMs ?? 10_000);
      s.once('error', (e) => {
        clearTimeout(t);
        failed(m.id)(e);
      });
      s.connect(m.port ?? 0, m.address ?? '', () => {
        clearTimeout(t);
        // Node closes this copy once the parent has it.
        reply({ id: m.id }, s);
      });
      return;
    }
  }
}

process.on('message', (m: HelperRequest) => handle(m));
process.on('disconnect', () => process.exit(0));

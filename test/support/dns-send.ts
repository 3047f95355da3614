// Sends raw DNS messages over UDP, for tests that run it inside their network namespace:
// each message (hex, one per line of a file) goes to host:port in turn; the answer (hex) or
// null when none came within the wait is printed as one JSON array.
//
//   node --import tsx test/support/dns-send.ts 127.0.0.1 53 packets.txt [waitMs] [burst]

import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';

const [host = '127.0.0.1', port = '53', file = '', waitArg = '300', mode = 'one-by-one'] =
  process.argv.slice(2);
const wait = Number(waitArg);
const packets = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((h) => Buffer.from(h, 'hex'));
const sock = createSocket('udp4');
await new Promise<void>((r) => sock.bind(0, () => r()));
const out: (string | null)[] = [];
if (mode === 'burst') {
  // Every message at once (their IDs differ); answers matched back by ID.
  const byId = new Map<number, string>();
  sock.on('message', (m: Buffer) => {
    if (m.length >= 2) byId.set(m.readUInt16BE(0), m.toString('hex'));
  });
  for (const p of packets) sock.send(p, Number(port), host);
  const deadline = Date.now() + wait;
  while (byId.size < packets.length && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  for (const p of packets) out.push(byId.get(p.readUInt16BE(0)) ?? null);
}
for (const p of mode === 'burst' ? [] : packets) {
  out.push(
    await new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => {
        sock.off('message', onMessage);
        resolve(null);
      }, wait);
      const onMessage = (m: Buffer): void => {
        // A late answer to an earlier message is not this one's.
        if (p.length >= 2 && (m.length < 2 || m.readUInt16BE(0) !== p.readUInt16BE(0))) return;
        clearTimeout(timer);
        sock.off('message', onMessage);
        resolve(m.toString('hex'));
      };
      sock.on('message', onMessage);
      sock.send(p, Number(port), host);
    }),
  );
}
sock.close();
process.stdout.write(JSON.stringify(out) + '\n');

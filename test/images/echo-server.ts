// The ingress tests' echo server (image skiff.test/echo:1), run by the machine's Node.js,
// in the manner of ingress-controller-conformance's echoserver. Kept as text (it runs in the
// image, not in the tests), without template literals so that String.raw keeps it as is.

export const ECHO_SERVER_JS = String.raw`// The ingress tests' echo server, in the manner of ingress-controller-conformance's
// echoserver: every request is answered with what arrived, as JSON (path, host, method,
// proto, headers, and the namespace, ingress, service and pod from the environment);
// /health answers OK. A WebSocket upgrade is accepted and each text message is sent back
// as "<service>: <message>". Port $HTTP_PORT, default 3000. No dependencies.

import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { hostname } from 'node:os';

const env = process.env;
const context = {
  namespace: env.NAMESPACE ?? '',
  ingress: env.INGRESS_NAME ?? '',
  service: env.SERVICE_NAME ?? '',
  pod: env.POD_NAME ?? hostname(),
};

/** "x-forwarded-for" → "X-Forwarded-For", as Go's http.CanonicalHeaderKey. */
const canonical = (name) =>
  name
    .toLowerCase()
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('-');

function headersOf(req) {
  const out = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = canonical(req.rawHeaders[i]);
    if (name === 'Host') continue; // Go moves it to the request's host
    (out[name] ??= []).push(req.rawHeaders[i + 1]);
  }
  return out;
}

const server = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('OK');
    return;
  }
  const body = JSON.stringify(
    {
      path: req.url,
      host: req.headers.host ?? '',
      method: req.method,
      proto: 'HTTP/' + req.httpVersion,
      headers: headersOf(req),
      ...context,
    },
    null,
    1,
  );
  // Drain any request body before answering, so keep-alive connections stay usable.
  req.resume();
  req.on('end', () => {
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-content-type-options': 'nosniff',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
  console.log('Echoing back request made to ' + req.url + ' to client (' + req.socket.remoteAddress + ')');
});

/** One unfragmented text frame from the server (unmasked). */
function textFrame(text) {
  const data = Buffer.from(text);
  const head =
    data.length < 126
      ? Buffer.from([0x81, data.length])
      : Buffer.from([0x81, 126, data.length >> 8, data.length & 255]);
  return Buffer.concat([head, data]);
}

server.on('upgrade', (req, socket) => {
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return socket.destroy();
  const accept = createHash('sha1')
    .update((req.headers['sec-websocket-key'] ?? '') + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
    .digest('base64');
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Accept: ' + accept + '\r\n\r\n',
  );
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    // Client frames are masked; lengths up to 64 KiB are enough for a test.
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0] & 15;
      let len = buf[1] & 127;
      let offset = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) return socket.destroy();
      if (buf.length < offset + 4 + len) return;
      const mask = buf.subarray(offset, offset + 4);
      const payload = Buffer.from(buf.subarray(offset + 4, offset + 4 + len));
      for (let i = 0; i < len; i++) payload[i] ^= mask[i % 4];
      buf = buf.subarray(offset + 4 + len);
      if (opcode === 8) return socket.end(Buffer.from([0x88, 0]));
      if (opcode === 9) socket.write(Buffer.concat([Buffer.from([0x8a, len]), payload]));
      if (opcode === 1) socket.write(textFrame(context.service + ': ' + payload.toString()));
    }
  });
  socket.on('error', () => socket.destroy());
});

server.keepAliveTimeout = 120_000;
server.listen(Number(env.HTTP_PORT || 3000), () =>
  console.log('Starting server, listening on port ' + (env.HTTP_PORT || 3000) + ' (http)'),
);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
`;

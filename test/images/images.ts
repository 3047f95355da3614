// The test images: busybox from Debian's busybox-static, and small apps on top of it.

import { ECHO_SERVER_JS } from './echo-server.js';
import type { ImageConfig, ImageRecipe, LayerRecipe } from './recipe.js';

/** The names tests use. */
export const IMAGES = {
  busybox: 'skiff.test/busybox:1',
  kubia: 'skiff.test/kubia:1',
  kubiaUnhealthy: 'skiff.test/kubia:unhealthy',
  nginx: 'skiff.test/nginx:1',
  dnsutils: 'skiff.test/dnsutils:1',
  /** Opt-in (about 35 MB compressed): kubia on the machine's own Node.js. */
  kubiaNode: 'skiff.test/kubia-node:1',
  /** Opt-in (Node.js, as kubia-node): the ingress tests' echo server (echo-server.ts). */
  echo: 'skiff.test/echo:1',
} as const;

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'daemon:x:1:1:daemon:/usr/sbin:/bin/false',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
  '',
].join('\n');

const GROUP = ['root:x:0:', 'daemon:x:1:', 'nogroup:x:65534:', 'nobody:x:65534:', ''].join('\n');

/** busybox-static with its applets, and the few files a root filesystem needs. */
export const busyboxLayer: LayerRecipe = {
  comment: 'busybox-static from Debian, applet symlinks, /etc/passwd and /etc/group',
  sources: [
    { from: 'deb', package: 'busybox-static', paths: ['/bin/busybox'] },
    { from: 'busybox-applets', binary: '/bin/busybox' },
    ...['/dev', '/proc', '/sys', '/etc', '/home', '/run', '/var', '/usr/local/bin'].map(
      (path) => ({ from: 'dir', path }) as const,
    ),
    { from: 'dir', path: '/root', mode: 0o700 },
    { from: 'dir', path: '/tmp', mode: 0o1777 },
    { from: 'dir', path: '/var/tmp', mode: 0o1777 },
    { from: 'text', path: '/etc/passwd', text: PASSWD },
    { from: 'text', path: '/etc/group', text: GROUP },
    // Without it glibc asks DNS before /etc/hosts, and `localhost` fails in a cluster.
    { from: 'text', path: '/etc/nsswitch.conf', text: 'hosts: files dns\nnetworks: files\n' },
  ],
};

/** curl (this machine's, with its libraries) and a bash that is busybox sh. */
export const toolsLayer: LayerRecipe = {
  comment: 'curl and its shared libraries from this machine; /bin/bash runs busybox sh',
  sources: [
    { from: 'host', path: '/usr/bin/curl', libraries: true },
    { from: 'file', path: '/bin/bash', file: 'bash.sh', mode: 0o755 },
  ],
};

const kubiaLayer: LayerRecipe = {
  comment: 'kubia: busybox httpd on :8080 with a CGI answering "You\'ve hit <hostname>"',
  sources: [
    { from: 'file', path: '/usr/local/bin/kubia', file: 'kubia.sh', mode: 0o755 },
    { from: 'file', path: '/srv/kubia/cgi-bin/index.cgi', file: 'kubia.cgi', mode: 0o755 },
  ],
};

const nginxLayer: LayerRecipe = {
  comment: 'nginx stand-in: busybox httpd serving /usr/share/nginx/html on :80',
  sources: [
    { from: 'file', path: '/usr/sbin/nginx', file: 'nginx.sh', mode: 0o755 },
    { from: 'file', path: '/usr/share/nginx/html/index.html', file: 'nginx-index.html' },
    { from: 'dir', path: '/var/log/nginx' },
  ],
};

/** kubia as the book has it, on Node.js (kept here, not in files/, as it is not project code). */
const KUBIA_JS = String.raw`// The kubia app of "Kubernetes in Action": every request is answered with
// "You've hit <hostname>"; with KUBIA_FAIL_AFTER=n, requests after the n-th get a 500.
const http = require('node:http');
const os = require('node:os');

const failAfter = Number(process.env.KUBIA_FAIL_AFTER || 0);
let requests = 0;

console.log('Kubia server starting...');
const server = http.createServer((req, res) => {
  console.log('Received request from ' + req.socket.remoteAddress);
  requests++;
  if (failAfter > 0 && requests > failAfter) {
    res.writeHead(500);
    res.end("I'm not well. Please restart me!");
    return;
  }
  res.writeHead(200);
  res.end("You've hit " + os.hostname() + '
');
});
server.listen(8080);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
`;

const nodeLayer: LayerRecipe = {
  comment: 'node and its shared libraries from this machine; /app.js is kubia',
  gzipLevel: 1,
  sources: [
    { from: 'host', path: '/usr/bin/node', libraries: true },
    { from: 'text', path: '/app.js', text: KUBIA_JS },
  ],
};

const echoLayers: LayerRecipe[] = [
  {
    comment: 'node and its shared libraries from this machine',
    gzipLevel: 1,
    sources: [{ from: 'host', path: '/usr/bin/node', libraries: true }],
  },
  {
    comment: 'the echo server: requests answered as JSON, WebSocket messages echoed',
    sources: [{ from: 'text', path: '/echo-server.mjs', text: ECHO_SERVER_JS }],
  },
];

function config(c: ImageConfig): ImageConfig {
  return { Env: [PATH], ...c };
}

const kubiaConfig: ImageConfig = {
  ExposedPorts: { '8080/tcp': {} },
  Entrypoint: ['/usr/local/bin/kubia'],
};

/** Built by default. */
export const DEFAULT_RECIPES: readonly ImageRecipe[] = [
  { name: IMAGES.busybox, layers: [busyboxLayer], config: config({ Cmd: ['sh'] }) },
  {
    name: IMAGES.kubia,
    layers: [busyboxLayer, toolsLayer, kubiaLayer],
    config: config(kubiaConfig),
  },
  {
    // Same layers as kubia:1; the CGI fails once KUBIA_FAIL_AFTER requests are served.
    name: IMAGES.kubiaUnhealthy,
    layers: [busyboxLayer, toolsLayer, kubiaLayer],
    config: { ...kubiaConfig, Env: [PATH, 'KUBIA_FAIL_AFTER=5'] },
  },
  {
    name: IMAGES.nginx,
    layers: [busyboxLayer, toolsLayer, nginxLayer],
    config: config({
      ExposedPorts: { '80/tcp': {} },
      Cmd: ['nginx', '-g', 'daemon off;'],
      StopSignal: 'SIGQUIT',
    }),
  },
  {
    name: IMAGES.dnsutils,
    layers: [busyboxLayer, toolsLayer],
    config: config({ Cmd: ['sleep', 'infinity'] }),
  },
];

/** Built only when asked for by name. */
export const OPTIONAL_RECIPES: readonly ImageRecipe[] = [
  {
    name: IMAGES.kubiaNode,
    layers: [busyboxLayer, nodeLayer],
    config: config({ ExposedPorts: { '8080/tcp': {} }, Entrypoint: ['node', '/app.js'] }),
  },
  {
    name: IMAGES.echo,
    layers: [busyboxLayer, ...echoLayers],
    config: config({ ExposedPorts: { '3000/tcp': {} }, Entrypoint: ['node', '/echo-server.mjs'] }),
  },
];

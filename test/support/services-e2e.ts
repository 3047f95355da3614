// Shared pieces of the service end-to-end tests: seed 001's manifests, and a second network
// namespace linked to the node's, standing for a machine outside the cluster
// (192.168.88.2, the node being 192.168.88.1 to it).

import { spawnSync } from 'node:child_process';
import { IMAGES } from '../images/index.js';
import { createNetns, type TestNetns } from '../e2e/harness.js';

export const NODE_SIDE = '192.168.88.1';
export const OUTSIDE = '192.168.88.2';
export const LAN_PREFIX = 24;

export const KUBIA_RC = `apiVersion: v1
kind: ReplicationController
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: ${IMAGES.kubia}
        ports:
        - name: http
          containerPort: 8080
        - name: https
          containerPort: 8443
`;

export const service = (name: string, spec: string): string => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
${spec}`;

/** The pod names in kubia's answers ("You've hit NAME"). */
export const hits = (text: string): string[] =>
  [...text.matchAll(/You've hit (\S+)/g)].map((m) => m[1]!);

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

/**
 * Another machine on a LAN with the node (the node's namespace at `nodeNetns`, a path under
 * /run/netns): a veth pair, the node's end `ext0` at NODE_SIDE, the other end at OUTSIDE
 * with its default route through the node.
 */
export function linkOutside(nodeNetns: string, prefix = 'skiff-e2e-out'): TestNetns {
  const outside = createNetns(prefix);
  const nodeNs = nodeNetns.replace('/run/netns/', '');
  try {
    ip(
      '-n',
      nodeNs,
      'link',
      'add',
      'ext0',
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      outside.name,
    );
    ip('-n', nodeNs, 'addr', 'add', `${NODE_SIDE}/${LAN_PREFIX}`, 'dev', 'ext0');
    ip('-n', nodeNs, 'link', 'set', 'ext0', 'up');
    ip('-n', outside.name, 'addr', 'add', `${OUTSIDE}/${LAN_PREFIX}`, 'dev', 'eth0');
    ip('-n', outside.name, 'link', 'set', 'eth0', 'up');
    ip('-n', outside.name, 'route', 'add', 'default', 'via', NODE_SIDE);
  } catch (e) {
    outside.remove();
    throw e;
  }
  return outside;
}

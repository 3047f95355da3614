// `skiff node-credentials`: what a node needs to join the cluster, issued on the control
// plane from the cluster CA: a kubeconfig whose client certificate names the node
// (system:node:NAME in system:nodes), one for each of the node's service proxy, DNS and
// ingress controller, the CA, and the node's serving certificate for its kubelet API (its
// name and addresses).

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { renderAdminKubeconfig } from '../client/kubeconfig.js';
import {
  PKI_FILES,
  issueClientCertificate,
  issueServingCertificate,
  loadCertificateAuthority,
} from '../pki/index.js';
import { stringFlag, stringFlags, UsageError, type ParsedArgs } from './args.js';
import { primaryAddress } from './address.js';
import { NODE_COMPONENTS, type NodeComponent } from './node-components.js';
import type { Io } from './commands.js';
import { dataPaths } from './paths.js';
import { readEndpoint } from './process.js';

export const NODES_GROUP = 'system:nodes';
const DEFAULT_API_PORT = 6443;

const COMPONENTS = Object.keys(NODE_COMPONENTS) as NodeComponent[];

/** The files written into --out: each one's name. */
export const NODE_CREDENTIAL_FILES = {
  kubeconfig: 'kubeconfig',
  ca: 'ca.crt',
  servingCert: 'kubelet.crt',
  servingKey: 'kubelet.key',
} as const;

export interface NodeCredentials {
  kubeconfig: string;
  /** One kubeconfig per node component. */
  components: Record<NodeComponent, string>;
  caPem: string;
  servingCertPem: string;
  servingKeyPem: string;
}

/** Node names as the API validates them: DNS subdomains. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function issueNodeCredentials(o: {
  caCertPem: string;
  caKeyPem: string;
  nodeName: string;
  addresses: string[];
  server: string;
}): NodeCredentials {
  const ca = loadCertificateAuthority(o.caCertPem, o.caKeyPem);
  const kubeconfigFor = (userName: string, organizations: string[]): string => {
    const cert = issueClientCertificate(ca, { commonName: userName, organizations });
    return renderAdminKubeconfig({
      server: o.server,
      caPem: ca.certPem,
      certPem: cert.certPem,
      keyPem: cert.keyPem,
      userName,
    });
  };
  const user = `system:node:${o.nodeName}`;
  const serving = issueServingCertificate(ca, {
    commonName: user,
    altNames: { dnsNames: [o.nodeName], ips: o.addresses },
  });
  const kubeconfig =
    `# The node ${o.nodeName}: user ${user}, group ${NODES_GROUP}. The Node authorizer lets it\n` +
    `# read what its pods use and write its own Node, Lease and pods' status: keep it on the\n` +
    `# node only.\n` +
    kubeconfigFor(user, [NODES_GROUP]);
  const components = {} as Record<NodeComponent, string>;
  for (const name of COMPONENTS) {
    const c = NODE_COMPONENTS[name];
    components[name] =
      `# The ${c.what} of node ${o.nodeName}: user ${c.user}, no group; RBAC grants it the\n` +
      `# ClusterRole ${c.role}. Keep it on the node only.\n` +
      kubeconfigFor(c.user, []);
  }
  return {
    kubeconfig,
    components,
    caPem: ca.certPem,
    servingCertPem: serving.certPem,
    servingKeyPem: serving.keyPem,
  };
}

export async function nodeCredentials(args: ParsedArgs, io: Io): Promise<number> {
  const nodeName = stringFlag(args, 'node-name');
  const out = stringFlag(args, 'out');
  if (!nodeName) throw new UsageError('flag --node-name is required');
  if (!out) throw new UsageError('flag --out is required');
  if (nodeName.length > 253 || !DNS_SUBDOMAIN.test(nodeName))
    throw new UsageError(
      `flag --node-name: "${nodeName}" is not a valid node name (lower case letters, digits, '-' and '.')`,
    );
  const addresses = stringFlags(args, 'address');
  if (!addresses.length) throw new UsageError('flag --address is required (the node IP)');
  for (const a of addresses)
    if (!isIP(a)) throw new UsageError(`flag --address: "${a}" is not an IP address`);
  const paths = dataPaths(stringFlag(args, 'data-dir'));
  const caCert = join(paths.pki, PKI_FILES.caCert);
  const caKey = join(paths.pki, PKI_FILES.caKey);
  if (!existsSync(caCert) || !existsSync(caKey)) {
    io.err(
      `error: no cluster CA in ${paths.pki}; run this on the control plane (skiff up --data-dir ${paths.dir} creates it)`,
    );
    return 1;
  }
  const server =
    stringFlag(args, 'server') ??
    `https://${urlHost(primaryAddress())}:${readEndpoint(paths)?.port ?? DEFAULT_API_PORT}`;
  let creds: NodeCredentials;
  try {
    creds = issueNodeCredentials({
      caCertPem: readFileSync(caCert, 'utf8'),
      caKeyPem: readFileSync(caKey, 'utf8'),
      nodeName,
      addresses,
      server,
    });
  } catch (e) {
    io.err(`error: ${(e as Error).message}`);
    return 1;
  }
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const write = (name: string, text: string, mode: number): void => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode });
    chmodSync(path, mode); // an existing file keeps its mode otherwise
  };
  write(NODE_CREDENTIAL_FILES.kubeconfig, creds.kubeconfig, 0o600);
  for (const name of COMPONENTS) write(NODE_COMPONENTS[name].file, creds.components[name], 0o600);
  write(NODE_CREDENTIAL_FILES.ca, creds.caPem, 0o644);
  write(NODE_CREDENTIAL_FILES.servingCert, creds.servingCertPem, 0o644);
  write(NODE_CREDENTIAL_FILES.servingKey, creds.servingKeyPem, 0o600);
  io.out(`Wrote the credentials of node ${nodeName} to ${dir}:`);
  io.out(
    `  ${NODE_CREDENTIAL_FILES.kubeconfig}   (server ${server}, user system:node:${nodeName})`,
  );
  for (const name of COMPONENTS) {
    const c = NODE_COMPONENTS[name];
    io.out(`  ${c.file}   (user ${c.user}: the node's ${c.what})`);
  }
  io.out(`  ${NODE_CREDENTIAL_FILES.ca}       (the cluster CA)`);
  io.out(
    `  ${NODE_CREDENTIAL_FILES.servingCert}, ${NODE_CREDENTIAL_FILES.servingKey}   (serving certificate for ${[nodeName, ...addresses].join(', ')})`,
  );
  io.out(
    `On the node: skiff agent --kubeconfig ${join(dir, 'kubeconfig')} --node-name ${nodeName} --node-ip ${addresses[0]} \\`,
  );
  io.out(
    `  --tls-cert-file ${join(dir, NODE_CREDENTIAL_FILES.servingCert)} --tls-private-key-file ${join(dir, NODE_CREDENTIAL_FILES.servingKey)}`,
  );
  return 0;
}

const urlHost = (ip: string): string => (isIP(ip) === 6 ? `[${ip}]` : ip);

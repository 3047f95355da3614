// `skiff trust` / `skiff untrust`: the local ingress CA (which issues certificates for TLS
// hosts of Ingresses without a secret) into and out of the machine's trust store, Debian's
// way: a file in /usr/local/share/ca-certificates, then update-ca-certificates.

import { spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringFlag, type ParsedArgs } from './args.js';
import { dataPaths } from './paths.js';
import type { Io } from './commands.js';

/** Where Debian's update-ca-certificates takes local CAs from. */
const LOCAL_CA_DIR = '/usr/local/share/ca-certificates';
/** The ingress CA in a data dir's pki/ (written by the node's ingress controller). */
const INGRESS_CA_FILE = 'ingress-ca.crt';

interface IngressCa {
  pem: string;
  /** The file name in LOCAL_CA_DIR, unique per CA so that two clusters can both be trusted. */
  fileName: string;
  path: string;
}

function readIngressCa(args: ParsedArgs, io: Io): IngressCa | undefined {
  const paths = dataPaths(stringFlag(args, 'data-dir'));
  const path = join(paths.pki, INGRESS_CA_FILE);
  if (!existsSync(path)) {
    io.err(
      `error: no ingress CA in ${paths.pki} yet; it is created when a node's ingress controller starts (skiff up)`,
    );
    return undefined;
  }
  const pem = readFileSync(path, 'utf8');
  const cert = new X509Certificate(pem);
  const id = createHash('sha256').update(cert.raw).digest('hex').slice(0, 12);
  return { pem, fileName: `skiff-ingress-ca-${id}.crt`, path };
}

function updateTrustStore(io: Io): boolean {
  const r = spawnSync('update-ca-certificates', [], { encoding: 'utf8', timeout: 120_000 });
  if (r.error || r.status !== 0) {
    io.err(
      `error: update-ca-certificates failed: ${r.error?.message ?? (r.stderr || r.stdout).trim()}`,
    );
    return false;
  }
  return true;
}

function needsRoot(io: Io, verb: string): boolean {
  if (process.getuid?.() === 0) return false;
  io.err(`error: changing the system trust store needs root; run: sudo skiff ${verb}`);
  return true;
}

export function trust(args: ParsedArgs, io: Io): number {
  const ca = readIngressCa(args, io);
  if (!ca) return 1;
  if (needsRoot(io, 'trust')) return 1;
  mkdirSync(LOCAL_CA_DIR, { recursive: true });
  writeFileSync(join(LOCAL_CA_DIR, ca.fileName), ca.pem, { mode: 0o644 });
  if (!updateTrustStore(io)) return 1;
  io.out(`The Skiff ingress CA is trusted by this machine (${join(LOCAL_CA_DIR, ca.fileName)}).`);
  io.out(
    'curl, wget and other programs using the system store now accept the ingress certificates.',
  );
  io.out('Browsers keep their own store:');
  io.out(
    `  Chromium/Chrome (Linux): certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n skiff-ingress-ca -i ${ca.path}`,
  );
  io.out(
    `  Firefox: Settings → Privacy & Security → Certificates → View Certificates → Authorities → Import ${ca.path}`,
  );
  io.out('Undo with: skiff untrust');
  return 0;
}

export function untrust(args: ParsedArgs, io: Io): number {
  const ca = readIngressCa(args, io);
  if (!ca) return 1;
  const file = join(LOCAL_CA_DIR, ca.fileName);
  if (!existsSync(file)) {
    io.out('The Skiff ingress CA is not in the system trust store; nothing to do.');
    return 0;
  }
  if (needsRoot(io, 'untrust')) return 1;
  rmSync(file, { force: true });
  if (!updateTrustStore(io)) return 1;
  io.out(`The Skiff ingress CA is no longer trusted by this machine (removed ${file}).`);
  io.out('Remove it from browsers too: certutil -d sql:$HOME/.pki/nssdb -D -n skiff-ingress-ca');
  return 0;
}

// sha256 digests: parsing, hashing buffers and streams.

import { createHash, type Hash } from 'node:crypto';
import { ContentError } from './errors.js';

const DIGEST = /^sha256:([a-f0-9]{64})$/;

export function isDigest(s: unknown): s is string {
  return typeof s === 'string' && DIGEST.test(s);
}

/** The hex part of a sha256 digest; refuses anything else (other algorithms, bad hex). */
export function digestHex(digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m) {
    if (
      /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:/.test(digest) &&
      !digest.startsWith('sha256:')
    )
      throw new ContentError(
        `unsupported digest algorithm in "${digest}" (only sha256 is supported)`,
      );
    throw new ContentError(`invalid digest "${digest}"`);
  }
  return m[1] as string;
}

export function sha256(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/** Counts and hashes what passes through it. */
export class Hasher {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;
  update(chunk: Buffer): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }
  digest(): string {
    return 'sha256:' + this.hash.digest('hex');
  }
}

export function shortId(digest: string, n = 13): string {
  return digest.replace(/^sha256:/, '').slice(0, n);
}

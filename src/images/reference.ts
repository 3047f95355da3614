// Image references as the kubelet reads them: Docker Hub normalization (`nginx` →
// `docker.io/library/nginx:latest`) and the reference grammar with its error messages.

import { ImageError } from './errors.js';

const alnum = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[(?:[a-fA-F0-9:]+)\\])`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';

const REFERENCE = new RegExp(
  `^((?:${domainAndPort}/)?${remoteName})(?::(${tag}))?(?:@(${digest}))?$`,
);
const NAME = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const IDENTIFIER = /^[a-f0-9]{64}$/;

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const NAME_MAX = 255;

/** A fully qualified reference: `domain/path` plus a tag or a digest (never both). */
export interface ImageRef {
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

class ReferenceSyntaxError extends Error {}

function splitDockerDomain(name: string): [string, string] {
  const i = name.indexOf('/');
  let domain: string;
  let rest: string;
  if (
    i === -1 ||
    (!/[.:]/.test(name.slice(0, i)) &&
      name.slice(0, i) !== 'localhost' &&
      name.slice(0, i).toLowerCase() === name.slice(0, i))
  ) {
    domain = DEFAULT_DOMAIN;
    rest = name;
  } else {
    domain = name.slice(0, i);
    rest = name.slice(i + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !rest.includes('/')) rest = 'library/' + rest;
  return [domain, rest];
}

function parseNormalized(s: string): ImageRef {
  if (IDENTIFIER.test(s))
    throw new ReferenceSyntaxError(
      `invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`,
    );
  const [domain, remainder] = splitDockerDomain(s);
  const colon = remainder.indexOf(':');
  const remote = colon > -1 ? remainder.slice(0, colon) : remainder;
  if (remote.toLowerCase() !== remote)
    throw new ReferenceSyntaxError('invalid reference format: repository name must be lowercase');
  const full = `${domain}/${remainder}`;
  const m = REFERENCE.exec(full);
  if (!m) {
    if (REFERENCE.test(full.toLowerCase()))
      throw new ReferenceSyntaxError('repository name must be lowercase');
    throw new ReferenceSyntaxError('invalid reference format');
  }
  const name = m[1] as string;
  if (name.length > NAME_MAX)
    throw new ReferenceSyntaxError(`repository name must not be more than ${NAME_MAX} characters`);
  const nm = NAME.exec(name);
  const ref: ImageRef = { domain: nm?.[1] ?? domain, path: nm?.[2] ?? name };
  const d = m[3];
  if (d !== undefined) {
    const [alg, hex] = d.split(':') as [string, string];
    if (alg !== 'sha256') throw new ReferenceSyntaxError('unsupported digest algorithm');
    if (hex.length !== 64) throw new ReferenceSyntaxError('invalid checksum digest length');
    if (!/^[a-f0-9]+$/.test(hex)) throw new ReferenceSyntaxError('invalid checksum digest format');
    // As ParseDockerRef: a reference with both a tag and a digest is pulled by its digest.
    ref.digest = d;
  } else ref.tag = m[2] ?? 'latest';
  return ref;
}

/**
 * Parses an image reference as the kubelet does before pulling; an invalid one is an
 * ImageError with reason InvalidImageName and the kubelet's message.
 */
export function parseImageRef(image: string): ImageRef {
  try {
    return parseNormalized(image);
  } catch (e) {
    if (!(e instanceof ReferenceSyntaxError)) throw e;
    throw new ImageError(
      'InvalidImageName',
      `Failed to apply default image tag "${image}": couldn't parse image name "${image}": ${e.message}`,
    );
  }
}

/** `docker.io/library/nginx` */
export function repositoryName(r: ImageRef): string {
  return `${r.domain}/${r.path}`;
}

/** `docker.io/library/nginx:latest` or `docker.io/library/nginx@sha256:…` */
export function formatRef(r: ImageRef): string {
  return r.digest
    ? `${repositoryName(r)}@${r.digest}`
    : `${repositoryName(r)}:${r.tag ?? 'latest'}`;
}

/** Splits a stored full reference into its repository and tag or digest, for listings. */
export function splitStoredRef(s: string): { repository: string; tag?: string; digest?: string } {
  const at = s.indexOf('@');
  if (at > -1) return { repository: s.slice(0, at), digest: s.slice(at + 1) };
  const slash = s.lastIndexOf('/');
  const colon = s.lastIndexOf(':');
  if (colon > slash) return { repository: s.slice(0, colon), tag: s.slice(colon + 1) };
  return { repository: s };
}

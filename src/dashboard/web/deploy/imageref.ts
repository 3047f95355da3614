// Container image references as the container runtime reads them:
// [HOST[:PORT]/]PATH[:TAG][@DIGEST]. The deploy form checks an image before deploying it and
// says why one is refused in the parser's own words ("invalid reference format", …), and it
// takes the tag as the `version` label.

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[(?:[a-fA-F0-9:]+)\\])`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const tagPattern = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';

const REFERENCE = new RegExp(
  `^((?:${domainAndPort}/)?${remoteName})(?::(${tagPattern}))?(?:@(${digestPattern}))?$`,
);
const NAME = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);

/** Hex lengths of the digest algorithms a runtime knows. */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

export interface ImageReference {
  /** Registry host (and port), '' when omitted. */
  domain: string;
  path: string;
  tag: string;
  digest: string;
}

export type ParsedImage = { ok: true; ref: ImageReference } | { ok: false; reason: string };

export function parseImageReference(s: string): ParsedImage {
  if (s === '') return { ok: false, reason: 'repository name must have at least one component' };
  const m = REFERENCE.exec(s);
  if (!m) {
    const lower = s.toLowerCase();
    if (lower !== s && REFERENCE.test(lower))
      return { ok: false, reason: 'repository name must be lowercase' };
    return { ok: false, reason: 'invalid reference format' };
  }
  const name = NAME.exec(m[1]!);
  const domain = name?.[1] ?? '';
  const path = name?.[2] ?? m[1]!;
  if (path.length > 255)
    return { ok: false, reason: 'repository name must not be more than 255 characters' };
  const digest = m[3] ?? '';
  if (digest) {
    const why = digestProblem(digest);
    if (why) return { ok: false, reason: why };
  }
  return { ok: true, ref: { domain, path, tag: m[2] ?? '', digest } };
}

function digestProblem(digest: string): string | undefined {
  const i = digest.indexOf(':');
  const algorithm = digest.slice(0, i);
  const encoded = digest.slice(i + 1);
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) return 'unsupported digest algorithm';
  if (encoded.length !== length) return 'invalid checksum digest length';
  if (!/^[a-f0-9]+$/.test(encoded)) return 'invalid checksum digest format';
  return undefined;
}

/**
 * The tag of an image as the deploy form reads it for the `version` label: what follows the
 * last ':' of the last '/'-separated part (so a registry port is not a tag), '' when none.
 */
export function imageTag(image: string): string {
  const last = image.slice(image.lastIndexOf('/') + 1);
  const withoutDigest = last.split('@')[0]!;
  const colon = withoutDigest.lastIndexOf(':');
  return colon > -1 ? withoutDigest.slice(colon + 1) : '';
}

// A container's image, by its pull policy, with the kubelet's back-off between failed pulls
// (10 s doubling to 300 s, per container of the pod): ErrImagePull, then ImagePullBackOff
// until the back-off has passed. The events are the kubelet's (`kubectl describe pod`).

import type { IContainer, ILocalObjectReference } from 'kubernetes-models/v1';
import {
  ImageError,
  parseDockerConfig,
  type DockerConfig,
  type ImageInfo,
  type ImageService,
  type PullPolicy,
} from '../../images/index.js';
import type { Backoff } from '../backoff.js';
import { errorMessage } from '../errors.js';
import type { Waiting } from './status.js';

/** The policy when the spec gives none: Always for :latest (or no tag), else IfNotPresent. */
export function defaultPullPolicy(image: string): PullPolicy {
  const last = image.split('/').pop() ?? image;
  if (last.includes('@')) return 'IfNotPresent';
  const tag = last.includes(':') ? last.slice(last.lastIndexOf(':') + 1) : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** A duration as Go prints it: 512ms, 1.234s. */
export function goDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${Number((ms / 1000).toFixed(3))}s`;
}

/** The pod's imagePullSecrets, decoded (kubernetes.io/dockerconfigjson and dockercfg). */
export function decodePullSecrets(
  refs: ILocalObjectReference[],
  secret: (name: string) => { data?: Record<string, string> } | undefined,
): DockerConfig[] {
  const out: DockerConfig[] = [];
  for (const ref of refs) {
    const data = secret(ref.name ?? '')?.data ?? {};
    try {
      if (data['.dockerconfigjson'])
        out.push(parseDockerConfig(Buffer.from(data['.dockerconfigjson'], 'base64').toString()));
      else if (data['.dockercfg'])
        out.push({
          auths: parseDockerConfig(Buffer.from(data['.dockercfg'], 'base64').toString()),
        } as DockerConfig);
    } catch {
      // The kubelet skips a secret it cannot read and pulls with the others.
    }
  }
  return out;
}

export interface PullContext {
  images: Pick<ImageService, 'getImage' | 'ensureImage'>;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  pullSecrets(): Promise<DockerConfig[]>;
  /** A step boundary: throws when the pod is being killed. */
  checkpoint(): void;
  /** Brackets the pull itself (a termination does not wait for it). */
  pulling(on: boolean): void;
  /** A monotonic clock in ms, for the "pulled in" event. */
  elapsed(): number;
}

export type PullOutcome =
  | { image: ImageInfo }
  /** Not now: the container waits (unless `waiting` is absent: it keeps its state). */
  | { waiting?: Waiting; retryAfterMs?: number };

/** The container's image; `backoff` and `waiting` are the container's own. */
export async function pullContainerImage(
  x: PullContext,
  c: IContainer,
  backoff: Backoff,
  waiting: Waiting | undefined,
): Promise<PullOutcome> {
  const imageName = c.image ?? '';
  if (backoff.remaining() > 0 && waiting?.reason.startsWith('Err')) {
    x.event('Normal', 'BackOff', `Back-off pulling image "${imageName}"`);
    x.event('Warning', 'Failed', 'Error: ImagePullBackOff');
    return {
      waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${imageName}"` },
      retryAfterMs: backoff.remaining() + 10,
    };
  }
  if (backoff.remaining() > 0 && waiting?.reason === 'ImagePullBackOff') return {};
  const policy = (c.imagePullPolicy as PullPolicy | undefined) ?? defaultPullPolicy(imageName);
  x.checkpoint();
  try {
    const present =
      policy === 'Always' ? undefined : await x.images.getImage(imageName).catch(() => undefined);
    const t0 = x.elapsed();
    if (present)
      x.event('Normal', 'Pulled', `Container image "${imageName}" already present on machine`);
    else if (policy !== 'Never') x.event('Normal', 'Pulling', `Pulling image "${imageName}"`);
    const pullSecrets = await x.pullSecrets();
    x.checkpoint();
    // A pull may take long (a slow or silent registry): a termination does not wait for
    // it, as nothing of the pod is made after it without passing a checkpoint.
    x.pulling(true);
    let image: ImageInfo;
    try {
      image = await x.images.ensureImage(imageName, policy, { pullSecrets });
    } finally {
      x.pulling(false);
    }
    if (!present) {
      const took = goDuration(x.elapsed() - t0);
      x.event(
        'Normal',
        'Pulled',
        `Successfully pulled image "${imageName}" in ${took} (${took} including waiting). Image size: ${image.size} bytes.`,
      );
    }
    backoff.reset();
    return { image };
  } catch (e) {
    // A pull that failed because the pod is being killed ends the sync.
    x.checkpoint();
    const reason = e instanceof ImageError ? e.reason : 'ErrImagePull';
    const message = errorMessage(e);
    if (reason === 'ErrImageNeverPull')
      x.event(
        'Warning',
        'ErrImageNeverPull',
        `Container image "${imageName}" is not present with pull policy of Never`,
      );
    else if (reason === 'InvalidImageName') x.event('Warning', 'InspectFailed', message);
    else x.event('Warning', 'Failed', `Failed to pull image "${imageName}": ${message}`);
    x.event('Warning', 'Failed', `Error: ${reason}`);
    backoff.fail();
    return { waiting: { reason, message }, retryAfterMs: backoff.remaining() + 10 };
  }
}

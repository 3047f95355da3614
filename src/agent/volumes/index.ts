// Pod volumes on the node: each volume becomes a directory under the pod's directory that
// the runtime bind-mounts into containers. Projected content (configMap, secret,
// downwardAPI, service-account tokens) is written atomically and refreshed on resync.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../api/types.js';
import { writeAtomically, type Payload } from './atomic-writer.js';

export { writeAtomically, type Payload } from './atomic-writer.js';

export interface VolumeSources {
  configMap(namespace: string, name: string): KubeObject | undefined;
  secret(namespace: string, name: string): KubeObject | undefined;
  /** A bound service-account token for the pod. */
  serviceAccountToken(audience: string | undefined, expirationSeconds: number): string;
  /** Downward API values not in the pod object (status.podIP, limits). */
  fieldValue?(path: string): string | undefined;
  resourceValue?(containerName: string, resource: string, divisor?: string): string;
  /**
   * The directory of the volume a claim is bound to, or why there is none (the kubelet's
   * "error processing PVC" text).
   */
  claimVolume?(namespace: string, claimName: string): ClaimVolume | string;
}

/** Where a bound claim's volume lives on this node. */
export interface ClaimVolume {
  path: string;
  /** Made when missing (a hostPath volume of type DirectoryOrCreate). */
  create: boolean;
}

export class VolumeError extends Error {
  /** The event reason the kubelet uses (FailedMount). */
  readonly reason = 'FailedMount';
}

type Spec = Record<string, any>;

interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

function keyed(
  data: Record<string, Buffer>,
  items: KeyToPath[] | undefined,
  defaultMode: number,
  what: string,
  optional: boolean,
): Payload[] {
  if (!items?.length)
    return Object.entries(data).map(([k, v]) => ({ path: k, data: v, mode: defaultMode }));
  const out: Payload[] = [];
  for (const it of items) {
    const v = data[it.key];
    if (v === undefined) {
      if (optional) continue;
      throw new VolumeError(`configuration error: ${what} has no key ${it.key}`);
    }
    out.push({ path: it.path, data: v, mode: it.mode ?? defaultMode });
  }
  return out;
}

function configMapData(cm: KubeObject): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries((cm['data'] ?? {}) as Record<string, string>))
    out[k] = Buffer.from(v);
  for (const [k, v] of Object.entries((cm['binaryData'] ?? {}) as Record<string, string>))
    out[k] = Buffer.from(v, 'base64');
  return out;
}

function secretData(s: KubeObject): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries((s['data'] ?? {}) as Record<string, string>))
    out[k] = Buffer.from(v, 'base64');
  return out;
}

function downward(
  pod: KubeObject,
  items: Spec[],
  defaultMode: number,
  src: VolumeSources,
): Payload[] {
  return items.map((it) => {
    let value = '';
    if (it['fieldRef']) {
      const path = it['fieldRef'].fieldPath as string;
      if (path === 'metadata.labels' || path === 'metadata.annotations') {
        const m =
          (path === 'metadata.labels' ? pod.metadata.labels : pod.metadata.annotations) ?? {};
        value = Object.keys(m)
          .sort()
          .map((k) => `${k}=${JSON.stringify(m[k])}`)
          .join('\n');
      } else if (path === 'metadata.name') value = pod.metadata.name ?? '';
      else if (path === 'metadata.namespace') value = pod.metadata.namespace ?? '';
      else if (path === 'metadata.uid') value = pod.metadata.uid ?? '';
      else {
        const lm = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
        if (lm)
          value =
            (lm[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[lm[2] ?? ''] ??
            '';
        else value = src.fieldValue?.(path) ?? '';
      }
    } else if (it['resourceFieldRef']) {
      const r = it['resourceFieldRef'];
      value = src.resourceValue?.(r.containerName, r.resource, r.divisor) ?? '';
    }
    return {
      path: it['path'] as string,
      data: Buffer.from(value),
      mode: (it['mode'] as number | undefined) ?? defaultMode,
    };
  });
}

/** The files of a configMap/secret/downwardAPI/projected volume. */
export function projectedFiles(pod: KubeObject, vol: Spec, src: VolumeSources): Payload[] {
  const ns = pod.metadata.namespace ?? 'default';
  if (vol['configMap']) {
    const c = vol['configMap'];
    const cm = src.configMap(ns, c.name);
    if (!cm) {
      if (c.optional) return [];
      throw new VolumeError(`configmap "${c.name}" not found`);
    }
    return keyed(
      configMapData(cm),
      c.items,
      c.defaultMode ?? 0o644,
      `configmap references non-existent config key`,
      !!c.optional,
    );
  }
  if (vol['secret']) {
    const c = vol['secret'];
    const s = src.secret(ns, c.secretName);
    if (!s) {
      if (c.optional) return [];
      throw new VolumeError(`secret "${c.secretName}" not found`);
    }
    return keyed(
      secretData(s),
      c.items,
      c.defaultMode ?? 0o644,
      `secret references non-existent secret key`,
      !!c.optional,
    );
  }
  if (vol['downwardAPI'])
    return downward(
      pod,
      vol['downwardAPI'].items ?? [],
      vol['downwardAPI'].defaultMode ?? 0o644,
      src,
    );
  if (vol['projected']) {
    const mode = vol['projected'].defaultMode ?? 0o644;
    const out: Payload[] = [];
    for (const source of (vol['projected'].sources ?? []) as Spec[]) {
      if (source['serviceAccountToken']) {
        const t = source['serviceAccountToken'];
        out.push({
          path: t.path,
          data: Buffer.from(src.serviceAccountToken(t.audience, t.expirationSeconds ?? 3607)),
          mode,
        });
      } else if (source['configMap'])
        out.push(
          ...projectedFiles(pod, { configMap: { ...source['configMap'], defaultMode: mode } }, src),
        );
      else if (source['secret'])
        out.push(
          ...projectedFiles(
            pod,
            {
              secret: { ...source['secret'], secretName: source['secret'].name, defaultMode: mode },
            },
            src,
          ),
        );
      else if (source['downwardAPI'])
        out.push(...downward(pod, source['downwardAPI'].items ?? [], mode, src));
    }
    return out;
  }
  return [];
}

const PLUGIN_DIR: Record<string, string> = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
};

export interface PreparedVolume {
  name: string;
  hostPath: string;
  readOnly: boolean;
}

/** Whether something is mounted at `path` (read from the mount table: no process spawned). */
function isMounted(path: string): boolean {
  const field = ` ${path.replace(/ /g, '\\040')} `;
  return readFileSync('/proc/self/mounts', 'utf8').includes(field);
}

/** A persistentVolumeClaim volume: the bound volume's directory, bind-mounted as it is. */
function claimVolume(pod: KubeObject, v: Spec, src: VolumeSources): PreparedVolume {
  const name = v['name'] as string;
  const claimName = v['persistentVolumeClaim'].claimName as string;
  const found = src.claimVolume?.(pod.metadata.namespace ?? 'default', claimName) ?? 'not served';
  if (typeof found === 'string')
    throw new VolumeError(
      `Unable to attach or mount volumes: unmounted volumes=[${name}], unattached volumes=[], failed to process volumes=[${name}]: ${found}`,
    );
  if (found.create && !existsSync(found.path))
    mkdirSync(found.path, { recursive: true, mode: 0o755 });
  if (!(existsSync(found.path) && statSync(found.path).isDirectory()))
    throw new VolumeError(
      `MountVolume.SetUp failed for volume "${name}" : ${found.path} is not a directory`,
    );
  return { name, hostPath: found.path, readOnly: !!v['persistentVolumeClaim'].readOnly };
}

/**
 * Makes (or refreshes) every volume of the pod under `podDir`; returns where each lives.
 * Throws VolumeError naming the first volume that cannot be set up.
 */
export function setUpVolumes(
  pod: KubeObject,
  podDir: string,
  src: VolumeSources,
): Map<string, PreparedVolume> {
  const out = new Map<string, PreparedVolume>();
  const volumes = (((pod['spec'] ?? {}) as Spec)['volumes'] ?? []) as Spec[];
  for (const v of volumes) {
    const name = v['name'] as string;
    if (v['hostPath']) {
      const hp = v['hostPath'];
      const type = hp.type ?? '';
      if (type === 'DirectoryOrCreate' && !existsSync(hp.path))
        mkdirSync(hp.path, { recursive: true, mode: 0o755 });
      if (type === 'Directory' && !(existsSync(hp.path) && statSync(hp.path).isDirectory()))
        throw new VolumeError(`hostPath type check failed: ${hp.path} is not a directory`);
      if (type === 'File' && !(existsSync(hp.path) && statSync(hp.path).isFile()))
        throw new VolumeError(`hostPath type check failed: ${hp.path} is not a file`);
      out.set(name, { name, hostPath: hp.path, readOnly: false });
      continue;
    }
    if (v['persistentVolumeClaim']) {
      out.set(name, claimVolume(pod, v, src));
      continue;
    }
    const kind = Object.keys(PLUGIN_DIR).find((k) => v[k] !== undefined);
    if (!kind) throw new VolumeError(`volume "${name}": unsupported volume type`);
    const dir = join(podDir, 'volumes', PLUGIN_DIR[kind] as string, name);
    if (kind === 'emptyDir') {
      mkdirSync(dir, { recursive: true, mode: 0o777 });
      const e = v['emptyDir'] ?? {};
      if (e.medium === 'Memory' && !isMounted(dir)) {
        const size = e.sizeLimit ? `,size=${String(e.sizeLimit).replace(/i$/, '')}` : '';
        execFileSync('mount', ['-t', 'tmpfs', '-o', `mode=0777${size}`, 'tmpfs', dir]);
      }
      out.set(name, { name, hostPath: dir, readOnly: false });
      continue;
    }
    writeAtomically(dir, projectedFiles(pod, v, src));
    out.set(name, { name, hostPath: dir, readOnly: true });
  }
  return out;
}

/** Unmounts memory-backed emptyDirs of a pod directory (before it is removed). */
export function tearDownVolumes(podDir: string): void {
  const base = join(podDir, 'volumes', 'kubernetes.io~empty-dir');
  if (!existsSync(base)) return;
  for (const name of readdirSync(base)) {
    const d = join(base, name);
    if (isMounted(d)) execFileSync('umount', ['-l', d]);
  }
}

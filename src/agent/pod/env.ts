// A container's environment as the kubelet builds it: the image's env, then the service
// link variables (for services that exist when the pod starts), then envFrom, then env
// (with valueFrom and $(VAR) expansion against what came before).

import type { KubeObject } from '../../api/types.js';
import { AgentError } from '../errors.js';
import { containerArgv, expandVars } from './command.js';

export interface EnvSources {
  pod: KubeObject;
  /** Services visible to the pod (its namespace, plus the `kubernetes` service from default). */
  services: KubeObject[];
  configMap(namespace: string, name: string): KubeObject | undefined;
  secret(namespace: string, name: string): KubeObject | undefined;
  /** Resolves resourceFieldRef (limits.cpu …) for a container. */
  resource?(containerName: string, resource: string, divisor?: string): string;
  nodeName?: string;
  hostIP?: string;
  podIP?: string;
}

export class EnvError extends Error {
  /** The kubelet's reason (CreateContainerConfigError). */
  readonly reason = 'CreateContainerConfigError';
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    resourceFieldRef?: { containerName?: string; resource: string; divisor?: string };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
  };
}
interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** `KUBIA_SERVICE_HOST`, `KUBIA_PORT_80_TCP_ADDR`, … for one service (docker-link style). */
export function serviceEnv(svc: KubeObject): [string, string][] {
  const spec = (svc['spec'] ?? {}) as {
    clusterIP?: string;
    ports?: { name?: string; port: number; protocol?: string }[];
    type?: string;
  };
  const ip = spec.clusterIP;
  if (!ip || ip === 'None' || spec.type === 'ExternalName') return [];
  const ports = spec.ports ?? [];
  if (!ports.length) return [];
  const base = (svc.metadata.name ?? '').toUpperCase().replace(/-/g, '_');
  const out: [string, string][] = [
    [`${base}_SERVICE_HOST`, ip],
    [`${base}_SERVICE_PORT`, String(ports[0]?.port)],
  ];
  for (const p of ports)
    if (p.name)
      out.push([`${base}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`, String(p.port)]);
  const first = ports[0];
  if (first)
    out.push([`${base}_PORT`, `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`]);
  for (const p of ports) {
    const proto = (p.protocol ?? 'TCP').toUpperCase();
    const prefix = `${base}_PORT_${p.port}_${proto}`;
    out.push(
      [prefix, `${proto.toLowerCase()}://${ip}:${p.port}`],
      [`${prefix}_PROTO`, proto.toLowerCase()],
      [`${prefix}_PORT`, String(p.port)],
      [`${prefix}_ADDR`, ip],
    );
  }
  return out;
}

function fieldValue(src: EnvSources, path: string): string {
  const pod = src.pod;
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m)
    return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2] ?? ''] ?? '';
  const spec = (pod['spec'] ?? {}) as { nodeName?: string; serviceAccountName?: string };
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return src.nodeName ?? spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return spec.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return src.hostIP ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return src.podIP ?? '';
    default:
      throw new EnvError(`unsupported fieldPath "${path}"`);
  }
}

function decodeSecret(v: string): string {
  return Buffer.from(v, 'base64').toString('utf8');
}

/** The environment of one container, in order, with later definitions winning. */
export function containerEnv(
  container: { name: string; env?: EnvVar[]; envFrom?: EnvFromSource[] },
  imageEnv: string[],
  src: EnvSources,
): Map<string, string> {
  const ns = src.pod.metadata.namespace ?? 'default';
  const env = new Map<string, string>();
  for (const kv of imageEnv) {
    const i = kv.indexOf('=');
    if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  const spec = (src.pod['spec'] ?? {}) as { enableServiceLinks?: boolean };
  const links = new Map<string, string>();
  for (const svc of src.services) {
    const isMaster = svc.metadata.namespace === 'default' && svc.metadata.name === 'kubernetes';
    if (svc.metadata.namespace !== ns && !isMaster) continue;
    if (spec.enableServiceLinks === false && !isMaster) continue;
    for (const [k, v] of serviceEnv(svc)) links.set(k, v);
  }
  for (const [k, v] of links) env.set(k, v);
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = src.configMap(ns, from.configMapRef.name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new EnvError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries((cm['data'] ?? {}) as Record<string, string>))
        if (ENV_NAME.test(prefix + k)) env.set(prefix + k, v);
    }
    if (from.secretRef) {
      const s = src.secret(ns, from.secretRef.name);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new EnvError(`secret "${from.secretRef.name}" not found`);
      }
      for (const [k, v] of Object.entries((s['data'] ?? {}) as Record<string, string>))
        if (ENV_NAME.test(prefix + k)) env.set(prefix + k, decodeSecret(v));
    }
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom) {
      const vf = e.valueFrom;
      if (vf.fieldRef) env.set(e.name, fieldValue(src, vf.fieldRef.fieldPath));
      else if (vf.resourceFieldRef)
        env.set(
          e.name,
          src.resource?.(
            vf.resourceFieldRef.containerName || container.name,
            vf.resourceFieldRef.resource,
            vf.resourceFieldRef.divisor,
          ) ?? '0',
        );
      else if (vf.configMapKeyRef) {
        const ref = vf.configMapKeyRef;
        const cm = src.configMap(ns, ref.name);
        const v = (cm?.['data'] as Record<string, string> | undefined)?.[ref.key];
        if (v === undefined) {
          if (ref.optional) continue;
          throw new EnvError(
            cm
              ? `couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`
              : `configmap "${ref.name}" not found`,
          );
        }
        env.set(e.name, v);
      } else if (vf.secretKeyRef) {
        const ref = vf.secretKeyRef;
        const s = src.secret(ns, ref.name);
        const v = (s?.['data'] as Record<string, string> | undefined)?.[ref.key];
        if (v === undefined) {
          if (ref.optional) continue;
          throw new EnvError(
            s
              ? `couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`
              : `secret "${ref.name}" not found`,
          );
        }
        env.set(e.name, decodeSecret(v));
      }
    } else {
      env.set(e.name, expandVars(e.value ?? '', env));
    }
  }
  return env;
}

/**
 * The container's environment, then its argv (from the pod spec and the image's config).
 * Throws, for a CreateContainerConfigError, when a reference cannot be resolved or there
 * is no command at all.
 */
export function containerCommand(
  container: Parameters<typeof containerEnv>[0] & { command?: string[]; args?: string[] },
  image: { Env?: string[]; Entrypoint?: string[] | null; Cmd?: string[] | null },
  src: EnvSources,
): { argv: string[]; env: Map<string, string> } {
  const env = containerEnv(container, image.Env ?? [], src);
  const argv = containerArgv(container, image, env);
  if (!argv.length) throw new AgentError('CreateContainerConfigError', 'no command specified');
  return { argv, env };
}

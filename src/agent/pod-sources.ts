// What a pod's volumes and environment read from the API, gathered before its containers are
// made: the ConfigMaps and Secrets it names, its projected service-account tokens (from
// TokenRequest, as the kubelet's token manager), the services for its environment.

import type { IPodSpec } from 'kubernetes-models/v1';
import type { KubeObject } from '../api/types.js';
import { isNotFound, resources, type Client, type ResourceRef } from '../client/index.js';
import type { EnvSources } from './pod/env.js';
import type { TokenManager } from './token-manager.js';
import { VolumeError, type ClaimVolume, type VolumeSources } from './volumes/index.js';

export interface PodSourcesOptions {
  client: Client;
  tokens: TokenManager;
  /** The cluster CA, for kube-root-ca.crt before the controller has published it. */
  caPem: string;
  nodeName: string;
  hostIP: string;
  /** The services known now (for the pod's service environment variables). */
  services(): KubeObject[];
}

export function createPodSources(
  o: PodSourcesOptions,
): (pod: KubeObject) => Promise<VolumeSources & EnvSources> {
  return async function sources(pod: KubeObject): Promise<VolumeSources & EnvSources> {
    const ns = pod.metadata.namespace ?? 'default';
    const spec = (pod['spec'] ?? {}) as IPodSpec;
    const cms = new Map<string, KubeObject | undefined>();
    const secrets = new Map<string, KubeObject | undefined>();
    const want = (map: Map<string, KubeObject | undefined>, name: unknown) => {
      if (typeof name === 'string') map.set(name, undefined);
    };
    for (const v of spec.volumes ?? []) {
      want(cms, v.configMap?.name);
      want(secrets, v.secret?.secretName);
      for (const s of v.projected?.sources ?? []) {
        want(cms, s.configMap?.name);
        want(secrets, s.secret?.name);
      }
    }
    for (const ref of spec.imagePullSecrets ?? []) want(secrets, ref.name);
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      for (const e of c.env ?? []) {
        want(cms, e.valueFrom?.configMapKeyRef?.name);
        want(secrets, e.valueFrom?.secretKeyRef?.name);
      }
      for (const e of c.envFrom ?? []) {
        want(cms, e.configMapRef?.name);
        want(secrets, e.secretRef?.name);
      }
    }
    const fetch = async (map: Map<string, KubeObject | undefined>, r: typeof resources.pods) => {
      for (const name of map.keys())
        try {
          map.set(name, await o.client.get(r, ns, name));
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
    };
    await fetch(cms, resources.configMaps);
    await fetch(secrets, resources.secrets);
    const claims = await claimVolumes(o.client, ns, spec);
    // Projected service-account tokens, asked for now: volumes are written synchronously.
    // A failure surfaces only where a volume needs the token, as the kubelet's mount error.
    const saName = spec.serviceAccountName ?? 'default';
    const tokenFor = new Map<string, string | Error>();
    const tokenKey = (audience: string | undefined, seconds: number) =>
      `${audience ?? ''}\n${seconds}`;
    for (const v of spec.volumes ?? [])
      for (const s of v.projected?.sources ?? []) {
        const t = s.serviceAccountToken;
        if (!t) continue;
        const seconds = t.expirationSeconds ?? 3607;
        const key = tokenKey(t.audience, seconds);
        if (tokenFor.has(key)) continue;
        try {
          tokenFor.set(
            key,
            await o.tokens.get({
              namespace: ns,
              serviceAccountName: saName,
              ...(t.audience ? { audiences: [t.audience] } : {}),
              expirationSeconds: seconds,
              pod: { name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
            }),
          );
        } catch (e) {
          tokenFor.set(key, e instanceof Error ? e : new Error(String(e)));
        }
      }
    // kube-root-ca.crt may not be published yet: the agent knows the CA itself.
    if (!cms.get('kube-root-ca.crt') && cms.has('kube-root-ca.crt'))
      cms.set('kube-root-ca.crt', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'kube-root-ca.crt', namespace: ns },
        data: { 'ca.crt': o.caPem },
      });
    return {
      pod,
      services: o.services(),
      configMap: (_ns, name) => cms.get(name),
      secret: (_ns, name) => secrets.get(name),
      serviceAccountToken: (audience, expirationSeconds) => {
        const t = tokenFor.get(tokenKey(audience, expirationSeconds));
        if (typeof t === 'string') return t;
        throw new VolumeError(`failed to fetch token: ${t?.message ?? 'not requested'}`);
      },
      claimVolume: (_ns, name) => claims.get(name) ?? 'not requested',
      nodeName: o.nodeName,
      hostIP: o.hostIP,
    };
  };
}

const CLAIMS: ResourceRef = {
  group: '',
  version: 'v1',
  plural: 'persistentvolumeclaims',
  namespaced: true,
};
const VOLUMES: ResourceRef = {
  group: '',
  version: 'v1',
  plural: 'persistentvolumes',
  namespaced: false,
};

/**
 * The directory behind each claim the pod names, read as the kubelet's volume manager does
 * (claim, then its bound volume), or why it cannot be used yet.
 */
async function claimVolumes(
  client: Client,
  ns: string,
  spec: IPodSpec,
): Promise<Map<string, ClaimVolume | string>> {
  const out = new Map<string, ClaimVolume | string>();
  for (const v of spec.volumes ?? []) {
    const name = v.persistentVolumeClaim?.claimName;
    if (!name || out.has(name)) continue;
    const why = (text: string): string => `error processing PVC ${ns}/${name}: ${text}`;
    let claim: KubeObject;
    try {
      claim = await client.get(CLAIMS, ns, name);
    } catch (e) {
      out.set(name, why(`failed to fetch PVC from API server: ${errorText(e)}`));
      continue;
    }
    if (claim.metadata.deletionTimestamp) {
      out.set(name, why("can't start pod because PVC is being deleted"));
      continue;
    }
    const volumeName = ((claim['spec'] ?? {}) as { volumeName?: string }).volumeName;
    const phase = ((claim['status'] ?? {}) as { phase?: string }).phase;
    if (!volumeName || phase !== 'Bound') {
      out.set(name, why('PVC is not bound'));
      continue;
    }
    let pv: KubeObject;
    try {
      pv = await client.get(VOLUMES, '', volumeName);
    } catch (e) {
      out.set(name, why(`failed to fetch PV ${volumeName} from API server: ${errorText(e)}`));
      continue;
    }
    const pvSpec = (pv['spec'] ?? {}) as {
      hostPath?: { path?: string; type?: string };
      local?: { path?: string };
    };
    const path = pvSpec.hostPath?.path ?? pvSpec.local?.path;
    out.set(
      name,
      path
        ? { path, create: pvSpec.hostPath?.type === 'DirectoryOrCreate' }
        : why(`volume ${volumeName} is of a type this node cannot mount`),
    );
  }
  return out;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

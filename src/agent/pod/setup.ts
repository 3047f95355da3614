// The pod's sandbox, made before its first container: the network (or the node's), the
// files every container mounts (/etc/hosts, hostname, resolv.conf), the IPC namespace and
// /dev/shm unless the pod shares the host's, and its volumes.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../api/types.js';
import { renderPodFiles, type PodNetwork } from '../sandbox/index.js';
import { setUpPodIpc } from '../sandbox/ipc.js';
import type { CommandRunner } from '../runner/index.js';
import { setUpVolumes, type VolumeSources } from '../volumes/index.js';

export type PodVolumes = Map<string, { hostPath: string; readOnly: boolean }>;

export interface PodSetup {
  pod: KubeObject;
  uid: string;
  podDir: string;
  hostNetwork: boolean;
  hostIPC: boolean;
  network: Pick<PodNetwork, 'nodeNetnsPath' | 'setupPod'>;
  runner: CommandRunner;
  hostIP: string;
  nodeFiles: { hostname: string; hosts: string };
  clusterDNS: string;
  clusterDomain: string;
  sources(): Promise<VolumeSources>;
  /** The pod's network is there (known at once, so that a later failure still reports it). */
  networkReady(netns: string, podIP: string): void;
  /** Throws when the pod is being killed: a step boundary. */
  checkpoint(): void;
}

/** Makes what is missing (safe to repeat after a failure) and returns the pod's volumes. */
export async function setUpPodSandbox(s: PodSetup): Promise<PodVolumes> {
  mkdirSync(s.podDir, { recursive: true });
  let podIP: string;
  if (s.hostNetwork) {
    podIP = s.hostIP;
    s.networkReady(s.network.nodeNetnsPath(), podIP);
  } else {
    const n = await s.network.setupPod(s.uid);
    podIP = n.ip;
    s.networkReady(n.netnsPath, podIP);
  }
  s.checkpoint();
  const files = renderPodFiles(
    s.pod as unknown as Parameters<typeof renderPodFiles>[0],
    [podIP],
    s.nodeFiles,
    {
      clusterDNS: [s.clusterDNS],
      clusterDomain: s.clusterDomain,
    } as Parameters<typeof renderPodFiles>[3],
  );
  writeFileSync(join(s.podDir, 'etc-hosts'), files.hosts);
  writeFileSync(join(s.podDir, 'hostname'), files.hostname);
  writeFileSync(join(s.podDir, 'resolv.conf'), files.resolvConf);
  if (!s.hostIPC) await setUpPodIpc(s.podDir, s.runner);
  s.checkpoint();
  const src = await s.sources();
  s.checkpoint();
  return setUpVolumes(s.pod, s.podDir, src);
}

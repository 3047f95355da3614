// The pods whose usage the node reports, from the runtime's containers: the running ones,
// grouped by the pod labels the agent gave them, each at the cgroup runc placed it in.

import {
  LABEL_CONTAINER,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
} from '../pod/container-config.js';
import { DEFAULT_CGROUP_PARENT, type ContainerStatus } from '../runtime/index.js';
import type { StatsPod } from './types.js';

export function statsPodsFrom(
  containers: ContainerStatus[],
  podStartTime: (uid: string) => Date | undefined,
  cgroupParent = DEFAULT_CGROUP_PARENT,
): StatsPod[] {
  const byUid = new Map<string, StatsPod>();
  for (const c of containers) {
    const uid = c.labels[LABEL_POD_UID];
    const name = c.labels[LABEL_CONTAINER];
    if (c.state !== 'running' || !uid || !name) continue;
    let pod = byUid.get(uid);
    if (!pod) {
      const start = podStartTime(uid);
      pod = {
        uid,
        name: c.labels[LABEL_POD_NAME] ?? '',
        namespace: c.labels[LABEL_POD_NAMESPACE] ?? '',
        ...(start ? { startTime: start } : {}),
        containers: [],
      };
      byUid.set(uid, pod);
    }
    pod.containers.push({
      name,
      // The runtime's cgroupsPathFor: `<parent>/<id>` in cgroupfs form.
      cgroupsPath: `${cgroupParent.replace(/\/+$/, '')}/${c.id}`,
      ...(c.startedAt ? { startTime: c.startedAt } : {}),
      ...(c.pid ? { pid: c.pid } : {}),
    });
  }
  return [...byUid.values()];
}

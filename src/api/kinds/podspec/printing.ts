// The container cells the printers of Pods and workloads share.

import { obj, objs, str } from './json.js';

/** layoutContainerCells: container names and images, comma separated. */
export function containerCells(spec: unknown): [string, string] {
  const cs = objs(obj(spec)?.containers);
  return [cs.map((c) => str(c.name)).join(','), cs.map((c) => str(c.image)).join(',')];
}

export const CONTAINERS_COLUMN = {
  name: 'Containers',
  type: 'string',
  description: 'Names of each container in the template.',
  priority: 1,
} as const;
export const IMAGES_COLUMN = {
  name: 'Images',
  type: 'string',
  description: 'Images referenced by each container in the template.',
  priority: 1,
} as const;

// What every kind embedding a PodSpec shares (Pod, ReplicationController, ReplicaSet,
// Deployment): the v1 defaulters, kube-apiserver's PodSpec/PodTemplateSpec validation with
// its field paths and messages, and the container cells of the printers. Quantities live in
// api/quantity.ts, label selectors in api/labels.ts.

export { arr, child, int, obj, objs, specOf, statusOf, str, strMap } from './json.js';
export type { Obj } from './json.js';
export { defaultPodSpec, defaultPodTemplate, defaultPullPolicy } from './defaults.js';
export { nonNegative } from './fields.js';
export { imageWhitespace } from './containers.js';
export {
  containerResourceName,
  overcommitAllowed,
  quantityValue,
  resourceName,
  validateResources,
} from './resources.js';
export { validateTolerations } from './scheduling.js';
export {
  validateControllerTemplate,
  validatePodSpec,
  validatePodTemplateSpec,
} from './validation.js';
export type { PodSpecContext } from './validation.js';
export { podClaimNames, podConfigMapNames, podSecretNames, pvSecretRefs } from './references.js';
export { CONTAINERS_COLUMN, IMAGES_COLUMN, containerCells } from './printing.js';

// CustomResourceDefinitions: the kind itself (definition.ts), structural schemas
// (schema.ts) and the resource definitions a CRD serves (custom-resource.ts).

export {
  CLEANUP_FINALIZER,
  CRD_GROUP,
  compareVersionPriority,
  crdResource,
  namesOf,
  viewOf,
  type CrdNames,
  type CrdVersion,
  type CrdView,
} from './definition.js';
export { customResourceDef, unknownFields } from './custom-resource.js';
export type { Schema } from './schema.js';

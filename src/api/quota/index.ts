// Resource quota accounting shared by the quota admission and the quota controller: the
// evaluators kube registers, the usage they measure, and the admission's decision.

export {
  STATIC_EVALUATORS,
  countName,
  evaluatorFor,
  evaluatorsFor,
  isIgnoredResource,
  parseCountName,
  type Operation,
  type QuotaEvaluator,
  type ScopeRequirement,
} from './evaluators.js';
export { isBestEffort, podLimits, podRequests, podUsage } from './pods.js';
export {
  QuotaRefusal,
  calculateUsage,
  checkRequest,
  nextStatus,
  quotaMatches,
  scopeSelectorsOf,
  statusHard,
  statusUsed,
  type QuotaRequest,
} from './check.js';
export {
  add,
  equals,
  mask,
  parseResourceList,
  prettyPrint,
  resourceListJson,
  subtractNonNegative,
  type ResourceList,
} from './resources.js';

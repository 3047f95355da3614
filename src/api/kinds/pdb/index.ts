// policy/v1 PodDisruptionBudget. The strategy is kube's: a create starts from an empty status
// (generation 1), an update keeps the status and bumps the generation when the spec changes,
// a status update keeps the spec.

import type { ResourceDef, Strategy } from '../../types.js';
import { STANDARD_VERBS } from '../../types.js';
import { keepSpec, keepStatus } from '../replicas.js';
import { PDB_COLUMNS, pdbRow } from './printer.js';
import { validatePdb, validatePdbStatus } from './validation.js';

export {
  DISRUPTION_ALLOWED,
  INSUFFICIENT_PODS,
  SUFFICIENT_PODS,
  SYNC_FAILED,
  conditionsAreUpToDate,
  setStatusCondition,
  updateDisruptionAllowedCondition,
  type Condition,
  type PdbStatus,
} from './conditions.js';

/** The status a new budget starts with (Go writes the counters without omitempty). */
export const emptyPdbStatus = (): Record<string, number> => ({
  disruptionsAllowed: 0,
  currentHealthy: 0,
  desiredHealthy: 0,
  expectedPods: 0,
});

export const podDisruptionBudgetStrategy: Strategy = {
  prepareForCreate(pdb) {
    pdb.status = emptyPdbStatus();
  },
  prepareForUpdate: (pdb, old) => keepStatus(pdb, old),
  validate: (pdb) => validatePdb(pdb),
  columns: PDB_COLUMNS,
  row: pdbRow,
  tracksGeneration: true,
};

export const podDisruptionBudgetResource: ResourceDef = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  listKind: 'PodDisruptionBudgetList',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  verbs: [...STANDARD_VERBS],
  subresources: [{ name: 'status', verbs: ['get', 'patch', 'update'] }],
  strategy: podDisruptionBudgetStrategy,
  statusStrategy: {
    prepareForUpdate: keepSpec,
    validateUpdate: (pdb) => validatePdbStatus(pdb),
  },
};

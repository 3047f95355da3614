// printPodDisruptionBudget (pkg/printers/internalversion): Name, Min Available, Max
// Unavailable, Allowed Disruptions, Age; a bound that is not set prints as N/A.

import type { KubeObject, TableColumn } from '../../types.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../../printing.js';
import { asNum, specOf, statusOf } from '../kindutil.js';

const column = (name: string, type: 'string' | 'integer', description: string): TableColumn => ({
  name,
  type,
  description,
  priority: 0,
});

export const PDB_COLUMNS: TableColumn[] = [
  NAME_COLUMN,
  column('Min Available', 'string', 'The minimum number of pods that must be available.'),
  column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
  column(
    'Allowed Disruptions',
    'integer',
    'Calculated number of pods that may be disrupted at this time.',
  ),
  AGE_COLUMN,
];

/** IntOrString.String(): the int's digits or the string itself; N/A when unset. */
const intOrString = (v: unknown): string => (v === undefined || v === null ? 'N/A' : String(v));

export function pdbRow(pdb: KubeObject, now: Date): unknown[] {
  const spec = specOf(pdb);
  return [
    pdb.metadata.name ?? '',
    intOrString(spec.minAvailable),
    intOrString(spec.maxUnavailable),
    asNum(statusOf(pdb).disruptionsAllowed),
    age(pdb.metadata.creationTimestamp, now),
  ];
}

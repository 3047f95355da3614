// Sample arguments for every constructor of the error catalog (src/api/errors.ts), shared by
// the catalog's own test and the API server's response test, so both walk all of it.

import * as catalog from '../../src/api/errors.js';
import { ApiError } from '../../src/api/errors.js';

const pods = { group: '', resource: 'pods' };
const deployments = { group: 'apps', resource: 'deployments' };

/** Arguments for each constructor; a constructor missing here fails the walk. */
export const SAMPLES: Record<string, unknown[][]> = {
  notFound: [
    [pods, 'web'],
    [deployments, 'web'],
  ],
  alreadyExists: [[pods, 'web']],
  generatedNameTaken: [
    [pods, 'web-x7k2p'],
    [deployments, 'web-x7k2p'],
  ],
  conflict: [[deployments, 'web', catalog.OPTIMISTIC_LOCK_MESSAGE]],
  applyConflict: [[[{ reason: 'FieldManagerConflict', field: '.spec' }], 'Apply failed']],
  badRequest: [['bad']],
  unauthorized: [[]],
  notFoundGeneric: [[]],
  methodNotSupported: [[pods, 'create']],
  terminatingDefinition: [[{ group: 'stable.example.com', resource: 'crontabs' }, 'create']],
  methodNotAllowed: [[]],
  methodNotAllowedWithMessage: [['patch is not supported on scale']],
  notAcceptable: [['only application/json']],
  unsupportedMediaType: [['text/csv']],
  unsupportedMediaTypeWithMessage: [['protobuf field 99 is not supported']],
  requestEntityTooLarge: [['Request entity too large: too many operations']],
  tooLarge: [[]],
  expired: [['too old resource version: 1 (5)']],
  tooManyRequests: [['too many requests, please try again later', 1]],
  internalError: [[new Error('boom')], ['boom']],
  serviceUnavailable: [['not ready']],
  timeout: [['request did not complete within 60s']],
  tooLargeResourceVersion: [[12, 10]],
  forbidden: [
    [pods, 'web', 'User "x" cannot get resource "pods"'],
    [pods, undefined, 'no'],
  ],
  forbiddenPath: [['system:anonymous', 'get', '/logs']],
  invalid: [
    ['Pod', '', 'web', [{ type: 'FieldValueRequired', field: 'spec.containers' }]],
    ['Deployment', 'apps', 'web', []],
  ],
  invalidWithMessage: [['the patched document is not a JSON object'], ['x', { causes: [] }]],
};

/** The catalog's constructors: exported functions that build an ApiError. */
const NOT_CONSTRUCTORS = new Set(['fieldErrorBody', 'fieldErrorText']);
export const constructors = Object.entries(catalog).filter(
  ([name, v]) => typeof v === 'function' && v !== ApiError && !NOT_CONSTRUCTORS.has(name),
) as [string, (...args: unknown[]) => unknown][];

// The whole published specification in Swagger 2.0 form (what `/openapi/v2` serves);
// the OpenAPI v3 documents are derived from it per group-version.

import type { GroupVersionKind } from '../types.js';
import { META_DEFINITIONS, definitionOf, operationPath } from './catalog.js';
import type { OpenApiOperation } from './catalog.js';
import { DEFINITIONS_PREFIX, definitionSchema } from './schema.js';
import type { Schema } from './schema.js';
import { SCHEMA_VERSION, loadModels } from './source.js';

export interface Parameter {
  name: string;
  in: 'query' | 'path' | 'body';
  description?: string;
  required?: boolean;
  type?: string;
  uniqueItems?: boolean;
  schema?: Schema;
}

export interface Operation {
  description: string;
  operationId: string;
  consumes: string[];
  produces: string[];
  schemes: string[];
  tags: string[];
  parameters: Parameter[];
  responses: Record<string, { description: string; schema?: Schema }>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': GroupVersionKind;
}

export interface PathItem {
  patch?: Operation;
  post?: Operation;
  parameters: Parameter[];
}

export interface SwaggerDoc {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, PathItem>;
  definitions: Record<string, Schema>;
}

/** Build the specification for `ops`: their kinds, lists and everything those reach. */
export function buildSwagger(ops: readonly OpenApiOperation[]): SwaggerDoc {
  const kinds = new Map<string, GroupVersionKind>();
  for (const op of ops) {
    kinds.set(definitionOf(op.kind), op.kind);
    if (op.listed) {
      const list = { ...op.kind, kind: `${op.kind.kind}List` };
      kinds.set(definitionOf(list), list);
    }
  }
  const models = loadModels([...kinds.keys(), ...META_DEFINITIONS]);
  const definitions: Record<string, Schema> = {};
  for (const name of [...models.keys()].sort()) {
    const loaded = models.get(name);
    if (loaded) definitions[name] = definitionSchema(loaded);
  }
  for (const [name, kind] of kinds) {
    const def = definitions[name];
    if (def)
      def['x-kubernetes-group-version-kind'] = [
        { group: kind.group, kind: kind.kind, version: kind.version },
      ];
  }
  // Kubernetes lists every group-version that accepts these meta kinds.
  const groupVersions = uniqueGroupVersions(ops);
  for (const kind of ['DeleteOptions', 'WatchEvent']) {
    const def = definitions[`io.k8s.apimachinery.pkg.apis.meta.v1.${kind}`];
    if (def)
      def['x-kubernetes-group-version-kind'] = groupVersions.map(([group, version]) => ({
        group,
        kind,
        version,
      }));
  }
  const status = definitions['io.k8s.apimachinery.pkg.apis.meta.v1.Status'];
  if (status)
    status['x-kubernetes-group-version-kind'] = [{ group: '', kind: 'Status', version: 'v1' }];

  const paths: Record<string, PathItem> = {};
  for (const op of ops) paths[operationPath(op)] = pathItem(op);
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: SCHEMA_VERSION },
    paths,
    definitions,
  };
}

function uniqueGroupVersions(ops: readonly OpenApiOperation[]): [string, string][] {
  const seen = new Map<string, [string, string]>();
  for (const op of ops) {
    for (const [g, v] of [
      [op.group, op.version],
      [op.kind.group, op.kind.version],
    ] as const) {
      seen.set(`${g}/${v}`, [g, v]);
    }
  }
  return [...seen.values()].sort((a, b) => (a.join('/') < b.join('/') ? -1 : 1));
}

const PRODUCES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

const query = (name: string, description: string, type = 'string'): Parameter => ({
  name,
  in: 'query',
  description,
  type,
  uniqueItems: true,
});

const DRY_RUN = query(
  'dryRun',
  'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed',
);
const FIELD_MANAGER = query(
  'fieldManager',
  'fieldManager is a name associated with the actor or entity making these changes.',
);
const FIELD_VALIDATION = query(
  'fieldValidation',
  'fieldValidation instructs the server how to handle unknown or duplicate fields in the request body. Valid values are: - Ignore: drop unknown fields silently. - Warn: drop unknown fields and report each one in a warning header. - Strict: fail the request with a BadRequest error that lists every unknown or duplicate field.',
);
const FORCE = query(
  'force',
  'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
  'boolean',
);

function pathItem(op: OpenApiOperation): PathItem {
  const kindRef = { $ref: DEFINITIONS_PREFIX + definitionOf(op.kind) };
  const scoped = op.namespaced ? 'Namespaced' : '';
  const sub = op.subresource
    ? op.subresource.charAt(0).toUpperCase() + op.subresource.slice(1)
    : '';
  const idBase = `${groupId(op.group)}${op.version.toUpperCase().slice(0, 1)}${op.version.slice(1)}${scoped}${singularKind(op)}${sub}`;
  const tag = `${op.group === '' ? 'core' : op.group.replace(/\.k8s\.io$/, '').replaceAll('.', '_')}_${op.version}`;
  const operation: Operation =
    op.method === 'patch'
      ? {
          description: `partially update ${op.subresource ? `${op.subresource} of ` : ''}the specified ${op.kind.kind}`,
          operationId: `patch${idBase}`,
          consumes: PATCH_TYPES,
          produces: PRODUCES,
          schemes: ['https'],
          tags: [tag],
          parameters: [
            {
              name: 'body',
              in: 'body',
              required: true,
              schema: { $ref: `${DEFINITIONS_PREFIX}io.k8s.apimachinery.pkg.apis.meta.v1.Patch` },
            },
            DRY_RUN,
            FIELD_MANAGER,
            FIELD_VALIDATION,
            FORCE,
          ],
          responses: {
            '200': { description: 'OK', schema: kindRef },
            '201': { description: 'Created', schema: kindRef },
            '401': { description: 'Unauthorized' },
          },
          'x-kubernetes-action': 'patch',
          'x-kubernetes-group-version-kind': op.kind,
        }
      : {
          description: `create ${op.subresource ? `${op.subresource} of ` : ''}a ${op.kind.kind}`,
          operationId: `create${idBase}`,
          consumes: ['*/*'],
          produces: PRODUCES,
          schemes: ['https'],
          tags: [tag],
          parameters: [
            { name: 'body', in: 'body', required: true, schema: kindRef },
            DRY_RUN,
            FIELD_MANAGER,
            FIELD_VALIDATION,
          ],
          responses: {
            '200': { description: 'OK', schema: kindRef },
            '201': { description: 'Created', schema: kindRef },
            '202': { description: 'Accepted', schema: kindRef },
            '401': { description: 'Unauthorized' },
          },
          'x-kubernetes-action': 'post',
          'x-kubernetes-group-version-kind': op.kind,
        };
  const parameters: Parameter[] = [];
  if (op.method === 'patch' || op.subresource) {
    parameters.push({
      name: 'name',
      in: 'path',
      description: `name of the ${op.kind.kind}`,
      required: true,
      type: 'string',
      uniqueItems: true,
    });
  }
  if (op.namespaced) {
    parameters.push({
      name: 'namespace',
      in: 'path',
      description: 'object name and auth scope, such as for teams and projects',
      required: true,
      type: 'string',
      uniqueItems: true,
    });
  }
  return op.method === 'patch' ? { patch: operation, parameters } : { post: operation, parameters };
}

function groupId(group: string): string {
  if (group === '') return 'Core';
  const first = group.split('.')[0] ?? group;
  return first.charAt(0).toUpperCase() + first.slice(1);
}

/** The kind of the parent resource for subresources (`patchAppsV1NamespacedDeploymentScale`). */
function singularKind(op: OpenApiOperation): string {
  if (!op.subresource) return op.kind.kind;
  const byResource: Record<string, string> = {
    deployments: 'Deployment',
    replicasets: 'ReplicaSet',
    replicationcontrollers: 'ReplicationController',
    serviceaccounts: 'ServiceAccount',
  };
  return byResource[op.resource] ?? op.kind.kind;
}

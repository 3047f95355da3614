// The whole published specification in Swagger 2.0 form (what `/openapi/v2` serves);
// the OpenAPI v3 documents are derived from it per group-version.

import type { GroupVersionKind } from '../types.js';
import { META_DEFINITIONS, definitionOf, groupVersionPath, operationPath } from './catalog.js';
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
  get?: Operation;
  put?: Operation;
  post?: Operation;
  delete?: Operation;
  patch?: Operation;
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
  for (const op of ops) addPaths(paths, op);
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

// Custom resources are served as JSON and YAML only (no protobuf).
const CUSTOM_CONSUMES = ['application/json', 'application/yaml'];
const CUSTOM_PRODUCES = CUSTOM_CONSUMES;
const CUSTOM_STREAMS = [...CUSTOM_PRODUCES, 'application/json;stream=watch'];
const CUSTOM_PATCH_TYPES = PATCH_TYPES.filter((t) => !t.includes('strategic'));

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

const STREAMS = [
  ...PRODUCES,
  'application/json;stream=watch',
  'application/vnd.kubernetes.protobuf;stream=watch',
];

const LIST_PARAMETERS: Parameter[] = [
  query(
    'allowWatchBookmarks',
    'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.',
    'boolean',
  ),
  query(
    'continue',
    'The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize. If the specified continue value is no longer valid whether due to expiration (generally five to fifteen minutes) or a configuration change on the server, the server will respond with a 410 ResourceExpired error together with a continue token.\n\nThis field is not supported when watch is true. Clients may start a watch from the last resourceVersion value returned by the server and not miss any modifications.',
  ),
  query(
    'fieldSelector',
    'A selector to restrict the list of returned objects by their fields. Defaults to everything.',
  ),
  query(
    'labelSelector',
    'A selector to restrict the list of returned objects by their labels. Defaults to everything.',
  ),
  query(
    'limit',
    'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results.',
    'integer',
  ),
  query(
    'resourceVersion',
    'resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api-concepts/#resource-versions for details.\n\nDefaults to unset',
  ),
  query(
    'resourceVersionMatch',
    'resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api-concepts/#resource-versions for details.\n\nDefaults to unset',
  ),
  query(
    'sendInitialEvents',
    '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection. Once all such events have been sent, a synthetic "Bookmark" event  will be sent. The bookmark will report the ResourceVersion (RV) corresponding to the set of objects, and be marked with `"k8s.io/initial-events-end": "true"` annotation.',
    'boolean',
  ),
  query(
    'timeoutSeconds',
    'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.',
    'integer',
  ),
  query(
    'watch',
    'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.',
    'boolean',
  ),
];

const DELETE_PARAMETERS: Parameter[] = [
  query(
    'gracePeriodSeconds',
    'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.',
    'integer',
  ),
  query(
    'orphanDependents',
    'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.',
    'boolean',
  ),
  query(
    'propagationPolicy',
    "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.",
  ),
];

const PRETTY = query(
  'pretty',
  "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
);

const META = `${DEFINITIONS_PREFIX}io.k8s.apimachinery.pkg.apis.meta.v1.`;
const ok = (schema: Schema): Operation['responses'] => ({
  '200': { description: 'OK', schema },
  '401': { description: 'Unauthorized' },
});

/**
 * The article kube-apiserver puts before a kind in operation descriptions: none for a
 * plural (`Endpoints`), `an` before a vowel.
 */
function article(kind: string): string {
  if (!kind.endsWith('ss') && kind.endsWith('s')) return ' ';
  return /^[aeiouAEIOU]/.test(kind) ? ' an ' : ' a ';
}

type Verb =
  'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection' | 'watch' | 'watchlist';

/** An operation as kube-apiserver's installer describes it (description, id, action). */
function operation(
  op: OpenApiOperation,
  verb: Verb,
  opts: { subresource?: string; allNamespaces?: boolean } = {},
): Operation {
  const sub = opts.subresource;
  // Descriptions name the parent kind (`read scale of the specified Deployment`).
  const kind = singularKind(op, sub);
  const definition = op.definition ?? definitionOf(op.kind);
  const kindRef = { $ref: DEFINITIONS_PREFIX + definition };
  const of = sub ? `${sub} of ` : '';
  const scoped = op.namespaced && !opts.allNamespaces ? 'Namespaced' : '';
  const subId = sub ? sub.charAt(0).toUpperCase() + sub.slice(1) : '';
  const gv = `${groupId(op.group)}${op.version.charAt(0).toUpperCase()}${op.version.slice(1)}`;
  const forAll = opts.allNamespaces ? 'ForAllNamespaces' : '';
  const id = (prefix: string, suffix = '', afterGroupVersion = ''): string =>
    `${prefix}${gv}${afterGroupVersion}${scoped}${singularKind(op, sub)}${subId}${suffix}${forAll}`;
  const tag = `${op.group === '' ? 'core' : op.group.replace(/\.k8s\.io$/, '').replaceAll('.', '_')}_${op.version}`;
  const base = {
    consumes: op.custom ? CUSTOM_CONSUMES : ['*/*'],
    produces: op.custom ? CUSTOM_PRODUCES : PRODUCES,
    schemes: ['https'],
    tags: [tag],
    'x-kubernetes-group-version-kind': op.kind,
  };
  const body: Parameter = { name: 'body', in: 'body', required: true, schema: kindRef };
  const writeParams = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
  switch (verb) {
    case 'get':
      return {
        ...base,
        description: sub ? `read ${sub} of the specified ${kind}` : `read the specified ${kind}`,
        operationId: id('read'),
        parameters: [],
        responses: ok(kindRef),
        'x-kubernetes-action': 'get',
      };
    case 'list':
      return {
        ...base,
        produces: op.custom ? CUSTOM_STREAMS : STREAMS,
        description: `list or watch objects of kind ${kind}`,
        operationId: id('list'),
        parameters: LIST_PARAMETERS,
        responses: ok({ $ref: `${DEFINITIONS_PREFIX}${op.listDefinition ?? `${definition}List`}` }),
        'x-kubernetes-action': 'list',
      };
    case 'post':
      return {
        ...base,
        description: `create ${sub ? `${sub} of` : ''}${sub ? article(kind) : article(kind).trimStart()}${kind}`,
        operationId: id('create'),
        parameters: [body, ...writeParams],
        responses: {
          '200': { description: 'OK', schema: kindRef },
          '201': { description: 'Created', schema: kindRef },
          '202': { description: 'Accepted', schema: kindRef },
          '401': { description: 'Unauthorized' },
        },
        'x-kubernetes-action': 'post',
      };
    case 'put':
      return {
        ...base,
        description: `replace ${of}the specified ${kind}`,
        operationId: id('replace'),
        parameters: [body, ...writeParams],
        responses: {
          '200': { description: 'OK', schema: kindRef },
          '201': { description: 'Created', schema: kindRef },
          '401': { description: 'Unauthorized' },
        },
        'x-kubernetes-action': 'put',
      };
    case 'patch':
      return {
        ...base,
        consumes: op.custom ? CUSTOM_PATCH_TYPES : PATCH_TYPES,
        description: `partially update ${of}the specified ${kind}`,
        operationId: id('patch'),
        parameters: [
          { name: 'body', in: 'body', required: true, schema: { $ref: `${META}Patch` } },
          ...writeParams,
          FORCE,
        ],
        responses: {
          '200': { description: 'OK', schema: kindRef },
          '201': { description: 'Created', schema: kindRef },
          '401': { description: 'Unauthorized' },
        },
        'x-kubernetes-action': 'patch',
      };
    case 'delete':
      return {
        ...base,
        description: `delete${article(kind)}${kind}`,
        operationId: id('delete'),
        parameters: [
          { name: 'body', in: 'body', required: false, schema: { $ref: `${META}DeleteOptions` } },
          DRY_RUN,
          ...DELETE_PARAMETERS,
        ],
        responses: {
          '200': { description: 'OK', schema: kindRef },
          '202': { description: 'Accepted', schema: kindRef },
          '401': { description: 'Unauthorized' },
        },
        'x-kubernetes-action': 'delete',
      };
    case 'deletecollection':
      return {
        ...base,
        description: `delete collection of ${kind}`,
        operationId: id('delete', '', 'Collection'),
        parameters: [
          { name: 'body', in: 'body', required: false, schema: { $ref: `${META}DeleteOptions` } },
          DRY_RUN,
          ...DELETE_PARAMETERS,
          ...LIST_PARAMETERS.filter((p) => p.name !== 'allowWatchBookmarks' && p.name !== 'watch'),
        ],
        responses: ok({ $ref: `${META}Status` }),
        'x-kubernetes-action': 'deletecollection',
      };
    case 'watch':
      return {
        ...base,
        produces: op.custom ? CUSTOM_STREAMS : STREAMS,
        description: `watch changes to an object of kind ${kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`,
        operationId: id('watch'),
        parameters: [],
        responses: ok({ $ref: `${META}WatchEvent` }),
        'x-kubernetes-action': 'watch',
      };
    case 'watchlist':
      return {
        ...base,
        produces: op.custom ? CUSTOM_STREAMS : STREAMS,
        description: `watch individual changes to a list of ${kind}. deprecated: use the 'watch' parameter with a list operation instead.`,
        operationId: id('watch', 'List'),
        parameters: [],
        responses: ok({ $ref: `${META}WatchEvent` }),
        'x-kubernetes-action': 'watchlist',
      };
  }
}

const pathParameter = (name: string, description: string): Parameter => ({
  name,
  in: 'path',
  description,
  required: true,
  type: 'string',
  uniqueItems: true,
});

/** Adds the paths of `op` to `paths`, each with kube-apiserver's operations and parameters. */
export function addPaths(paths: Record<string, PathItem>, op: OpenApiOperation): void {
  const name = pathParameter('name', `name of the ${op.kind.kind}`);
  const namespace = pathParameter(
    'namespace',
    'object name and auth scope, such as for teams and projects',
  );
  const scope = op.namespaced ? [namespace] : [];
  const gvPath = `/${groupVersionPath(op.group, op.version)}`;
  const nsPath = op.namespaced ? '/namespaces/{namespace}' : '';
  const collection = `${gvPath}${nsPath}/${op.resource}`;
  const item = `${collection}/{name}`;
  if (op.subresource) {
    const sub = op.subresource;
    paths[operationPath(op)] =
      op.method === 'post'
        ? { post: operation(op, 'post', { subresource: sub }), parameters: [name, ...scope] }
        : {
            get: operation(op, 'get', { subresource: sub }),
            put: operation(op, 'put', { subresource: sub }),
            patch: operation(op, 'patch', { subresource: sub }),
            parameters: [name, ...scope, PRETTY],
          };
    return;
  }
  if (!op.listed) {
    paths[collection] = { post: operation(op, 'post'), parameters: [...scope, PRETTY] };
    return;
  }
  paths[collection] = {
    get: operation(op, 'list'),
    post: operation(op, 'post'),
    delete: operation(op, 'deletecollection'),
    parameters: [...scope, PRETTY],
  };
  paths[item] = {
    get: operation(op, 'get'),
    put: operation(op, 'put'),
    patch: operation(op, 'patch'),
    delete: operation(op, 'delete'),
    parameters: [name, ...scope, PRETTY],
  };
  if (op.status)
    paths[`${item}/status`] = {
      get: operation(op, 'get', { subresource: 'status' }),
      put: operation(op, 'put', { subresource: 'status' }),
      patch: operation(op, 'patch', { subresource: 'status' }),
      parameters: [name, ...scope, PRETTY],
    };
  paths[`${gvPath}/watch${nsPath}/${op.resource}`] = {
    get: operation(op, 'watchlist'),
    parameters: [...LIST_PARAMETERS, ...scope, PRETTY],
  };
  paths[`${gvPath}/watch${nsPath}/${op.resource}/{name}`] = {
    get: operation(op, 'watch'),
    parameters: [...LIST_PARAMETERS, name, ...scope, PRETTY],
  };
  if (op.namespaced) {
    paths[`${gvPath}/${op.resource}`] = {
      get: operation(op, 'list', { allNamespaces: true }),
      parameters: [...LIST_PARAMETERS, PRETTY],
    };
    paths[`${gvPath}/watch/${op.resource}`] = {
      get: operation(op, 'watchlist', { allNamespaces: true }),
      parameters: [...LIST_PARAMETERS, PRETTY],
    };
  }
}

function groupId(group: string): string {
  if (group === '') return 'Core';
  // `rbac.authorization.k8s.io` → `RbacAuthorization`, `stable.example.com` → `StableExampleCom`.
  return group
    .replace(/\.k8s\.io$/, '')
    .split(/[^A-Za-z0-9]+/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

/** The kind of the parent resource for subresources (`patchAppsV1NamespacedDeploymentScale`). */
function singularKind(op: OpenApiOperation, subresource = op.subresource): string {
  if (!subresource || !op.subresource) return op.kind.kind;
  const byResource: Record<string, string> = {
    pods: 'Pod',
    cronjobs: 'CronJob',
    daemonsets: 'DaemonSet',
    jobs: 'Job',
    deployments: 'Deployment',
    replicasets: 'ReplicaSet',
    replicationcontrollers: 'ReplicationController',
    serviceaccounts: 'ServiceAccount',
  };
  return byResource[op.resource] ?? op.kind.kind;
}

// Skiff's API server: the single source of truth. Composes storage, the resource table,
// authentication, authorization and the handlers behind one TLS port.

import type { AddressInfo } from 'node:net';
import type { Http2SecureServer } from 'node:http2';
import type { Store } from '../storage/index.js';
import {
  createDynamicResourceTable,
  defaultResourceTable,
  type ResourceTable,
} from '../api/registry.js';
import { createCrdController } from './crd/controller.js';
import type { KubeObject } from '../api/types.js';
import type { CustomResourceApi } from '../api/openapi/index.js';
import { createAuthenticator } from './auth/authn.js';
import { followBoundObjects } from './auth/bound-objects.js';
import { createEscalationCheck, followRbac } from './auth/rbac/index.js';
import { serviceAccountTokenAuthenticator } from './auth/service-accounts.js';
import { ensureLegacyTokenTracking, markLegacyTokenUsed } from './auth/legacy-token-tracking.js';
import { tokenRequestHandler } from './handlers/token-request.js';
import { certificateAdmission } from './handlers/csr-admission.js';
import { DEFAULT_ISSUER, type KeyInput } from '../pki/index.js';
import { createAuthorizer, superUserAuthorizer } from './auth/authz.js';
import { createNodeAuthorizer } from './auth/node/authorizer.js';
import { followNodeGraph } from './auth/node/populator.js';
import { createNodeRestriction } from './auth/node/restriction.js';
import type { Authorizer, TokenAuthenticator } from './auth/types.js';
import { bootstrap, ensureIngressClass, ensureStorageClass } from './bootstrap.js';
import { createFieldTracker } from './fields.js';
import {
  createApiHandler,
  type ApiHandler,
  type OpenApiSource,
  type SubresourceHandler,
} from './handler.js';
import { createApiServerMetrics } from './metrics/index.js';
import { createHttpServer, type TlsMaterial, type UpgradeHandler } from './http-server.js';
import { Registry, createQuotaAdmission, type Clock } from './registry/generic.js';
import { hooksByResource } from './registry/hooks/index.js';
import { nthIp, parseCidr } from './registry/hooks/ipnet.js';
import { versionInfo } from './version.js';
import {
  createKubeletClient,
  type KubeletClient,
  type KubeletCredentials,
} from './kubelet/index.js';
import { createProxyServer } from './proxy/index.js';
import {
  createResourceMetrics,
  withMetricsResources,
  type ResourceMetricsOptions,
} from './resource-metrics/index.js';

export type { ApiRequest, ApiResponse, VersionInfo } from './types.js';
export type { ApiHandler, SubresourceHandler } from './handler.js';
export type { UserInfo, TokenAuthenticator, Authorizer } from './auth/types.js';
export type { TlsMaterial, UpgradeHandler } from './http-server.js';
export { versionInfo } from './version.js';
export { SKIFF_IDENTITIES } from './auth/bootstrap-policy/index.js';
export type { KubeletClient, KubeletCredentials, KubeletResponse } from './kubelet/index.js';

const BOOTSTRAP_RECONCILE_MS = 10_000;
const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface ApiServerOptions {
  store: Store;
  tls: TlsMaterial;
  tokenAuthenticators?: TokenAuthenticator[];
  /**
   * Service-account tokens: verified (and checked against the objects they are bound to)
   * with these keys, and issued by serviceaccounts/token with the private one.
   */
  serviceAccountTokens?: ServiceAccountTokenOptions;
  authorizers?: Authorizer[];
  /** Address to listen on (default 127.0.0.1) and port (default 6443; 0 = any). */
  host?: string;
  port?: number;
  serviceCidr?: string;
  nodePortRange?: { min: number; max: number };
  /** The address pods use to reach the API server (the `kubernetes` endpoints). */
  advertiseAddress?: string;
  clock?: Clock;
  openapi?: OpenApiSource;
  /** Told the served versions of the custom resources whenever they change (for OpenAPI). */
  onCustomResources?: (resources: CustomResourceApi[]) => void;
  findUnknownFields?: (
    gvk: { group: string; version: string; kind: string },
    obj: KubeObject,
  ) => string[];
  /** Decoding type errors (a string for an int32…) from the OpenAPI schemas. */
  findTypeError?: (
    gvk: { group: string; version: string; kind: string },
    obj: KubeObject,
  ) => string | undefined;
  subresources?: Map<string, SubresourceHandler>;
  onUpgrade?: UpgradeHandler;
  /**
   * The API server's credentials towards kubelets (client certificate, and the CA their
   * serving certificates are verified against). With them pods/exec, attach, portforward
   * and log are forwarded to the pod's kubelet, and nodes/proxy reaches nodes; without them
   * pods answer as unscheduled ones do.
   */
  kubelet?: KubeletCredentials;
  resources?: ResourceTable;
  /**
   * Serves metrics.k8s.io (`kubectl top`) from the nodes' /metrics/resource. With `kubelet`
   * and without this, the nodes are scraped through the kubelet client every 15 s.
   */
  resourceMetrics?: ResourceMetricsOptions;
  /** Creates Skiff's default IngressClass `skiff` at start (default true). */
  ingressClass?: boolean;
  /** Creates the default StorageClass `local-path` at start (default true). */
  storageClass?: boolean;
}

export interface ServiceAccountTokenOptions {
  signingKey: KeyInput;
  /** Keys whose tokens are accepted; default the signing key. */
  verifyKeys?: KeyInput[];
  /** Default DEFAULT_ISSUER. */
  issuer?: string;
  /** The API server's audiences (kube's --api-audiences); default the issuer. */
  audiences?: string[];
  /** Longest lifetime TokenRequest grants; default 48 hours. */
  maxExpirationSeconds?: number;
}

const MAX_TOKEN_EXPIRATION_SECONDS = 48 * 3600;

export interface ApiServer {
  handler: ApiHandler;
  registry: Registry;
  table: ResourceTable;
  /** The kubelet client (with the `kubelet` option): e.g. `get(node, '/metrics/resource')`. */
  kubelet: KubeletClient | undefined;
  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number>;
  /**
   * Also serves on `host`, at the port listen() bound: the advertised address, once it
   * exists (a node's pod-network gateway appears only when the node has set up its bridge).
   */
  listenAlso(host: string): Promise<void>;
  /** Writes the bootstrap objects without listening (for in-process use and tests). */
  bootstrap(): Promise<void>;
  close(): Promise<void>;
}

export async function createApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const clock = o.clock ?? { now: () => new Date() };
  // The default scraper runs only after start, once `kubelet` (below) exists.
  const scrapeKubelet = async (node: string): Promise<string> => {
    if (!kubelet) throw new Error('no kubelet client');
    const r = await kubelet.get(node, '/metrics/resource');
    if (r.status !== 200) throw new Error(`/metrics/resource of node ${node}: ${r.status}`);
    return r.body;
  };
  const metricsOptions = o.resourceMetrics ?? (o.kubelet ? { scrape: scrapeKubelet } : undefined);
  const resourceMetrics = metricsOptions && createResourceMetrics(metricsOptions);
  const baseTable = o.resources ?? defaultResourceTable();
  // Custom resources join and leave the table while the server runs.
  const table = createDynamicResourceTable(
    (resourceMetrics ? withMetricsResources(baseTable) : baseTable).all,
  );
  const metrics = createApiServerMetrics({ table, store: o.store, version: versionInfo() });
  const cidr = parseCidr(o.serviceCidr ?? '10.96.0.0/12');
  const quotaDef = table.byGroupResource('', 'resourcequotas');
  const quota = quotaDef ? createQuotaAdmission(o.store, quotaDef) : undefined;
  const registry = new Registry(
    metrics.instrumentStore(o.store),
    clock,
    hooksByResource(table, {
      serviceCidr: cidr,
      nodePortRange: o.nodePortRange ?? { min: 30000, max: 32767 },
    }),
    quota,
  );
  const crds = createCrdController({
    registry,
    table,
    now: () => clock.now(),
    ...(o.onCustomResources
      ? { onServedChange: () => o.onCustomResources?.(crds.published()) }
      : {}),
  });
  // Unknown fields of a custom object are the ones its version's schema does not declare.
  const findUnknownFields = (
    gvk: { group: string; version: string; kind: string },
    obj: KubeObject,
  ): string[] => {
    const custom = crds.customDef(gvk.group, gvk.version, gvk.kind);
    if (custom) return crds.unknownFields(custom, obj);
    return o.findUnknownFields?.(gvk, obj) ?? [];
  };
  const def = (g: string, p: string) => {
    const d = table.byGroupResource(g, p);
    if (!d) throw new Error(`missing resource ${p}`);
    return d;
  };
  const port = o.port ?? 6443;
  // The port actually served (known once listen() has bound, e.g. for port 0).
  let servedPort = port;
  let ready = false;
  const sat = o.serviceAccountTokens;
  const boundObjects = sat ? followBoundObjects(o.store) : undefined;
  const issuer = sat?.issuer ?? DEFAULT_ISSUER;
  const audiences = sat?.audiences ?? [issuer];
  const authn = createAuthenticator([
    ...(o.tokenAuthenticators ?? []),
    ...(sat && boundObjects
      ? [
          serviceAccountTokenAuthenticator({
            keys: sat.verifyKeys ?? [sat.signingKey],
            issuers: [issuer],
            audiences,
            objects: boundObjects,
            clock,
            onLegacyTokenUsed: (ns, name, today) =>
              void markLegacyTokenUsed(registry, def('', 'secrets'), ns, name, today),
          }),
        ]
      : []),
  ]);
  // The Node authorizer's graph of what each node's pods use, followed from storage.
  const nodeGraph = followNodeGraph(o.store, table);
  const rbac = followRbac(o.store);
  // kube-apiserver's chain for --authorization-mode=Node,RBAC: system:masters first, then the
  // Node authorizer, then RBAC (the bootstrap policy is stored before the server is ready).
  const authz = createAuthorizer(
    o.authorizers ?? [superUserAuthorizer, createNodeAuthorizer(nodeGraph.graph), rbac.authorizer],
  );
  const checkEscalation = createEscalationCheck({
    resolver: rbac.resolver,
    authorize: (a) => authz.authorize(a),
  });
  const getObject = (g: string, p: string, ns: string, name: string) =>
    registry.tryGet(def(g, p), ns, name);
  const kubelet = o.kubelet
    ? createKubeletClient({ ...o.kubelet, getNode: (name) => getObject('', 'nodes', '', name) })
    : undefined;
  const proxy = createProxyServer({
    kubelet,
    lookup: {
      pod: (ns, name) => getObject('', 'pods', ns, name),
      service: (ns, name) => getObject('', 'services', ns, name),
      endpoints: (ns, name) => getObject('', 'endpoints', ns, name),
    },
    authorize: (a) => authz.check(a),
    authenticate: (c) => authn.authenticate(c),
  });
  const subresources = new Map([
    ...proxy.subresources,
    ...(sat
      ? ([
          [
            'serviceaccounts/token',
            tokenRequestHandler({
              signingKey: sat.signingKey,
              issuer,
              audiences,
              maxExpirationSeconds: sat.maxExpirationSeconds ?? MAX_TOKEN_EXPIRATION_SECONDS,
            }),
          ],
        ] as const)
      : []),
    ...(o.subresources ?? []),
  ]);
  const onUpgrade = o.onUpgrade ?? proxy.onUpgrade;
  const handler = createApiHandler({
    table,
    registry,
    authn,
    authz,
    fields: createFieldTracker(),
    admission: certificateAdmission(authz),
    version: versionInfo(),
    get serverAddress() {
      return `${o.advertiseAddress ?? '127.0.0.1'}:${servedPort}`;
    },
    clock,
    ready: () => ready,
    ...(o.openapi ? { openapi: o.openapi } : {}),
    findUnknownFields,
    ...(o.findTypeError ? { findTypeError: o.findTypeError } : {}),
    ...(subresources.size ? { subresources } : {}),
    ...(resourceMetrics ? { resourceHandlers: resourceMetrics.handlers } : {}),
    admitWrite: (r, obj, old) =>
      checkEscalation(
        {
          user: r.ctx.user,
          resource: r.def.group === RBAC_GROUP ? r.def.plural : '',
          namespace: r.info.namespace,
          name: r.info.name,
        },
        obj,
        old,
      ),
    metrics,
    admit: createNodeRestriction(getObject),
  });
  const instrumented = metrics.instrument(handler);
  let server: Http2SecureServer | undefined;
  const extraServers: Http2SecureServer[] = [];
  let bootTimer: NodeJS.Timeout | undefined;
  return {
    handler: instrumented,
    registry,
    table,
    kubelet,
    async bootstrap() {
      await bootstrap(registry, table, {
        kubernetesServiceIP: nthIp(cidr, 1),
        advertiseAddress: o.advertiseAddress ?? '127.0.0.1',
        securePort: port,
      });
      if (o.ingressClass !== false) await ensureIngressClass(registry, table);
      if (o.storageClass !== false) await ensureStorageClass(registry, table);
      if (sat) await ensureLegacyTokenTracking(registry, def('', 'configmaps'), clock.now());
      await boundObjects?.ready;
      await nodeGraph.ready;
      await rbac.ready;
      await crds.ready;
      resourceMetrics?.start(registry, table);
      ready = true;
    },
    async listen() {
      server = createHttpServer({
        tls: o.tls,
        handler: instrumented,
        onUpgrade,
      });
      const s = server;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, o.host ?? '127.0.0.1', () => {
          s.off('error', reject);
          resolve();
        });
      });
      const bound = (s.address() as AddressInfo).port;
      servedPort = bound;
      const boot = () =>
        bootstrap(registry, table, {
          kubernetesServiceIP: nthIp(cidr, 1),
          advertiseAddress: o.advertiseAddress ?? '127.0.0.1',
          securePort: bound,
        });
      await boot();
      if (o.ingressClass !== false) await ensureIngressClass(registry, table);
      if (o.storageClass !== false) await ensureStorageClass(registry, table);
      if (sat) await ensureLegacyTokenTracking(registry, def('', 'configmaps'), clock.now());
      await boundObjects?.ready;
      await nodeGraph.ready;
      await rbac.ready;
      await crds.ready;
      // Kept true afterwards, as kube-apiserver's bootstrap controller does (e.g. after
      // someone deletes the `kubernetes` service).
      bootTimer = setInterval(() => void boot().catch(() => undefined), BOOTSTRAP_RECONCILE_MS);
      bootTimer.unref();
      resourceMetrics?.start(registry, table);
      ready = true;
      return bound;
    },
    async listenAlso(host) {
      const s = createHttpServer({ tls: o.tls, handler: instrumented, onUpgrade });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(servedPort, host, () => {
          s.off('error', reject);
          resolve();
        });
      });
      extraServers.push(s);
    },
    async close() {
      ready = false;
      clearInterval(bootTimer);
      kubelet?.close();
      resourceMetrics?.stop();
      boundObjects?.close();
      nodeGraph.close();
      rbac.close();
      crds.close();
      quota?.close();
      const all = [...(server ? [server] : []), ...extraServers.splice(0)];
      await Promise.all(
        all.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              // Long-lived watches would hold close() open.
              setTimeout(resolve, 500).unref();
            }),
        ),
      );
    },
  };
}

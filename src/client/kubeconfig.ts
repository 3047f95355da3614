// kubeconfig files: the types, the admin file Skiff writes, loading and merging as kubectl
// does (KUBECONFIG lists, first file wins), adding Skiff's entries to ~/.kube/config, and
// turning a context into connection options for Skiff's REST client.
import {
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { isMap, isSeq, parse, parseDocument, stringify, type Document } from 'yaml';
import { isJsonObject } from '../api/json.js';

export interface KubeconfigCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
  'disable-compression'?: boolean;
  extensions?: unknown[];
}

export interface KubeconfigUser {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  as?: string;
  'as-uid'?: string;
  'as-groups'?: string[];
  exec?: { command?: string; [key: string]: unknown };
  'auth-provider'?: unknown;
  extensions?: unknown[];
}

export interface KubeconfigContext {
  cluster: string;
  user: string;
  namespace?: string;
  extensions?: unknown[];
}

export interface NamedCluster {
  name: string;
  cluster: KubeconfigCluster;
}

export interface NamedUser {
  name: string;
  user: KubeconfigUser;
}

export interface NamedContext {
  name: string;
  context: KubeconfigContext;
}

export interface Kubeconfig {
  apiVersion: string;
  kind: string;
  clusters: NamedCluster[];
  contexts: NamedContext[];
  users: NamedUser[];
  'current-context'?: string;
  preferences?: Record<string, unknown>;
  extensions?: unknown[];
}

export interface AdminKubeconfigOptions {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  clusterName?: string;
  userName?: string;
  contextName?: string;
}

/** What Skiff's REST client needs to reach and authenticate to a cluster. */
export interface ClientOptions {
  server: string;
  /** PEM text. */
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
  insecure: boolean;
  tlsServerName?: string;
  namespace: string;
  context: string;
}

// kubectl's own layout: no line folding, list items flush with their key.
const YAML_OPTIONS = { lineWidth: 0, indentSeq: false } as const;
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

export function emptyKubeconfig(): Kubeconfig {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [],
    contexts: [],
    users: [],
    preferences: {},
  };
}

export function adminKubeconfig(options: AdminKubeconfigOptions): Kubeconfig {
  const cluster = options.clusterName ?? 'skiff';
  const user = options.userName ?? 'skiff-admin';
  const context = options.contextName ?? 'skiff';
  // Keys in the order kubectl itself writes them (sorted), so the file reads familiarly.
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        cluster: { 'certificate-authority-data': b64(options.caPem), server: options.server },
        name: cluster,
      },
    ],
    contexts: [{ context: { cluster, user }, name: context }],
    'current-context': context,
    preferences: {},
    users: [
      {
        name: user,
        user: {
          'client-certificate-data': b64(options.certPem),
          'client-key-data': b64(options.keyPem),
        },
      },
    ],
  };
}

/** Fields in kubectl's order (alphabetical, as its JSON-derived YAML prints them). */
export function stringifyKubeconfig(config: Kubeconfig): string {
  const { apiVersion, clusters, contexts, kind, preferences, users } = config;
  const ordered = {
    apiVersion,
    clusters,
    contexts,
    'current-context': config['current-context'] ?? '',
    kind,
    preferences: preferences ?? {},
    users,
    ...(config.extensions ? { extensions: config.extensions } : {}),
  };
  return stringify(ordered, YAML_OPTIONS);
}

export function renderAdminKubeconfig(options: AdminKubeconfigOptions): string {
  return stringifyKubeconfig(adminKubeconfig(options));
}

// ---- parsing and loading ----

type Section = 'clusters' | 'users' | 'contexts';
const ITEM_KEY = { clusters: 'cluster', users: 'user', contexts: 'context' } as const;

function parseSection(raw: unknown, section: Section, source: string): unknown[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new Error(`${source}: "${section}" must be a list`);
  const seen = new Set<string>();
  return raw.map((item, i) => {
    if (!isJsonObject(item) || typeof item.name !== 'string') {
      throw new Error(`${source}: ${section}[${i}] must have a "name"`);
    }
    if (seen.has(item.name)) {
      throw new Error(`${source}: duplicate name "${item.name}" in ${section}`);
    }
    seen.add(item.name);
    const body = item[ITEM_KEY[section]];
    if (body !== undefined && body !== null && !isJsonObject(body)) {
      throw new Error(`${source}: ${section}[${i}].${ITEM_KEY[section]} must be a mapping`);
    }
    return { ...item, [ITEM_KEY[section]]: body ?? {} };
  });
}

/** Parses kubeconfig text; `source` names it in errors. Empty text is an empty config. */
export function parseKubeconfig(text: string, source = 'kubeconfig'): Kubeconfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`);
  }
  if (raw === null || raw === undefined) return emptyKubeconfig();
  if (!isJsonObject(raw)) throw new Error(`${source}: a kubeconfig must be a mapping`);
  const current = raw['current-context'];
  return {
    ...raw,
    apiVersion: typeof raw.apiVersion === 'string' ? raw.apiVersion : 'v1',
    kind: typeof raw.kind === 'string' ? raw.kind : 'Config',
    clusters: parseSection(raw.clusters, 'clusters', source) as NamedCluster[],
    users: parseSection(raw.users, 'users', source) as NamedUser[],
    contexts: parseSection(raw.contexts, 'contexts', source) as NamedContext[],
    ...(typeof current === 'string' && current !== '' ? { 'current-context': current } : {}),
    preferences: isJsonObject(raw.preferences) ? raw.preferences : {},
  } as Kubeconfig;
}

/** Relative file references are relative to the kubeconfig's folder, as in kubectl. */
function resolvePaths(config: Kubeconfig, base: string): Kubeconfig {
  const abs = (p: string | undefined): string | undefined =>
    p === undefined || p === '' || isAbsolute(p) ? p : resolve(base, p);
  const set = <T extends object>(obj: T, key: keyof T & string): void => {
    const value = (obj as Record<string, unknown>)[key];
    if (typeof value === 'string') (obj as Record<string, unknown>)[key] = abs(value);
  };
  for (const { cluster } of config.clusters) set(cluster, 'certificate-authority');
  for (const { user } of config.users) {
    set(user, 'client-certificate');
    set(user, 'client-key');
    set(user, 'tokenFile');
    // A bare command name is looked up on PATH; only a path with a separator is resolved.
    if (user.exec && typeof user.exec.command === 'string' && user.exec.command.includes(sep)) {
      set(user.exec, 'command');
    }
  }
  return config;
}

export function loadKubeconfig(path: string): Kubeconfig {
  const text = readFileSync(path, 'utf8');
  return resolvePaths(
    parseKubeconfig(text, `error loading config file "${path}"`),
    dirname(resolve(path)),
  );
}

/** The files kubectl would read: $KUBECONFIG's list, else ~/.kube/config. */
export function kubeconfigPaths(env: NodeJS.ProcessEnv = process.env, home = homedir()): string[] {
  const list = env.KUBECONFIG?.split(delimiter).filter((p) => p !== '');
  return list?.length ? [...new Set(list)] : [join(home, '.kube', 'config')];
}

/**
 * Merges files as kubectl merges a KUBECONFIG list: missing files are skipped; the first file
 * to define a cluster, user or context name wins it whole; the first non-empty
 * current-context wins.
 */
export function mergeKubeconfigs(paths: string[]): Kubeconfig {
  const merged = emptyKubeconfig();
  const names = {
    clusters: new Set<string>(),
    users: new Set<string>(),
    contexts: new Set<string>(),
  };
  let preferencesSet = false;
  for (const path of new Set(paths.filter((p) => p !== ''))) {
    let config: Kubeconfig;
    try {
      config = loadKubeconfig(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const section of ['clusters', 'users', 'contexts'] as const) {
      for (const item of config[section]) {
        if (names[section].has(item.name)) continue;
        names[section].add(item.name);
        (merged[section] as { name: string }[]).push(item);
      }
    }
    if (!merged['current-context'] && config['current-context']) {
      merged['current-context'] = config['current-context'];
    }
    if (!preferencesSet && config.preferences && Object.keys(config.preferences).length) {
      merged.preferences = config.preferences;
      preferencesSet = true;
    }
  }
  return merged;
}

// ---- editing ~/.kube/config ----

export interface MergeOptions {
  /** Make the new context current; it also becomes current when none was set. */
  setCurrent: boolean;
}

function upsertSection(doc: Document, section: Section, items: { name: string }[]): void {
  let seq = doc.get(section);
  if (!isSeq(seq)) {
    seq = doc.createNode([]);
    doc.set(section, seq);
  }
  if (!isSeq(seq)) return;
  for (const item of items) {
    const node = doc.createNode(item);
    const index = seq.items.findIndex((n) => isMap(n) && n.get('name') === item.name);
    if (index >= 0) seq.items[index] = node;
    else seq.items.push(node);
  }
}

/**
 * Adds or replaces `config`'s clusters, users and contexts (by name) in an existing
 * kubeconfig's text, leaving every other entry, field and comment as it was.
 */
export function mergeContextInto(
  existingYaml: string | undefined,
  config: Kubeconfig,
  options: MergeOptions,
): string {
  const wanted = config['current-context'] ?? config.contexts[0]?.name;
  const doc = existingYaml === undefined ? undefined : parseDocument(existingYaml);
  if (doc?.errors.length)
    throw new Error(`kubeconfig: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
  if (!doc || doc.contents === null) {
    return stringifyKubeconfig({ ...config, ...(wanted ? { 'current-context': wanted } : {}) });
  }
  if (!isMap(doc.contents)) throw new Error('kubeconfig: a kubeconfig must be a mapping');
  if (!doc.has('apiVersion')) doc.set('apiVersion', 'v1');
  if (!doc.has('kind')) doc.set('kind', 'Config');
  upsertSection(doc, 'clusters', config.clusters);
  upsertSection(doc, 'users', config.users);
  upsertSection(doc, 'contexts', config.contexts);
  const current = doc.get('current-context');
  if (wanted && (options.setCurrent || typeof current !== 'string' || current === '')) {
    doc.set('current-context', wanted);
  }
  return doc.toString(YAML_OPTIONS);
}

/** Writes a kubeconfig readable by its owner only, atomically. */
export function writeKubeconfigFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  rmSync(temp, { force: true });
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

// ---- connection options ----

const fromData = (data: string): string => Buffer.from(data, 'base64').toString('utf8');

function dataOrFile(data: string | undefined, file: string | undefined): string | undefined {
  if (data) return fromData(data);
  if (file) return readFileSync(file, 'utf8');
  return undefined;
}

/** The server and credentials of a context (default: the current one). */
export function clientOptionsFromKubeconfig(
  config: Kubeconfig,
  contextName?: string,
): ClientOptions {
  const name = contextName || config['current-context'];
  if (!name) throw new Error('no context chosen: the kubeconfig has no current-context');
  const context = config.contexts.find((c) => c.name === name)?.context;
  if (!context) throw new Error(`context "${name}" does not exist`);
  const cluster = config.clusters.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster) throw new Error(`cluster "${context.cluster}" was not found for context "${name}"`);
  if (!cluster.server) throw new Error(`no server found for cluster "${context.cluster}"`);
  const user = context.user
    ? config.users.find((u) => u.name === context.user)?.user
    : ({} as KubeconfigUser);
  if (!user) throw new Error(`user "${context.user}" was not found for context "${name}"`);
  for (const unsupported of ['exec', 'auth-provider', 'username'] as const) {
    if (user[unsupported] !== undefined) {
      throw new Error(
        `user "${context.user}" uses ${unsupported} credentials, which Skiff's client does not support`,
      );
    }
  }
  const token =
    user.token || (user.tokenFile ? readFileSync(user.tokenFile, 'utf8').trim() : undefined);
  const options: ClientOptions = {
    server: cluster.server,
    insecure: cluster['insecure-skip-tls-verify'] === true,
    namespace: context.namespace || 'default',
    context: name,
  };
  const ca = dataOrFile(cluster['certificate-authority-data'], cluster['certificate-authority']);
  const cert = dataOrFile(user['client-certificate-data'], user['client-certificate']);
  const key = dataOrFile(user['client-key-data'], user['client-key']);
  if (ca !== undefined) options.ca = ca;
  if (cert !== undefined) options.cert = cert;
  if (key !== undefined) options.key = key;
  if (token) options.token = token;
  if (cluster['tls-server-name']) options.tlsServerName = cluster['tls-server-name'];
  return options;
}

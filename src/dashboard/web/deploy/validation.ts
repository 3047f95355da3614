// The deploy form's rules and the words it says when a value breaks one. The messages are the
// Kubernetes Dashboard's own (seed 004 describes its form), so a user who knows that form
// reads the same sentences here. Every check returns all the messages that apply, in the
// order the form shows them; an empty list means the value is fine.

import { imageTag, parseImageReference } from './imageref.js';

export const APP_NAME_MAX = 24;
export const NAMESPACE_NAME_MAX = 63;
export const SECRET_NAME_MAX = 253;
/** More pods than this deploys, with a warning. */
export const REPLICAS_WARN_ABOVE = 100;
export const PROTOCOLS = ['TCP', 'UDP'] as const;
/** Keys the form suggests for free labels. */
export const SUGGESTED_LABEL_KEYS = ['release', 'environment', 'tier', 'partition', 'track'];

export const MSG = {
  appNameRequired: 'Application name is required.',
  appNamePattern:
    "Application name must start with a lowercase letter and contain only lowercase letters, numbers, and '-' between words.",
  appNameTooLong: `Name must be up to ${APP_NAME_MAX} characters long.`,
  appNameTaken: 'Deployment or service with this name already exists within namespace.',
  imageRequired: 'Container image is required',
  imageInvalid: (reason: string) => `Container image is invalid: ${reason}`,
  replicasRequired: 'Number of pods is required',
  replicasInteger: 'Number of pods must be a positive integer',
  replicasMin: 'Number of pods must be at least 1',
  replicasHigh:
    'Setting high number of pods may cause performance issues of the cluster and Dashboard UI.',
  portInteger: 'Port must be an integer.',
  portMin: 'Port must be greater than 0.',
  portMax: 'Port must be less than 65536.',
  portRequired: 'Port cannot be empty.',
  targetPortInteger: 'Target port must be an integer.',
  targetPortMin: 'Target port must be greater than 0.',
  targetPortMax: 'Target port must be less than 65536.',
  targetPortRequired: 'Target port cannot be empty.',
  protocolRequired: 'Protocol is required.',
  protocolInvalid: 'Invalid protocol.',
  labelKeyNotUnique: (key: string) => `${key} is not unique`,
  labelKeyPrefixPattern: 'Prefix is not a valid DNS subdomain prefix (eg. my-domain.com).',
  labelKeyNamePattern:
    "Label key name must be alphanumeric separated by '-', '_' or '.', optionally prefixed by a DNS subdomain and '/'.",
  labelKeyPrefixLength: 'Prefix should not exceed 253 characters.',
  labelKeyNameLength: 'Label Key name should not exceed 63 characters.',
  labelValuePattern: "Label value must be alphanumeric separated by '.' , '-' or '_'.",
  labelValueLength: 'Label Value must not exceed 63 characters.',
  cpuNumber: 'CPU requirement must be given as a valid number.',
  cpuPositive: 'CPU requirement must be given as a positive number.',
  memoryNumber: 'Memory requirement must be given as a valid number.',
  memoryPositive: 'Memory requirement must be given as a positive number.',
  variableName: 'Variable name must be a valid C identifier.',
  namespaceRequired: 'Name is required.',
  namespacePattern: 'Name must be alphanumeric and may contain dashes.',
  namespaceTooLong: `Name must be up to ${NAMESPACE_NAME_MAX} characters long.`,
  namespaceDigits: 'Namespace names should not consist of only numbers.',
  secretNameRequired: 'Name is required.',
  secretNamePattern: 'Name must follow the DNS domain name syntax (e.g. new.image-pull.secret).',
  secretNameTooLong: `Name must be up to ${SECRET_NAME_MAX} characters long.`,
  secretDataRequired: 'Data is required.',
  secretDataBase64: 'Data must be Base64 encoded.',
} as const;

const APP_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BASE64 = /^([0-9a-zA-Z+/]{4})*(([0-9a-zA-Z+/]{2}==)|([0-9a-zA-Z+/]{3}=))?$/;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/** Surrounding spaces never count: the form ignores them. */
export const appName = (raw: string): string => raw.trim();

export function validateAppName(
  raw: string,
  takenNames: ReadonlySet<string> = new Set(),
): string[] {
  const name = appName(raw);
  if (!name) return [MSG.appNameRequired];
  const out: string[] = [];
  if (takenNames.has(name)) out.push(MSG.appNameTaken);
  if (!APP_NAME.test(name)) out.push(MSG.appNamePattern);
  if (name.length > APP_NAME_MAX) out.push(MSG.appNameTooLong);
  return out;
}

export function validateImage(raw: string): string[] {
  const image = raw.trim();
  if (!image) return [MSG.imageRequired];
  const parsed = parseImageReference(image);
  return parsed.ok ? [] : [MSG.imageInvalid(parsed.reason)];
}

export function validateReplicas(raw: string): string[] {
  const s = raw.trim();
  if (!s) return [MSG.replicasRequired];
  if (!INTEGER.test(s)) return [MSG.replicasInteger];
  return Number(s) < 1 ? [MSG.replicasMin] : [];
}

/** The warning (not an error: the form still deploys) for many pods. */
export function replicasWarning(raw: string): string | undefined {
  const s = raw.trim();
  return INTEGER.test(s) && Number(s) > REPLICAS_WARN_ABOVE ? MSG.replicasHigh : undefined;
}

export type ServiceType = 'none' | 'internal' | 'external';

export interface PortRow {
  port: string;
  targetPort: string;
  protocol: string;
}

export interface PortErrors {
  port: string[];
  targetPort: string[];
  protocol: string[];
}

function validatePortNumber(
  raw: string,
  required: boolean,
  m: { integer: string; min: string; max: string; required: string },
): string[] {
  const s = raw.trim();
  if (!s) return required ? [m.required] : [];
  if (!INTEGER.test(s)) return [m.integer];
  const n = Number(s);
  if (n < 1) return [m.min];
  if (n > 65535) return [m.max];
  return [];
}

/**
 * The port rows of a Service. The first row must be filled; a later row may stay empty (it
 * is left out), but one half-filled wants its other half. UDP cannot be exposed externally.
 */
export function validatePorts(rows: PortRow[], serviceType: ServiceType): PortErrors[] {
  if (serviceType === 'none') return [];
  return rows.map((row, i) => {
    const filled = i === 0 || Boolean(row.port.trim() || row.targetPort.trim());
    const port = validatePortNumber(row.port, filled, {
      integer: MSG.portInteger,
      min: MSG.portMin,
      max: MSG.portMax,
      required: MSG.portRequired,
    });
    const targetPort = validatePortNumber(row.targetPort, filled, {
      integer: MSG.targetPortInteger,
      min: MSG.targetPortMin,
      max: MSG.targetPortMax,
      required: MSG.targetPortRequired,
    });
    const protocol: string[] = [];
    if (filled && !row.protocol) protocol.push(MSG.protocolRequired);
    else if (row.protocol && !(PROTOCOLS as readonly string[]).includes(row.protocol))
      protocol.push(MSG.protocolInvalid);
    else if (row.protocol === 'UDP' && serviceType === 'external')
      protocol.push(MSG.protocolInvalid);
    return { port, targetPort, protocol };
  });
}

export interface LabelRow {
  key: string;
  value: string;
}

export interface LabelErrors {
  key: string[];
  value: string[];
}

export function validateLabelKey(key: string): string[] {
  if (key === '') return [];
  const slash = key.indexOf('/');
  const prefix = slash > -1 ? key.slice(0, slash) : '';
  const name = slash > -1 ? key.slice(slash + 1) : key;
  const out: string[] = [];
  if (slash > -1 && !DNS_SUBDOMAIN.test(prefix)) out.push(MSG.labelKeyPrefixPattern);
  if (!LABEL_NAME.test(name)) out.push(MSG.labelKeyNamePattern);
  if (prefix.length > 253) out.push(MSG.labelKeyPrefixLength);
  if (name.length > 63) out.push(MSG.labelKeyNameLength);
  return out;
}

export function validateLabelValue(value: string): string[] {
  const out: string[] = [];
  if (!LABEL_VALUE.test(value)) out.push(MSG.labelValuePattern);
  if (value.length > 63) out.push(MSG.labelValueLength);
  return out;
}

/** Every label row, the `app` and `version` rows included: key rules, value rules, duplicates. */
export function validateLabels(rows: LabelRow[]): LabelErrors[] {
  return rows.map((row, i) => {
    const key = validateLabelKey(row.key);
    if (row.key && rows.some((other, j) => j !== i && other.key === row.key))
      key.unshift(MSG.labelKeyNotUnique(row.key));
    return { key, value: validateLabelValue(row.value) };
  });
}

/** The `app` and `version` labels the form derives from the name and the image's tag. */
export function derivedLabels(name: string, image: string): LabelRow[] {
  return [
    { key: 'app', value: appName(name) },
    { key: 'version', value: imageTag(image.trim()) },
  ];
}

function validateQuantity(raw: string, m: { number: string; positive: string }): string[] {
  const s = raw.trim();
  if (!s) return [];
  if (!DECIMAL.test(s)) return [m.number];
  return Number(s) < 0 ? [m.positive] : [];
}

export const validateCpu = (raw: string): string[] =>
  validateQuantity(raw, { number: MSG.cpuNumber, positive: MSG.cpuPositive });
export const validateMemory = (raw: string): string[] =>
  validateQuantity(raw, { number: MSG.memoryNumber, positive: MSG.memoryPositive });

export interface EnvRow {
  name: string;
  value: string;
}

/** A row without a name is left out; a name must be a C identifier. */
export const validateVariableName = (name: string): string[] =>
  name === '' || C_IDENTIFIER.test(name) ? [] : [MSG.variableName];

/** Names a value references as $(NAME) that no variable defines (Kubernetes leaves those as written). */
export function unresolvedReferences(rows: EnvRow[]): string[] {
  const defined = new Set(rows.map((r) => r.name).filter(Boolean));
  const out = new Set<string>();
  for (const r of rows) {
    // $$(X) is an escaped, literal $(X).
    for (const m of r.value.matchAll(/(\$+)\(([A-Za-z_][A-Za-z0-9_]*)\)/g))
      if (m[1]!.length % 2 === 1 && !defined.has(m[2]!)) out.add(m[2]!);
  }
  return [...out];
}

/** Surrounding spaces are ignored in a new namespace's name too. */
export function validateNamespaceName(raw: string): string[] {
  const name = raw.trim();
  if (!name) return [MSG.namespaceRequired];
  const out: string[] = [];
  if (!DNS_LABEL.test(name)) out.push(MSG.namespacePattern);
  else if (/^\d+$/.test(name)) out.push(MSG.namespaceDigits);
  if (name.length > NAMESPACE_NAME_MAX) out.push(MSG.namespaceTooLong);
  return out;
}

export function validateSecretName(raw: string): string[] {
  const name = raw.trim();
  if (!name) return [MSG.secretNameRequired];
  const out: string[] = [];
  if (!DNS_SUBDOMAIN.test(name)) out.push(MSG.secretNamePattern);
  if (name.length > SECRET_NAME_MAX) out.push(MSG.secretNameTooLong);
  return out;
}

/** The image pull secret's data: the Base64 encoded content of a .dockercfg file. */
export function validateSecretData(raw: string): string[] {
  const data = raw.replace(/\s+/g, '');
  if (!data) return [MSG.secretDataRequired];
  return BASE64.test(data) ? [] : [MSG.secretDataBase64];
}

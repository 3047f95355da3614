// The deploy form as data: its fields, all their errors at once, and the objects it deploys.
// The objects are those the Kubernetes Dashboard built from the same form: a Deployment whose
// labels are also its selector and its pods' labels, the description as the `description`
// annotation, one container named after the app; and, when ports are given, a Service with
// the same labels (ClusterIP for an internal service, LoadBalancer for an external one).

import {
  appName,
  derivedLabels,
  replicasWarning,
  unresolvedReferences,
  validateAppName,
  validateCpu,
  validateImage,
  validateLabels,
  validateMemory,
  validatePorts,
  validateReplicas,
  validateVariableName,
  type EnvRow,
  type LabelErrors,
  type LabelRow,
  type PortErrors,
  type PortRow,
  type ServiceType,
} from './validation.js';

export const DESCRIPTION_ANNOTATION = 'description';

export interface DeployForm {
  name: string;
  image: string;
  replicas: string;
  serviceType: ServiceType;
  ports: PortRow[];
  description: string;
  /** The free label rows (the `app` and `version` rows are derived, see derivedLabels). */
  labels: LabelRow[];
  namespace: string;
  imagePullSecret: string;
  cpu: string;
  memory: string;
  command: string;
  args: string;
  privileged: boolean;
  env: EnvRow[];
}

export const emptyPort = (): PortRow => ({ port: '', targetPort: '', protocol: 'TCP' });

export function emptyForm(namespace: string): DeployForm {
  return {
    name: '',
    image: '',
    replicas: '1',
    serviceType: 'none',
    ports: [emptyPort()],
    description: '',
    labels: [{ key: '', value: '' }],
    namespace,
    imagePullSecret: '',
    cpu: '',
    memory: '',
    command: '',
    args: '',
    privileged: false,
    env: [{ name: '', value: '' }],
  };
}

export interface FormErrors {
  name: string[];
  image: string[];
  replicas: string[];
  ports: PortErrors[];
  /** The derived rows first (app, version), then the free rows. */
  labels: LabelErrors[];
  cpu: string[];
  memory: string[];
  env: string[][];
}

export interface FormNotes {
  replicas?: string | undefined;
  /** Variables referenced as $(NAME) that the form does not define. */
  unresolved: string[];
}

export function allLabelRows(f: DeployForm): LabelRow[] {
  return [...derivedLabels(f.name, f.image), ...f.labels];
}

export function validateForm(f: DeployForm, takenNames: ReadonlySet<string>): FormErrors {
  return {
    name: validateAppName(f.name, takenNames),
    image: validateImage(f.image),
    replicas: validateReplicas(f.replicas),
    ports: validatePorts(f.ports, f.serviceType),
    labels: validateLabels(allLabelRows(f)),
    cpu: validateCpu(f.cpu),
    memory: validateMemory(f.memory),
    env: f.env.map((v) => validateVariableName(v.name)),
  };
}

export function formNotes(f: DeployForm): FormNotes {
  return { replicas: replicasWarning(f.replicas), unresolved: unresolvedReferences(f.env) };
}

export function hasErrors(e: FormErrors): boolean {
  return (
    [e.name, e.image, e.replicas, e.cpu, e.memory, ...e.env].some((x) => x.length > 0) ||
    e.ports.some((p) => p.port.length + p.targetPort.length + p.protocol.length > 0) ||
    e.labels.some((l) => l.key.length + l.value.length > 0)
  );
}

/** Labels with both a key and a value, in form order (empty rows and an empty version drop out). */
export function labelsOf(f: DeployForm): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of allLabelRows(f)) if (l.key && l.value) out[l.key] = l.value;
  return out;
}

/** The port rows that are filled, as Service ports. */
export function filledPorts(f: DeployForm): PortRow[] {
  if (f.serviceType === 'none') return [];
  return f.ports.filter((p) => p.port.trim() && p.targetPort.trim());
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** Five characters as Kubernetes' name generator picks them (no vowels, no look-alikes). */
export function randomSuffix(random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_CHARS[Math.floor(random() * NAME_CHARS.length)];
  return s;
}

export interface DeployObjects {
  deployment: Record<string, any>;
  service?: Record<string, any>;
}

/**
 * The Deployment and (when ports are given) the Service this form deploys. `suffix` names the
 * Service's ports (`tcp-80-8080-xxxxx`), so that a preview and the deploy that follows agree.
 */
export function buildObjects(f: DeployForm, suffix: string): DeployObjects {
  const name = appName(f.name);
  const namespace = f.namespace;
  const labels = labelsOf(f);
  const annotations: Record<string, string> = {};
  if (f.description) annotations[DESCRIPTION_ANNOTATION] = f.description;
  const meta = (ns?: string): Record<string, any> => ({
    name,
    ...(ns ? { namespace: ns } : {}),
    labels: { ...labels },
    ...(Object.keys(annotations).length ? { annotations: { ...annotations } } : {}),
  });

  const requests: Record<string, string> = {};
  if (f.cpu.trim()) requests.cpu = String(Number(f.cpu.trim()));
  if (f.memory.trim()) requests.memory = `${Number(f.memory.trim())}Mi`;
  const env = f.env.filter((v) => v.name).map((v) => ({ name: v.name, value: v.value }));
  const container: Record<string, any> = {
    name,
    image: f.image.trim(),
    ...(f.command.trim() ? { command: [f.command.trim()] } : {}),
    ...(f.args.trim() ? { args: f.args.trim().split(/\s+/) } : {}),
    ...(env.length ? { env } : {}),
    resources: Object.keys(requests).length ? { requests } : {},
    securityContext: { privileged: f.privileged },
  };
  const podSpec: Record<string, any> = { containers: [container] };
  if (f.imagePullSecret) podSpec.imagePullSecrets = [{ name: f.imagePullSecret }];

  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(namespace),
    spec: {
      replicas: Number(f.replicas.trim()),
      selector: { matchLabels: { ...labels } },
      template: { metadata: meta(), spec: podSpec },
    },
  };
  const ports = filledPorts(f);
  if (!ports.length) return { deployment };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(namespace),
    spec: {
      selector: { ...labels },
      type: f.serviceType === 'external' ? 'LoadBalancer' : 'ClusterIP',
      ports: ports.map((p) => {
        const port = Number(p.port.trim());
        const targetPort = Number(p.targetPort.trim());
        return {
          name: `${p.protocol.toLowerCase()}-${port}-${targetPort}-${suffix}`,
          protocol: p.protocol,
          port,
          targetPort,
        };
      }),
    },
  };
  return { deployment, service };
}

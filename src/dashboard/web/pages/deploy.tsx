// The deploy wizard (#/deploy): seed 004's form for a containerized application. It checks
// every field as the Kubernetes Dashboard did (same rules, same words), shows the YAML of the
// Deployment and Service it will create, creates them, says per object what the server
// answered, and on success opens the new Deployment.

import { useMemo, useState } from 'preact/hooks';
import { useLocation } from 'wouter-preact';
import { stringify } from 'yaml';
import { api } from '../api/client.js';
import { useList } from '../api/hooks.js';
import { RESOURCES, resourcePath } from '../api/resources.js';
import { createOne, type ApplyResult } from '../deploy/apply.js';
import {
  allLabelRows,
  buildObjects,
  emptyForm,
  emptyPort,
  formNotes,
  hasErrors,
  randomSuffix,
  validateForm,
  type DeployForm,
  type DeployObjects,
} from '../deploy/form.js';
import {
  APP_NAME_MAX,
  PROTOCOLS,
  SUGGESTED_LABEL_KEYS,
  appName,
  validateSecretData,
  validateSecretName,
  type ServiceType,
} from '../deploy/validation.js';
import { useNamespace } from '../namespace.js';
import { Errors, Section, TextField } from './deploy-fields.js';
import { NamespaceCreateForm } from './namespace-new.js';

const NEW = '\u0000new';

/** Keeps one more empty row at the end of a list once its last row is filled. */
function withSpareRow<T>(rows: T[], filled: (r: T) => boolean, empty: () => T): T[] {
  const last = rows[rows.length - 1];
  return last === undefined || filled(last) ? [...rows, empty()] : rows;
}

type Step = { kind: 'form' } | { kind: 'preview'; objects: DeployObjects } | { kind: 'deploying' };

export function DeployPage() {
  const { namespace: viewed } = useNamespace();
  const [, navigate] = useLocation();
  const [f, setForm] = useState<DeployForm>(() => emptyForm(viewed || 'default'));
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [advanced, setAdvanced] = useState(false);
  const [step, setStep] = useState<Step>({ kind: 'form' });
  const [results, setResults] = useState<{ what: string; result: ApplyResult }[]>([]);
  const [suffix] = useState(() => randomSuffix());

  const deployments = useList(RESOURCES.deployments, { namespace: f.namespace });
  const services = useList(RESOURCES.services, { namespace: f.namespace });
  const taken = useMemo(
    () => new Set([...deployments.items, ...services.items].map((o) => o.metadata.name as string)),
    [deployments.items, services.items],
  );
  const errors = validateForm(f, taken);
  const notes = formNotes(f);
  const shown = (field: string): boolean => submitted || touched.has(field);
  const touch = (field: string): void =>
    setTouched((t) => (t.has(field) ? t : new Set(t).add(field)));
  const set = <K extends keyof DeployForm>(k: K, v: DeployForm[K]): void => {
    setForm((old) => ({ ...old, [k]: v }));
    touch(k);
  };

  const review = (e: Event): void => {
    e.preventDefault();
    setSubmitted(true);
    if (hasErrors(errors)) {
      // Advanced fields with errors must be visible to be fixed.
      if (
        errors.labels.some((l) => l.key.length + l.value.length) ||
        errors.cpu.length ||
        errors.memory.length ||
        errors.env.some((x) => x.length)
      )
        setAdvanced(true);
      return;
    }
    setResults([]);
    setStep({ kind: 'preview', objects: buildObjects(f, suffix) });
  };

  const deploy = async (objects: DeployObjects): Promise<void> => {
    setStep({ kind: 'deploying' });
    const out: { what: string; result: ApplyResult }[] = [];
    const name = objects.deployment.metadata.name as string;
    const ns = objects.deployment.metadata.namespace as string;
    const d = await createOne(RESOURCES.deployments, objects.deployment);
    out.push({ what: `Deployment ${ns}/${name}`, result: d });
    if (objects.service) {
      out.push({
        what: `Service ${ns}/${name}`,
        result: d.ok
          ? await createOne(RESOURCES.services, objects.service)
          : { ok: false, message: 'not created, because the Deployment was not' },
      });
    }
    setResults(out);
    if (out.every((r) => r.result.ok)) navigate(`/deployments/${ns}/${name}`);
    else setStep({ kind: 'preview', objects });
  };

  if (step.kind !== 'form') {
    const objects = step.kind === 'preview' ? step.objects : undefined;
    return (
      <section class="deploy-page">
        <h2>Deploy a containerized app: preview</h2>
        <p>These objects will be created in namespace {f.namespace}:</p>
        {objects && (
          <pre class="yaml-preview" aria-label="YAML preview">
            {[objects.deployment, objects.service]
              .filter(Boolean)
              .map((o) => stringify(o))
              .join('---\n')}
          </pre>
        )}
        <Results results={results} />
        <div class="actions">
          <button
            type="button"
            class="primary"
            disabled={!objects}
            onClick={() => objects && void deploy(objects)}
          >
            {step.kind === 'deploying' ? 'Deploying…' : 'Deploy now'}
          </button>
          <button type="button" onClick={() => setStep({ kind: 'form' })}>
            Back to the form
          </button>
        </div>
      </section>
    );
  }

  const labelRows = allLabelRows(f);
  return (
    <section class="deploy-page">
      <h2>Deploy a containerized app</h2>
      <p>
        Specify app details below, or <a href="#/upload">upload a YAML or JSON file</a>.
      </p>
      <form aria-label="Deploy a containerized app" onSubmit={review} novalidate>
        <Section help="An 'app' label with this value will be added to the Deployment and Service that get deployed.">
          <TextField
            label="App name"
            name="name"
            value={f.name}
            onInput={(v) => set('name', v)}
            errors={errors.name}
            show={shown('name')}
            counter={APP_NAME_MAX}
            required
          />
        </Section>
        <Section help="Enter the URL of a public image on any registry, or a private image hosted on Docker Hub or Google Container Registry.">
          <TextField
            label="Container image"
            name="image"
            value={f.image}
            onInput={(v) => set('image', v)}
            errors={errors.image}
            show={shown('image')}
            placeholder="nginx:1.25"
            required
          />
        </Section>
        <Section help="A Deployment will be created to maintain the desired number of pods across your cluster.">
          <TextField
            label="Number of pods"
            name="replicas"
            value={f.replicas}
            onInput={(v) => set('replicas', v)}
            errors={errors.replicas}
            show={shown('replicas')}
            inputMode="numeric"
            required
          />
          {notes.replicas && <p class="notice warn">{notes.replicas}</p>}
        </Section>
        <Section
          help={
            <>
              Optionally, an internal or external Service can be defined to map an incoming Port to
              a target Port seen by the container.
              {appName(f.name) && f.serviceType !== 'none' && (
                <>
                  {' '}
                  The internal DNS name for this Service will be: <b>{appName(f.name)}</b>.
                </>
              )}
            </>
          }
        >
          <PortMappings f={f} set={set} errors={errors.ports} shown={shown} />
        </Section>
        <Section help="Namespaces let you partition resources into logically named groups.">
          <NamespaceField f={f} set={set} />
        </Section>

        <button type="button" class="link" onClick={() => setAdvanced(!advanced)}>
          {advanced ? 'Hide advanced options' : 'Show advanced options'}
        </button>
        {advanced && (
          <div class="advanced">
            <Section help="The description will be added as an annotation to the Deployment and displayed in the application's details.">
              <TextField
                label="Description"
                name="description"
                value={f.description}
                onInput={(v) => set('description', v)}
                multiline
              />
            </Section>
            <Section help="The specified labels will be applied to the created Deployment, Service (if any) and Pods. Common labels include release, environment, tier, partition and track.">
              <fieldset class="rows">
                <legend>Labels</legend>
                <datalist id="label-keys">
                  {SUGGESTED_LABEL_KEYS.map((k) => (
                    <option key={k} value={k} />
                  ))}
                </datalist>
                {labelRows.map((row, i) => {
                  const derived = i < 2;
                  const free = i - 2;
                  const e = errors.labels[i] ?? { key: [], value: [] };
                  const show = derived || shown(`label${free}`);
                  const update = (patch: Partial<typeof row>): void => {
                    const rows = f.labels.map((r, j) => (j === free ? { ...r, ...patch } : r));
                    set(
                      'labels',
                      withSpareRow(
                        rows,
                        (r) => Boolean(r.key && r.value),
                        () => ({ key: '', value: '' }),
                      ),
                    );
                    touch(`label${free}`);
                  };
                  return (
                    <div class="row" key={i}>
                      <div>
                        <input
                          aria-label={`Label ${i + 1} key`}
                          value={row.key}
                          readOnly={derived}
                          list="label-keys"
                          placeholder="key"
                          onInput={(ev) => update({ key: (ev.target as HTMLInputElement).value })}
                        />
                        <Errors messages={show ? e.key : []} />
                      </div>
                      <div>
                        <input
                          aria-label={`Label ${i + 1} value`}
                          value={row.value}
                          readOnly={derived}
                          placeholder={
                            derived ? `from the ${i === 0 ? 'app name' : 'image tag'}` : 'value'
                          }
                          onInput={(ev) => update({ value: (ev.target as HTMLInputElement).value })}
                        />
                        <Errors messages={show ? e.value : []} />
                      </div>
                      {!derived && free < f.labels.length - 1 && (
                        <button
                          type="button"
                          aria-label={`Remove label ${i + 1}`}
                          onClick={() =>
                            set(
                              'labels',
                              f.labels.filter((_, j) => j !== free),
                            )
                          }
                        >
                          ✕
                        </button>
                      )}
                    </div>
                  );
                })}
              </fieldset>
            </Section>
            <Section help="The specified image could require a pull secret credential if it is private. You may choose an existing secret or create a new one.">
              <PullSecretField f={f} set={set} />
            </Section>
            <Section help="You can specify minimum CPU and memory requirements for the container.">
              <div class="row">
                <TextField
                  label="CPU requirement (cores)"
                  name="cpu"
                  value={f.cpu}
                  onInput={(v) => set('cpu', v)}
                  errors={errors.cpu}
                  show={shown('cpu')}
                  inputMode="decimal"
                />
                <TextField
                  label="Memory requirement (MiB)"
                  name="memory"
                  value={f.memory}
                  onInput={(v) => set('memory', v)}
                  errors={errors.memory}
                  show={shown('memory')}
                  inputMode="decimal"
                />
              </div>
            </Section>
            <Section help="By default, your containers run the selected image's default entrypoint command. You can use the command options to override the default.">
              <TextField
                label="Run command"
                name="command"
                value={f.command}
                onInput={(v) => set('command', v)}
              />
              <TextField
                label="Run command arguments"
                name="args"
                value={f.args}
                onInput={(v) => set('args', v)}
              />
            </Section>
            <Section help="Processes in privileged containers are equivalent to processes running as root on the host.">
              <label class="check">
                <input
                  type="checkbox"
                  name="privileged"
                  checked={f.privileged}
                  onChange={(e) => set('privileged', (e.target as HTMLInputElement).checked)}
                />{' '}
                Run as privileged
              </label>
            </Section>
            <Section help="Environment variables available for use in the container. Values can reference other variables using $(VAR_NAME) syntax.">
              <EnvironmentVariables
                f={f}
                set={set}
                errors={errors.env}
                shown={shown}
                touch={touch}
              />
              {notes.unresolved.length > 0 && (
                <p class="notice warn">
                  Not defined here (kept as written unless the container defines them):{' '}
                  {notes.unresolved.map((v) => `$(${v})`).join(', ')}
                </p>
              )}
            </Section>
          </div>
        )}
        {submitted && hasErrors(errors) && (
          <p class="notice error" role="alert">
            Some fields need a change before the app can be deployed.
          </p>
        )}
        <div class="actions">
          <button type="submit" class="primary">
            Deploy
          </button>
          <button type="button" onClick={() => navigate('/')}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}

type Setter = <K extends keyof DeployForm>(k: K, v: DeployForm[K]) => void;

function PortMappings(p: {
  f: DeployForm;
  set: Setter;
  errors: ReturnType<typeof validateForm>['ports'];
  shown(field: string): boolean;
}) {
  const { f, set } = p;
  const update = (i: number, patch: Partial<DeployForm['ports'][number]>): void => {
    const rows = f.ports.map((r, j) => (j === i ? { ...r, ...patch } : r));
    set(
      'ports',
      withSpareRow(rows, (r) => Boolean(r.port.trim() && r.targetPort.trim()), emptyPort),
    );
  };
  return (
    <div>
      <div class="field">
        <label for="field-service">Service</label>
        <select
          id="field-service"
          name="service"
          value={f.serviceType}
          onChange={(e) => set('serviceType', (e.target as HTMLSelectElement).value as ServiceType)}
        >
          <option value="none">None</option>
          <option value="internal">Internal</option>
          <option value="external">External</option>
        </select>
      </div>
      {f.serviceType !== 'none' &&
        f.ports.map((row, i) => {
          const e = p.errors[i] ?? { port: [], targetPort: [], protocol: [] };
          const show = p.shown('ports');
          return (
            <div class="row" key={i}>
              <div>
                <input
                  aria-label={`Port ${i + 1}`}
                  placeholder="Port"
                  inputMode="numeric"
                  value={row.port}
                  onInput={(ev) => update(i, { port: (ev.target as HTMLInputElement).value })}
                />
                <Errors messages={show ? e.port : []} />
              </div>
              <div>
                <input
                  aria-label={`Target port ${i + 1}`}
                  placeholder="Target port"
                  inputMode="numeric"
                  value={row.targetPort}
                  onInput={(ev) => update(i, { targetPort: (ev.target as HTMLInputElement).value })}
                />
                <Errors messages={show ? e.targetPort : []} />
              </div>
              <div>
                <select
                  aria-label={`Protocol ${i + 1}`}
                  value={row.protocol}
                  onChange={(ev) => update(i, { protocol: (ev.target as HTMLSelectElement).value })}
                >
                  {PROTOCOLS.map((x) => (
                    <option key={x} value={x}>
                      {x}
                    </option>
                  ))}
                </select>
                <Errors messages={e.protocol} />
              </div>
              {i < f.ports.length - 1 && (
                <button
                  type="button"
                  aria-label={`Remove port ${i + 1}`}
                  onClick={() =>
                    set(
                      'ports',
                      f.ports.filter((_, j) => j !== i),
                    )
                  }
                >
                  ✕
                </button>
              )}
            </div>
          );
        })}
    </div>
  );
}

function EnvironmentVariables(p: {
  f: DeployForm;
  set: Setter;
  errors: string[][];
  shown(field: string): boolean;
  touch(field: string): void;
}) {
  const { f, set } = p;
  const update = (i: number, patch: Partial<DeployForm['env'][number]>): void => {
    const rows = f.env.map((r, j) => (j === i ? { ...r, ...patch } : r));
    set(
      'env',
      withSpareRow(
        rows,
        (r) => Boolean(r.name),
        () => ({ name: '', value: '' }),
      ),
    );
    p.touch(`env${i}`);
  };
  return (
    <fieldset class="rows">
      <legend>Environment variables</legend>
      {f.env.map((row, i) => (
        <div class="row" key={i}>
          <div>
            <input
              aria-label={`Variable ${i + 1} name`}
              placeholder="Name"
              value={row.name}
              onInput={(ev) => update(i, { name: (ev.target as HTMLInputElement).value })}
            />
            <Errors messages={p.shown(`env${i}`) ? (p.errors[i] ?? []) : []} />
          </div>
          <div>
            <input
              aria-label={`Variable ${i + 1} value`}
              placeholder="Value"
              value={row.value}
              onInput={(ev) => update(i, { value: (ev.target as HTMLInputElement).value })}
            />
          </div>
          {i < f.env.length - 1 && (
            <button
              type="button"
              aria-label={`Remove variable ${i + 1}`}
              onClick={() =>
                set(
                  'env',
                  f.env.filter((_, j) => j !== i),
                )
              }
            >
              ✕
            </button>
          )}
        </div>
      ))}
    </fieldset>
  );
}

/** The namespace select, with "Create a new namespace..." opening the create form inline. */
function NamespaceField({ f, set }: { f: DeployForm; set: Setter }) {
  const list = useList(RESOURCES.namespaces);
  const names = list.items.map((n) => n.metadata.name as string).sort();
  const options = names.includes(f.namespace) ? names : [f.namespace, ...names];
  const [creating, setCreating] = useState(false);
  const [failure, setFailure] = useState<string>();
  return (
    <div>
      <div class="field">
        <label for="field-namespace">Namespace *</label>
        <select
          id="field-namespace"
          name="namespace"
          value={creating ? NEW : f.namespace}
          onChange={(e) => {
            const v = (e.target as HTMLSelectElement).value;
            setFailure(undefined);
            if (v === NEW) setCreating(true);
            else {
              setCreating(false);
              set('namespace', v);
              set('imagePullSecret', '');
            }
          }}
        >
          {options.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
          <option value={NEW}>Create a new namespace...</option>
        </select>
      </div>
      {failure && (
        <p class="notice error" role="alert">
          Error creating namespace: {failure}
        </p>
      )}
      {creating && (
        <NamespaceCreateForm
          onCreated={(ns) => {
            setCreating(false);
            set('namespace', ns);
            set('imagePullSecret', '');
          }}
          onFailed={(message) => {
            // As the seed says: when creating fails, the first namespace is selected.
            setCreating(false);
            setFailure(message);
            if (names[0]) set('namespace', names[0]);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
    </div>
  );
}

/** The image pull secret select, with "Create a new secret..." opening its form inline. */
function PullSecretField({ f, set }: { f: DeployForm; set: Setter }) {
  const list = useList(RESOURCES.secrets, { namespace: f.namespace });
  const names = list.items.map((s) => s.metadata.name as string).sort();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [data, setData] = useState('');
  const [touched, setTouched] = useState(false);
  const [failure, setFailure] = useState<string>();
  const [busy, setBusy] = useState(false);
  const nameErrors = validateSecretName(name);
  const dataErrors = validateSecretData(data);
  const create = async (): Promise<void> => {
    setTouched(true);
    if (nameErrors.length || dataErrors.length) return;
    setBusy(true);
    try {
      const secret = name.trim();
      await api(resourcePath(RESOURCES.secrets, f.namespace), {
        method: 'POST',
        body: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: secret, namespace: f.namespace },
          type: 'kubernetes.io/dockercfg',
          data: { '.dockercfg': data.replace(/\s+/g, '') },
        },
      });
      set('imagePullSecret', secret);
      setFailure(undefined);
    } catch (e) {
      // As the seed says: when creating fails, no secret is selected.
      set('imagePullSecret', '');
      setFailure((e as Error).message);
    } finally {
      setBusy(false);
      setCreating(false);
      setName('');
      setData('');
      setTouched(false);
    }
  };
  const options =
    !f.imagePullSecret || names.includes(f.imagePullSecret) ? names : [f.imagePullSecret, ...names];
  return (
    <div>
      <div class="field">
        <label for="field-pull-secret">Image Pull Secret</label>
        <select
          id="field-pull-secret"
          name="imagePullSecret"
          value={creating ? NEW : f.imagePullSecret}
          onChange={(e) => {
            const v = (e.target as HTMLSelectElement).value;
            setFailure(undefined);
            if (v === NEW) setCreating(true);
            else {
              setCreating(false);
              set('imagePullSecret', v);
            }
          }}
        >
          <option value="">None</option>
          {options.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
          <option value={NEW}>Create a new secret...</option>
        </select>
      </div>
      {list.error?.forbidden && <p class="notice forbidden">You may not list secrets here.</p>}
      {failure && (
        <p class="notice error" role="alert">
          Error creating secret: {failure}
        </p>
      )}
      {creating && (
        <div class="inline-create" role="group" aria-label="Create a new image pull secret">
          <TextField
            label="Secret name"
            name="secret-name"
            value={name}
            onInput={(v) => (setName(v), setTouched(true))}
            errors={nameErrors}
            show={touched}
            counter={253}
            required
            hint={`A secret with the specified name will be added to the cluster in the namespace ${f.namespace}.`}
          />
          <TextField
            label="Image pull secret data"
            name="secret-data"
            value={data}
            onInput={(v) => (setData(v), setTouched(true))}
            errors={dataErrors}
            show={touched}
            multiline
            required
            hint="Specify the data for your secret to hold. The value is the Base64 encoded content of a .dockercfg file."
          />
          <div class="actions">
            <button type="button" class="primary" disabled={busy} onClick={() => void create()}>
              Create
            </button>
            <button type="button" onClick={() => setCreating(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

function Results({ results }: { results: { what: string; result: ApplyResult }[] }) {
  if (!results.length) return null;
  return (
    <ul class="apply-results" aria-label="Results">
      {results.map(({ what, result }) => (
        <li key={what} class={result.ok ? 'ok' : 'error'}>
          {what}: {result.message}
        </li>
      ))}
    </ul>
  );
}

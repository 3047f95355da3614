// Containers (regular, init and ephemeral): env, ports, volume mounts and what they share.

import type { FieldError } from '../../types.js';
import {
  duplicate,
  forbiddenField,
  invalidValue,
  isDNS1123Subdomain,
  isValidPortName,
  notSupported,
  required,
} from '../../validation/common.js';
import {
  PORT_MSG,
  configMapKey,
  dnsLabel,
  dnsSubdomain,
  inRange,
  localDescendingPath,
  qualifiedName,
  relaxedEnvVarName,
} from './fields.js';
import { has, obj, objs, str } from './json.js';
import type { Obj } from './json.js';
import { validateLifecycleAndProbes } from './probes.js';
import { validateResources } from './resources.js';
import { validateContainerSecurityContext } from './security.js';
import { RESOURCE_FIELDS } from './fields.js';
import { equalIgnoringZeroValues, isJsonObject } from '../../json.js';

const ENV_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const CONVERTIBLE_FIELDS = new Set([
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);

export function objectFieldSelector(fs: Obj, supported: string[], field: string): FieldError[] {
  if (!str(fs.apiVersion)) return [required(`${field}.apiVersion`)];
  const fieldPath = str(fs.fieldPath);
  if (!fieldPath) return [required(`${field}.fieldPath`)];
  const sub = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fieldPath);
  const base = sub ? (sub[1] ?? '') : fieldPath;
  if (!CONVERTIBLE_FIELDS.has(base))
    return [
      invalidValue(
        `${field}.fieldPath`,
        fieldPath,
        `error converting fieldPath: field label not supported: ${fieldPath}`,
      ),
    ];
  if (sub) {
    const key = sub[2] ?? '';
    return qualifiedName(base === 'metadata.annotations' ? key.toLowerCase() : key, field);
  }
  if (/\[.*\]$/.test(fieldPath)) return [invalidValue(field, base, 'does not support subscript')];
  return supported.includes(base)
    ? []
    : [notSupported(`${field}.fieldPath`, base, [...supported].sort())];
}

export function resourceFieldSelector(fs: Obj, field: string, volume: boolean): FieldError[] {
  const resource = str(fs.resource);
  if (volume && !str(fs.containerName)) return [required(`${field}.containerName`)];
  if (!resource) return [required(`${field}.resource`)];
  if (!RESOURCE_FIELDS.includes(resource) && !/^(requests|limits)\.hugepages-/.test(resource))
    return [notSupported(`${field}.resource`, resource, RESOURCE_FIELDS)];
  return [];
}

function keySelector(s: Obj, field: string): FieldError[] {
  const errs = dnsSubdomain(str(s.name), `${field}.name`);
  const key = str(s.key);
  if (!key) errs.push(required(`${field}.key`));
  else errs.push(...configMapKey(key, `${field}.key`));
  return errs;
}

function validateEnv(env: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(env).forEach((ev, i) => {
    const idx = `${field}[${i}]`;
    const name = str(ev.name);
    if (!name) errs.push(required(`${idx}.name`));
    else errs.push(...relaxedEnvVarName(name, `${idx}.name`));
    const from = obj(ev.valueFrom);
    if (!from) return;
    const vf = `${idx}.valueFrom`;
    let n = 0;
    if (isJsonObject(from.fieldRef)) {
      n++;
      errs.push(...objectFieldSelector(from.fieldRef, ENV_FIELDS, `${vf}.fieldRef`));
    }
    if (isJsonObject(from.resourceFieldRef)) {
      n++;
      errs.push(...resourceFieldSelector(from.resourceFieldRef, `${vf}.resourceFieldRef`, false));
    }
    if (isJsonObject(from.configMapKeyRef)) {
      n++;
      errs.push(...keySelector(from.configMapKeyRef, `${vf}.configMapKeyRef`));
    }
    if (isJsonObject(from.secretKeyRef)) {
      n++;
      errs.push(...keySelector(from.secretKeyRef, `${vf}.secretKeyRef`));
    }
    if (n === 0)
      errs.push(
        invalidValue(
          vf,
          '',
          'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
        ),
      );
    else if (str(ev.value))
      errs.push(invalidValue(vf, '', 'may not be specified when `value` is not empty'));
    else if (n > 1)
      errs.push(invalidValue(vf, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(envFrom).forEach((ev, i) => {
    const idx = `${field}[${i}]`;
    if (str(ev.prefix)) errs.push(...relaxedEnvVarName(str(ev.prefix), `${idx}.prefix`));
    let n = 0;
    for (const kind of ['configMapRef', 'secretRef']) {
      const ref = obj(ev[kind]);
      if (!ref) continue;
      n++;
      const name = str(ref.name);
      // Names are checked as prefixes, so a trailing '-' is allowed.
      if (!name) errs.push(required(`${idx}.${kind}.name`));
      else
        for (const m of isDNS1123Subdomain(name.replace(/-$/, 'a')))
          errs.push(invalidValue(`${idx}.${kind}.name`, name, m));
    }
    if (n === 0)
      errs.push(invalidValue(field, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1)
      errs.push(invalidValue(field, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validatePorts(ports: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objs(ports).forEach((port, i) => {
    const idx = `${field}[${i}]`;
    const name = str(port.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length) for (const m of msgs) errs.push(invalidValue(`${idx}.name`, name, m));
      else if (names.has(name)) errs.push(duplicate(`${idx}.name`, name));
      else names.add(name);
    }
    if (!port.containerPort) errs.push(required(`${idx}.containerPort`));
    else if (!inRange(port.containerPort, 1, 65535))
      errs.push(invalidValue(`${idx}.containerPort`, port.containerPort, PORT_MSG));
    if (port.hostPort && !inRange(port.hostPort, 1, 65535))
      errs.push(invalidValue(`${idx}.hostPort`, port.hostPort, PORT_MSG));
    const protocol = str(port.protocol);
    if (!protocol) errs.push(required(`${idx}.protocol`));
    else if (!['SCTP', 'TCP', 'UDP'].includes(protocol))
      errs.push(notSupported(`${idx}.protocol`, protocol, ['SCTP', 'TCP', 'UDP']));
  });
  return errs;
}

function validateVolumeMounts(c: Obj, vols: Map<string, Obj>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  const devices = new Map(objs(c.volumeDevices).map((d) => [str(d.name), str(d.devicePath)]));
  const privileged = obj(c.securityContext)?.privileged === true;
  objs(c.volumeMounts).forEach((m, i) => {
    const idx = `${field}[${i}]`;
    const name = str(m.name);
    const mountPath = str(m.mountPath);
    if (!name) errs.push(required(`${idx}.name`));
    if (!vols.has(name))
      errs.push({ type: 'FieldValueNotFound', field: `${idx}.name`, badValue: name });
    if (!mountPath) errs.push(required(`${idx}.mountPath`));
    if (mountPoints.has(mountPath))
      errs.push(invalidValue(`${idx}.mountPath`, mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    if (devices.has(name))
      errs.push(invalidValue(`${idx}.name`, name, 'must not already exist in volumeDevices'));
    if ([...devices.values()].includes(mountPath))
      errs.push(
        invalidValue(
          `${idx}.mountPath`,
          mountPath,
          'must not already exist as a path in volumeDevices',
        ),
      );
    const subPath = str(m.subPath);
    const subPathExpr = str(m.subPathExpr);
    if (vols.get(name)?.image) {
      if (subPath)
        errs.push(invalidValue(`${idx}.subPath`, subPath, 'not allowed in image volume sources'));
      if (subPathExpr)
        errs.push(
          invalidValue(`${idx}.subPathExpr`, subPathExpr, 'not allowed in image volume sources'),
        );
    }
    // kube-apiserver reports these two under the list's path, not the item's.
    if (subPath) errs.push(...localDescendingPath(subPath, `${field}.subPath`));
    if (subPathExpr) {
      if (subPath)
        errs.push(
          invalidValue(
            `${idx}.subPathExpr`,
            subPathExpr,
            'subPathExpr and subPath are mutually exclusive',
          ),
        );
      errs.push(...localDescendingPath(subPathExpr, `${field}.subPathExpr`));
    }
    if (typeof m.mountPropagation === 'string') {
      const prop = m.mountPropagation;
      const supported = ['Bidirectional', 'HostToContainer', 'None'];
      if (!supported.includes(prop))
        errs.push(notSupported(`${field}.mountPropagation`, prop, supported));
      if (prop === 'Bidirectional' && !privileged)
        errs.push(
          forbiddenField(
            `${field}.mountPropagation`,
            'Bidirectional mount propagation is available only to privileged containers',
          ),
        );
    }
    if (typeof m.recursiveReadOnly === 'string') {
      const rro = m.recursiveReadOnly;
      const p = `${field}.recursiveReadOnly`;
      if (rro === 'Enabled' || rro === 'IfPossible') {
        if (m.readOnly !== true)
          errs.push(forbiddenField(p, 'may only be specified when readOnly is true'));
        if (m.mountPropagation && m.mountPropagation !== 'None')
          errs.push(
            forbiddenField(
              p,
              'may only be specified when mountPropagation is None or not specified',
            ),
          );
      } else if (rro !== 'Disabled')
        errs.push(notSupported(p, rro, ['Disabled', 'Enabled', 'IfPossible']));
    }
  });
  return errs;
}

/** validateContainerCommon: what regular, init and ephemeral containers share. */
function validateContainerCommon(c: Obj, vols: Map<string, Obj>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(c.name);
  if (!name) errs.push(required(`${field}.name`));
  else errs.push(...dnsLabel(name, `${field}.name`));
  if (!str(c.image)) errs.push(required(`${field}.image`));
  const tmp = str(c.terminationMessagePolicy);
  if (!tmp) errs.push(required(`${field}.terminationMessagePolicy`));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError')
    errs.push(
      notSupported(`${field}.terminationMessagePolicy`, tmp, ['File', 'FallbackToLogsOnError']),
    );
  errs.push(...validatePorts(c.ports, `${field}.ports`));
  errs.push(...validateEnv(c.env, `${field}.env`));
  errs.push(...validateEnvFrom(c.envFrom, `${field}.envFrom`));
  errs.push(...validateVolumeMounts(c, vols, `${field}.volumeMounts`));
  const pull = str(c.imagePullPolicy);
  if (!pull) errs.push(required(`${field}.imagePullPolicy`));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(pull))
    errs.push(notSupported(`${field}.imagePullPolicy`, pull, ['Always', 'IfNotPresent', 'Never']));
  errs.push(...validateResources(c.resources, `${field}.resources`));
  errs.push(...validateContainerSecurityContext(c.securityContext, `${field}.securityContext`));
  return errs;
}

/** AccumulateUniqueHostPorts over the given containers. */
function hostPortConflicts(containers: Obj[], field: string, offset = 0): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    objs(c.ports).forEach((p, pi) => {
      if (!p.hostPort) return;
      const key = `${str(p.protocol)}/${str(p.hostIP)}/${String(p.hostPort)}`;
      if (seen.has(key))
        errs.push(duplicate(`${field}[${ci + offset}].ports[${pi}].hostPort`, key));
      else seen.add(key);
    });
  });
  return errs;
}

export function validateContainers(
  containers: Obj[],
  vols: Map<string, Obj>,
  grace: number | undefined,
  field: string,
): FieldError[] {
  if (containers.length === 0) return [required(field)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const p = `${field}[${i}]`;
    errs.push(...validateContainerCommon(c, vols, p));
    const name = str(c.name);
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
    else names.add(name);
    errs.push(...validateLifecycleAndProbes(c, grace, p));
    if (has(c, 'restartPolicy'))
      errs.push(forbiddenField(`${p}.restartPolicy`, 'may not be set for non-init containers'));
  });
  errs.push(...hostPortConflicts(containers, field));
  return errs;
}

const INIT_FORBIDDEN = 'may not be set for init containers without restartPolicy=Always';

export function validateInitContainers(
  inits: Obj[],
  regular: Obj[],
  vols: Map<string, Obj>,
  grace: number | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(regular.map((c) => str(c.name)));
  inits.forEach((c, i) => {
    const p = `${field}[${i}]`;
    errs.push(...validateContainerCommon(c, vols, p));
    const restartAlways = c.restartPolicy === 'Always';
    if (has(c, 'restartPolicy') && !restartAlways)
      errs.push(notSupported(`${p}.restartPolicy`, c.restartPolicy, ['Always']));
    const name = str(c.name);
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
    else if (name) names.add(name);
    errs.push(...hostPortConflicts([c], field, i));
    if (restartAlways) errs.push(...validateLifecycleAndProbes(c, grace, p));
    else
      for (const k of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'])
        if (has(c, k)) errs.push(forbiddenField(`${p}.${k}`, INIT_FORBIDDEN));
  });
  return errs;
}

const EPHEMERAL_FORBIDDEN = [
  'ports',
  'resources',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'resizePolicy',
  'restartPolicy',
];

export function validateEphemeralContainers(
  eph: Obj[],
  spec: Obj,
  vols: Map<string, Obj>,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const others = new Set(
    [...objs(spec.containers), ...objs(spec.initContainers)].map((c) => str(c.name)),
  );
  const names = new Set(others);
  eph.forEach((c, i) => {
    const p = `${field}[${i}]`;
    errs.push(...validateContainerCommon(c, vols, p), ...imageWhitespace(c, p));
    const name = str(c.name);
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
    else names.add(name);
    const target = str(c.targetContainerName);
    if (target && !others.has(target))
      errs.push({
        type: 'FieldValueNotFound',
        field: `${p}.targetContainerName`,
        badValue: target,
      });
    for (const k of EPHEMERAL_FORBIDDEN) {
      const v = c[k];
      // `resources: {}` is what the defaulter writes: it counts as unset.
      if (has(c, k) && !(k === 'resources' && equalIgnoringZeroValues(v, {})))
        errs.push(forbiddenField(`${p}.${k}`, 'cannot be set for an Ephemeral Container'));
    }
    objs(c.volumeMounts).forEach((m, j) => {
      for (const k of ['subPath', 'subPathExpr'])
        if (str(m[k]))
          errs.push(
            forbiddenField(
              `${p}.volumeMounts[${j}].${k}`,
              'cannot be set for an Ephemeral Container',
            ),
          );
    });
  });
  return errs;
}

/** validateContainerOnlyForPod: a Pod's images may not carry surrounding whitespace. */
export function imageWhitespace(c: Obj, field: string): FieldError[] {
  const image = str(c.image);
  return image.length !== image.trim().length
    ? [invalidValue(`${field}.image`, image, 'must not have leading or trailing whitespace')]
    : [];
}

// ValidatePodSpec and ValidatePodTemplateSpec, with the field paths and messages of kube-apiserver.

import type { FieldError } from '../../types.js';
import {
  duplicate,
  forbiddenField,
  invalidValue,
  notSupported,
  required,
  validateAnnotations,
  validateLabels,
} from '../../validation/common.js';
import { matchesLabels } from '../../labels.js';
import type { LabelSelector } from '../../labels.js';
import {
  validateContainers,
  validateEphemeralContainers,
  validateInitContainers,
} from './containers.js';
import { MAX_INT32, dnsLabel, dnsSubdomain, inRange, ipAddress, qualifiedName } from './fields.js';
import { arr, int, obj, objs, str, strMap } from './json.js';
import type { Obj } from './json.js';
import { validateResources } from './resources.js';
import { validateDNSConfig, validateTolerations } from './scheduling.js';
import { validatePodSecurityContext } from './security.js';
import { validateVolumes } from './volumes.js';
import { isJsonObject } from '../../json.js';

export interface PodSpecContext {
  /** The spec belongs to a Pod (not a template): stricter hostNetwork ports, image volumes. */
  isPod: boolean;
}

/** ValidatePodSpec, with the field paths and messages of kube-apiserver. */
export function validatePodSpec(spec: Obj, field: string, ctx: PodSpecContext): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof spec.terminationGracePeriodSeconds !== 'number')
    errs.push(required(`${field}.terminationGracePeriodSeconds`));
  const grace =
    typeof spec.terminationGracePeriodSeconds === 'number'
      ? spec.terminationGracePeriodSeconds
      : undefined;
  const { vols, errs: volErrs } = validateVolumes(
    objs(spec.volumes),
    `${field}.volumes`,
    ctx.isPod,
  );
  errs.push(...volErrs);
  const containers = objs(spec.containers);
  errs.push(...validateContainers(containers, vols, grace, `${field}.containers`));
  errs.push(
    ...validateInitContainers(
      objs(spec.initContainers),
      containers,
      vols,
      grace,
      `${field}.initContainers`,
    ),
  );
  errs.push(
    ...validateEphemeralContainers(
      objs(spec.ephemeralContainers),
      spec,
      vols,
      `${field}.ephemeralContainers`,
    ),
  );
  if (spec.hostNetwork === true) {
    containers.forEach((c, i) => {
      objs(c.ports).forEach((p, j) => {
        const hp = int(p.hostPort);
        if ((ctx.isPod || hp !== 0) && hp !== int(p.containerPort))
          errs.push(
            invalidValue(
              `${field}.containers[${i}].ports[${j}].hostPort`,
              hp,
              'must match `containerPort` when `hostNetwork` is true',
            ),
          );
      });
    });
  }
  const restart = str(spec.restartPolicy);
  if (!restart) errs.push(required(`${field}.restartPolicy`));
  else if (!['Always', 'OnFailure', 'Never'].includes(restart))
    errs.push(notSupported(`${field}.restartPolicy`, restart, ['Always', 'OnFailure', 'Never']));
  const dns = str(spec.dnsPolicy);
  const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  if (!dns) errs.push(required(`${field}.dnsPolicy`));
  else if (!dnsPolicies.includes(dns))
    errs.push(notSupported(`${field}.dnsPolicy`, dns, dnsPolicies));
  errs.push(...validateLabels(spec.nodeSelector, `${field}.nodeSelector`));
  errs.push(...validatePodSecurityContext(spec, `${field}.securityContext`));
  arr(spec.imagePullSecrets).forEach((s, i) => {
    const o = obj(s) ?? {};
    if (Object.keys(o).some((k) => k !== 'name'))
      errs.push(invalidValue(`${field}.imagePullSecrets[${i}]`, o, 'only name may be set'));
  });
  errs.push(...validateDNSConfig(spec, `${field}.dnsConfig`));
  objs(spec.readinessGates).forEach((g, i) =>
    errs.push(
      ...qualifiedName(str(g.conditionType), `${field}.readinessGates[${i}].conditionType`),
    ),
  );
  const gates = new Set<string>();
  objs(spec.schedulingGates).forEach((g, i) => {
    const name = str(g.name);
    errs.push(...qualifiedName(name, `${field}.schedulingGates[${i}]`));
    if (gates.has(name)) errs.push(duplicate(`${field}.schedulingGates[${i}]`, name));
    gates.add(name);
  });
  if (str(spec.serviceAccountName))
    errs.push(...dnsSubdomain(str(spec.serviceAccountName), `${field}.serviceAccountName`));
  if (str(spec.nodeName)) errs.push(...dnsSubdomain(str(spec.nodeName), `${field}.nodeName`));
  if (
    spec.activeDeadlineSeconds !== undefined &&
    spec.activeDeadlineSeconds !== null &&
    !inRange(spec.activeDeadlineSeconds, 1, MAX_INT32)
  )
    errs.push(
      invalidValue(
        `${field}.activeDeadlineSeconds`,
        spec.activeDeadlineSeconds,
        `must be between 1 and ${MAX_INT32}, inclusive`,
      ),
    );
  if (str(spec.hostname)) errs.push(...dnsLabel(str(spec.hostname), `${field}.hostname`));
  if (str(spec.subdomain)) errs.push(...dnsLabel(str(spec.subdomain), `${field}.subdomain`));
  errs.push(...validateTolerations(spec.tolerations, `${field}.tolerations`));
  objs(spec.hostAliases).forEach((a, i) => {
    errs.push(...ipAddress(`${field}.hostAliases[${i}].ip`, str(a.ip)));
    arr(a.hostnames).forEach((h, j) =>
      errs.push(...dnsSubdomain(str(h), `${field}.hostAliases[${i}].hostnames[${j}]`)),
    );
  });
  if (str(spec.priorityClassName))
    errs.push(...dnsSubdomain(str(spec.priorityClassName), `${field}.priorityClassName`));
  if (typeof spec.runtimeClassName === 'string')
    errs.push(...dnsSubdomain(spec.runtimeClassName, `${field}.runtimeClassName`));
  if (typeof spec.preemptionPolicy === 'string') {
    const pp = spec.preemptionPolicy;
    if (!pp) errs.push(required(`${field}.preemptionPolicy`));
    else if (!['PreemptLowerPriority', 'Never'].includes(pp))
      errs.push(notSupported(`${field}.preemptionPolicy`, pp, ['PreemptLowerPriority', 'Never']));
  }
  if (isJsonObject(spec.overhead))
    errs.push(...validateResources({ limits: spec.overhead }, `${field}.overhead`));
  const os = obj(spec.os);
  if (os && !['linux', 'windows'].includes(str(os.name)))
    errs.push(notSupported(`${field}.os.name`, str(os.name), ['linux', 'windows']));
  return errs;
}

/** ValidatePodTemplateSpec: labels and annotations (at the template's own path) and the spec. */
export function validatePodTemplateSpec(template: Obj, field: string): FieldError[] {
  const meta = obj(template.metadata) ?? {};
  const spec = obj(template.spec) ?? {};
  const errs = [
    ...validateLabels(meta.labels, `${field}.labels`),
    ...validateAnnotations(meta.annotations, `${field}.annotations`),
    ...validatePodSpec(spec, `${field}.spec`, { isPod: false }),
  ];
  if (arr(spec.ephemeralContainers).length)
    errs.push(
      forbiddenField(
        `${field}.spec.ephemeralContainers`,
        'ephemeral containers not allowed in pod template',
      ),
    );
  return errs;
}

/**
 * The template checks of the replicated controllers: the selector (null: none given) must match the template's
 * labels, pods must restart Always, and activeDeadlineSeconds is refused (`owner` names the
 * kind in that message, as kube-apiserver does).
 */
export function validateControllerTemplate(
  template: Obj,
  selector: LabelSelector | null,
  field: string,
  owner: 'ReplicaSet' | 'ReplicationController' | 'DaemonSet',
): FieldError[] {
  const errs: FieldError[] = [];
  const labels = strMap(obj(template.metadata)?.labels);
  // null is labels.Nothing() (no selector at all): non-empty, and it matches nothing.
  if (selector === null || (selector.length && !matchesLabels(selector, labels ?? {})))
    errs.push(
      invalidValue(
        `${field}.metadata.labels`,
        labels ?? null,
        '`selector` does not match template `labels`',
      ),
    );
  errs.push(...validatePodTemplateSpec(template, field));
  const spec = obj(template.spec) ?? {};
  if (spec.restartPolicy !== 'Always')
    errs.push(notSupported(`${field}.spec.restartPolicy`, str(spec.restartPolicy), ['Always']));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null)
    errs.push(
      forbiddenField(
        `${field}.spec.activeDeadlineSeconds`,
        `activeDeadlineSeconds in ${owner} is not Supported`,
      ),
    );
  return errs;
}

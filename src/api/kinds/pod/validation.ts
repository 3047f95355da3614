// ValidatePodCreate and ValidatePodUpdate, with kube-apiserver's field paths and messages.

import type { FieldError, KubeObject } from '../../types.js';
import {
  forbiddenField,
  invalidValue,
  required,
  validateObjectMeta,
} from '../../validation/common.js';
import {
  arr,
  imageWhitespace,
  obj,
  objs,
  specOf,
  str,
  validatePodSpec,
  validateTolerations,
} from '../podspec/index.js';
import type { Obj } from '../podspec/index.js';
import { deepCopy, equalIgnoringZeroValues, isJsonObject } from '../../json.js';

/** validatePodMetadataAndSpec plus ValidatePodCreate's own checks. */
export function validatePod(pod: KubeObject): FieldError[] {
  const spec = specOf(pod);
  const errs = validateObjectMeta(pod, true);
  errs.push(...validatePodSpec(spec, 'spec', { isPod: true }));
  if (!str(spec.serviceAccountName)) {
    objs(spec.volumes).forEach((v, vi) => {
      objs(obj(v.projected)?.sources).forEach((s, si) => {
        if (isJsonObject(s.serviceAccountToken))
          errs.push(
            forbiddenField(
              `spec.volumes[${vi}].projected.sources[${si}].serviceAccountToken`,
              'must not be specified when serviceAccountName is not set',
            ),
          );
      });
    });
  }
  objs(spec.containers).forEach((c, i) =>
    errs.push(...imageWhitespace(c, `spec.containers[${i}]`)),
  );
  objs(spec.initContainers).forEach((c, i) =>
    errs.push(...imageWhitespace(c, `spec.initContainers[${i}]`)),
  );
  // Ephemeral containers only arrive through pods/ephemeralcontainers, which bumps the
  // generation: on a pod still at generation 1 they can only come from its create.
  if (arr(spec.ephemeralContainers).length > 0 && (pod.metadata.generation ?? 1) <= 1)
    errs.push(forbiddenField('spec.ephemeralContainers', 'cannot be set on create'));
  if (str(spec.nodeName) && arr(spec.schedulingGates).length > 0)
    errs.push(
      forbiddenField('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'),
    );
  return errs;
}

export const UPDATABLE_POD_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/** A short `-`/`+` listing of what differs, in place of Go's cmp.Diff. */
function specDiff(oldSpec: unknown, newSpec: unknown): string {
  const lines: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (lines.length >= 40 || equalIgnoringZeroValues(a, b)) return;
    if (isJsonObject(a) && isJsonObject(b)) {
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
        walk(a[k], b[k], path ? `${path}.${k}` : k);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((x, i) => walk(x, b[i], `${path}[${i}]`));
      return;
    }
    if (a !== undefined) lines.push(`- \t${path}: ${JSON.stringify(a)}`);
    if (b !== undefined) lines.push(`+ \t${path}: ${JSON.stringify(b)}`);
  };
  walk(oldSpec, newSpec, '');
  return ['  core.PodSpec{', ...lines, '  }'].join('\n');
}

function validateContainerUpdates(
  now: Obj[],
  before: Obj[],
  field: string,
): { errs: FieldError[]; stop: boolean } {
  if (now.length !== before.length)
    return {
      errs: [forbiddenField(field, 'pod updates may not add or remove containers')],
      stop: true,
    };
  const errs: FieldError[] = [];
  now.forEach((c, i) => {
    if (!str(c.image)) errs.push(required(`${field}[${i}].image`));
    errs.push(...imageWhitespace(c, `${field}[${i}]`));
  });
  return { errs, stop: false };
}

/** ValidatePodUpdate's update-only rules: which spec fields may change, and how. */
export function validatePodUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const spec = specOf(pod);
  const oldSpec = specOf(old);
  const errs: FieldError[] = [];
  for (const key of ['containers', 'initContainers']) {
    const r = validateContainerUpdates(objs(spec[key]), objs(oldSpec[key]), `spec.${key}`);
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  const ads = spec.activeDeadlineSeconds;
  const oldAds = oldSpec.activeDeadlineSeconds;
  if (typeof ads === 'number') {
    if (ads < 0 || ads > 2147483647) {
      errs.push(
        invalidValue(
          'spec.activeDeadlineSeconds',
          ads,
          'must be between 0 and 2147483647, inclusive',
        ),
      );
      return errs;
    }
    if (typeof oldAds === 'number' && oldAds < ads) {
      errs.push(
        invalidValue(
          'spec.activeDeadlineSeconds',
          ads,
          'must be less than or equal to previous value',
        ),
      );
      return errs;
    }
  } else if (typeof oldAds === 'number') {
    errs.push(
      invalidValue(
        'spec.activeDeadlineSeconds',
        null,
        'must not update from a positive integer to nil value',
      ),
    );
  }
  const tolerations = objs(spec.tolerations);
  for (const t of objs(oldSpec.tolerations)) {
    const { tolerationSeconds: _s, ...rest } = t;
    if (
      !tolerations.some((n) =>
        equalIgnoringZeroValues({ ...n, tolerationSeconds: undefined }, rest),
      )
    ) {
      errs.push(
        forbiddenField(
          'spec.tolerations',
          'existing toleration can not be modified except its tolerationSeconds',
        ),
      );
      break;
    }
  }
  errs.push(...validateTolerations(spec.tolerations, 'spec.tolerations'));
  const oldGates = new Set(objs(oldSpec.schedulingGates).map((g) => str(g.name)));
  objs(spec.schedulingGates).forEach((g, i) => {
    const name = str(g.name);
    if (!oldGates.has(name))
      errs.push(
        forbiddenField(
          `spec.schedulingGates[${i}].name`,
          `only deletion is allowed, but found new scheduling gate '${name}'`,
        ),
      );
  });
  if (equalIgnoringZeroValues(spec, oldSpec)) return errs;
  const munged = deepCopy(spec);
  for (const key of ['containers', 'initContainers']) {
    const olds = objs(oldSpec[key]);
    objs(munged[key]).forEach((c, i) => {
      c.image = olds[i]?.image;
    });
  }
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.schedulingGates = oldSpec.schedulingGates;
  munged.tolerations = oldSpec.tolerations;
  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldGrace === 'number' && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1)
    munged.terminationGracePeriodSeconds = oldGrace;
  // A pod still gated may gain nodeSelector entries.
  if (oldGates.size > 0) {
    const oldSel = obj(oldSpec.nodeSelector) ?? {};
    const newSel = obj(munged.nodeSelector) ?? {};
    if (Object.entries(oldSel).every(([k, v]) => newSel[k] === v))
      munged.nodeSelector = oldSpec.nodeSelector;
  }
  if (!equalIgnoringZeroValues(munged, oldSpec)) {
    errs.push(
      forbiddenField(
        'spec',
        `pod updates may not change fields other than ${UPDATABLE_POD_FIELDS.join(',')}\n${specDiff(oldSpec, munged)}`,
      ),
    );
  }
  return errs;
}

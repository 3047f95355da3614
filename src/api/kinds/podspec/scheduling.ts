// Where and how the pod runs among others: DNS config and tolerations.

import type { FieldError } from '../../types.js';
import {
  invalidValue,
  isDNS1123Subdomain,
  isValidLabelValue,
  notSupported,
  required,
} from '../../validation/common.js';
import { ipAddress, qualifiedName } from './fields.js';
import { arr, obj, objs, str } from './json.js';
import type { Obj } from './json.js';

export function validateDNSConfig(spec: Obj, field: string): FieldError[] {
  const cfg = obj(spec.dnsConfig);
  if (spec.dnsPolicy === 'None') {
    if (!cfg) return [required(field, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (arr(cfg.nameservers).length === 0)
      return [
        required(
          `${field}.nameservers`,
          'must provide at least one DNS nameserver when `dnsPolicy` is None',
        ),
      ];
  }
  if (!cfg) return [];
  const errs: FieldError[] = [];
  const nameservers = arr(cfg.nameservers).map(str);
  if (nameservers.length > 3)
    errs.push(
      invalidValue(`${field}.nameservers`, nameservers, 'must not have more than 3 nameservers'),
    );
  nameservers.forEach((ns, i) => errs.push(...ipAddress(`${field}.nameservers[${i}]`, ns)));
  const searches = arr(cfg.searches).map(str);
  if (searches.length > 32)
    errs.push(
      invalidValue(`${field}.searches`, searches, 'must not have more than 32 search paths'),
    );
  if (searches.join(' ').length > 2048)
    errs.push(
      invalidValue(
        `${field}.searches`,
        searches,
        'must not have more than 2048 characters (including spaces) in the search list',
      ),
    );
  searches.forEach((s, i) => {
    if (s === '.') return;
    // RelaxedDNSSearchValidation: underscores are allowed.
    const v = s.replace(/\.$/, '');
    if (
      !/^[a-z0-9_]([-a-z0-9_]*[a-z0-9_])?(\.[a-z0-9_]([-a-z0-9_]*[a-z0-9_])?)*$/.test(v) ||
      v.length > 253
    )
      for (const m of isDNS1123Subdomain(v.replace(/_/g, 'a')))
        errs.push(invalidValue(`${field}.searches[${i}]`, v, m));
  });
  objs(cfg.options).forEach((o, i) => {
    if (!str(o.name)) errs.push(required(`${field}.options[${i}]`, 'must not be empty'));
  });
  return errs;
}

export function validateTolerations(tolerations: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(tolerations).forEach((t, i) => {
    const p = `${field}[${i}]`;
    const key = str(t.key);
    const operator = str(t.operator);
    const effect = str(t.effect);
    if (key) errs.push(...qualifiedName(key, `${p}.key`));
    if (!key && operator !== 'Exists')
      errs.push(
        invalidValue(
          `${p}.operator`,
          operator,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && effect !== 'NoExecute')
      errs.push(
        invalidValue(
          `${p}.effect`,
          effect,
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      );
    if (operator === 'Equal' || operator === '') {
      const msgs = isValidLabelValue(str(t.value));
      if (msgs.length) errs.push(invalidValue(`${p}.operator`, str(t.value), msgs.join(';')));
    } else if (operator === 'Exists') {
      if (str(t.value))
        errs.push(
          invalidValue(
            `${p}.operator`,
            str(t.value),
            "value must be empty when `operator` is 'Exists'",
          ),
        );
    } else errs.push(notSupported(`${p}.operator`, operator, ['Equal', 'Exists']));
    if (effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect))
      errs.push(
        notSupported(`${p}.effect`, effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
      );
  });
  return errs;
}

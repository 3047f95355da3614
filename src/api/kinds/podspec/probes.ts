// Lifecycle hooks and probes: their handlers (exec, httpGet, tcpSocket, grpc, sleep) and timings.

import type { FieldError } from '../../types.js';
import { forbiddenField, invalidValue, notSupported, required } from '../../validation/common.js';
import { nonNegative, portNumOrName } from './fields.js';
import { arr, int, obj, str } from './json.js';
import type { Obj } from './json.js';

function validateHandler(
  h: Obj,
  grace: number | undefined,
  field: string,
  sleepAllowed: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  const kinds = sleepAllowed
    ? ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep']
    : ['exec', 'httpGet', 'tcpSocket', 'grpc'];
  for (const kind of kinds) {
    const a = obj(h[kind]);
    if (!a) continue;
    const p = `${field}.${kind}`;
    if (n > 0) {
      errs.push(forbiddenField(p, 'may not specify more than 1 handler type'));
      continue;
    }
    n++;
    if (kind === 'exec' && arr(a.command).length === 0) errs.push(required(`${p}.command`));
    if (kind === 'httpGet') {
      if (!str(a.path)) errs.push(required(`${p}.path`));
      errs.push(...portNumOrName(a.port, `${p}.port`));
      if (!['HTTP', 'HTTPS'].includes(str(a.scheme)))
        errs.push(notSupported(`${p}.scheme`, str(a.scheme), ['HTTP', 'HTTPS']));
    }
    if (kind === 'tcpSocket') errs.push(...portNumOrName(a.port, `${p}.port`));
    if (kind === 'grpc') errs.push(...portNumOrName(int(a.port), `${p}.port`));
    if (kind === 'sleep' && grace !== undefined) {
      const secs = int(a.seconds);
      if (secs < 0 || secs > grace)
        errs.push(
          invalidValue(
            p,
            secs,
            `must be non-negative and less than terminationGracePeriodSeconds (${grace})`,
          ),
        );
    }
  }
  if (n === 0) errs.push(required(field, 'must specify a handler type'));
  return errs;
}

function validateProbe(
  probe: unknown,
  grace: number | undefined,
  field: string,
  kind: 'liveness' | 'readiness' | 'startup',
): FieldError[] {
  const p = obj(probe);
  if (!p) return [];
  const errs = validateHandler(p, grace, field, false);
  for (const k of [
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
  ])
    errs.push(...nonNegative(p[k], `${field}.${k}`));
  const tgps = p.terminationGracePeriodSeconds;
  if (typeof tgps === 'number' && tgps <= 0)
    errs.push(
      invalidValue(`${field}.terminationGracePeriodSeconds`, tgps, 'must be greater than 0'),
    );
  if (kind !== 'readiness' && int(p.successThreshold) !== 1)
    errs.push(invalidValue(`${field}.successThreshold`, int(p.successThreshold), 'must be 1'));
  if (kind === 'readiness' && tgps !== undefined && tgps !== null)
    errs.push(
      invalidValue(
        `${field}.terminationGracePeriodSeconds`,
        tgps,
        'must not be set for readinessProbes',
      ),
    );
  return errs;
}

export function validateLifecycleAndProbes(
  c: Obj,
  grace: number | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const lc = obj(c.lifecycle);
  if (lc) {
    for (const hook of ['postStart', 'preStop']) {
      const h = obj(lc[hook]);
      if (h) errs.push(...validateHandler(h, grace, `${field}.lifecycle.${hook}`, true));
    }
  }
  errs.push(...validateProbe(c.livenessProbe, grace, `${field}.livenessProbe`, 'liveness'));
  errs.push(...validateProbe(c.readinessProbe, grace, `${field}.readinessProbe`, 'readiness'));
  errs.push(...validateProbe(c.startupProbe, grace, `${field}.startupProbe`, 'startup'));
  return errs;
}

// Events: core/v1 Event and events.k8s.io/v1 Event. kube-apiserver keeps both in one store
// (the events.k8s.io definition names the core one in `storageOf`); the converters below map
// between the two shapes. Validation follows pkg/apis/core/validation/events.go: the legacy
// rules for core/v1 writes, the strict ones for events.k8s.io/v1 writes.

import type { FieldError, KubeObject, ResourceDef } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import {
  immutable,
  invalidValue,
  isDNS1123Subdomain,
  isQualifiedName,
  required,
  validateObjectMeta,
} from '../validation/common.js';
import { NAME_COLUMN, age } from '../printing.js';
import { asNum, asObj, asStr, column, isPathSegmentName, type Obj } from './kindutil.js';
import { equalIgnoringEmpty } from '../json.js';

const LIMIT_REPORTING_INSTANCE = 128;
const LIMIT_ACTION = 128;
const LIMIT_REASON = 128;
const LIMIT_NOTE = 1024;

const set = (o: Obj, k: string, v: unknown): void => {
  if (v !== undefined && v !== null && v !== '') o[k] = v;
};

/** events.k8s.io/v1 → core/v1 shape (as the internal conversion does). */
export function eventsV1ToCore(obj: KubeObject): KubeObject {
  const src = obj as Obj;
  const out: Obj = { apiVersion: 'v1', kind: 'Event', metadata: structuredClone(obj.metadata) };
  out.involvedObject = structuredClone(asObj(src.regarding)) ?? {};
  set(out, 'reason', src.reason);
  set(out, 'message', src.note);
  const source = asObj(src.deprecatedSource);
  out.source = source ? structuredClone(source) : {};
  set(out, 'firstTimestamp', src.deprecatedFirstTimestamp);
  set(out, 'lastTimestamp', src.deprecatedLastTimestamp);
  set(out, 'count', src.deprecatedCount);
  set(out, 'type', src.type);
  set(out, 'eventTime', src.eventTime);
  set(out, 'series', structuredClone(src.series));
  set(out, 'action', src.action);
  set(out, 'related', structuredClone(src.related));
  set(out, 'reportingComponent', src.reportingController);
  set(out, 'reportingInstance', src.reportingInstance);
  return out as KubeObject;
}

/** core/v1 → events.k8s.io/v1 shape. */
export function coreToEventsV1(obj: KubeObject): KubeObject {
  const src = obj as Obj;
  const out: Obj = {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: structuredClone(obj.metadata),
  };
  out.eventTime = src.eventTime ?? null;
  set(out, 'series', structuredClone(src.series));
  set(out, 'reportingController', src.reportingComponent);
  set(out, 'reportingInstance', src.reportingInstance);
  set(out, 'action', src.action);
  set(out, 'reason', src.reason);
  set(out, 'regarding', structuredClone(src.involvedObject));
  set(out, 'related', structuredClone(src.related));
  set(out, 'note', src.message);
  set(out, 'type', src.type);
  const source = asObj(src.source);
  if (source && (source.component || source.host)) out.deprecatedSource = structuredClone(source);
  set(out, 'deprecatedFirstTimestamp', src.firstTimestamp);
  set(out, 'deprecatedLastTimestamp', src.lastTimestamp);
  if (asNum(src.count) !== 0) out.deprecatedCount = src.count;
  return out as KubeObject;
}

/** Either shape → core shape, so one set of rules serves both. */
const asCore = (obj: KubeObject): Obj =>
  (obj.apiVersion === 'events.k8s.io/v1' || 'regarding' in obj || 'note' in obj
    ? eventsV1ToCore(obj)
    : obj) as Obj;

/** legacyValidateEvent: every event, whichever API wrote it. */
function legacyValidate(obj: KubeObject): FieldError[] {
  const e = asCore(obj);
  const errs: FieldError[] = [];
  const ns = obj.metadata.namespace ?? '';
  const involved = asObj(e.involvedObject) ?? {};
  const involvedNs = asStr(involved.namespace);
  const mismatch = (): FieldError =>
    invalidValue('involvedObject.namespace', involvedNs, 'does not match event.namespace');
  if (!e.eventTime) {
    if (!involvedNs) {
      if (ns !== '' && ns !== 'default') errs.push(mismatch());
    } else if (ns !== involvedNs) errs.push(mismatch());
  } else {
    if (!involvedNs && ns !== 'default' && ns !== 'kube-system') errs.push(mismatch());
    const controller = asStr(e.reportingComponent);
    if (!controller) errs.push(required('reportingController'));
    for (const m of isQualifiedName(controller))
      errs.push(invalidValue('reportingController', controller, m));
    const instance = asStr(e.reportingInstance);
    if (!instance) errs.push(required('reportingInstance'));
    if (instance.length > LIMIT_REPORTING_INSTANCE)
      errs.push(
        invalidValue(
          'reportingInstance',
          '',
          `can have at most ${LIMIT_REPORTING_INSTANCE} characters`,
        ),
      );
    const action = asStr(e.action);
    if (!action) errs.push(required('action'));
    if (action.length > LIMIT_ACTION)
      errs.push(invalidValue('action', '', `can have at most ${LIMIT_ACTION} characters`));
    const reason = asStr(e.reason);
    if (!reason) errs.push(required('reason'));
    if (reason.length > LIMIT_REASON)
      errs.push(invalidValue('reason', '', `can have at most ${LIMIT_REASON} characters`));
    if (asStr(e.message).length > LIMIT_NOTE)
      errs.push(invalidValue('message', '', `can have at most ${LIMIT_NOTE} characters`));
  }
  for (const m of isDNS1123Subdomain(ns)) errs.push(invalidValue('namespace', ns, m));
  return errs;
}

function validateSeries(e: Obj): FieldError[] {
  const series = asObj(e.series);
  if (!series) return [];
  const errs: FieldError[] = [];
  if (asNum(series.count) < 2) errs.push(invalidValue('series.count', '', 'should be at least 2'));
  if (!series.lastObservedTime) errs.push(required('series.lastObservedTime'));
  return errs;
}

/** ValidateEventCreate for events.k8s.io/v1 writes. */
function strictValidate(obj: KubeObject): FieldError[] {
  const e = asCore(obj);
  const errs = [...legacyValidate(obj), ...validateObjectMeta(obj, true), ...validateSeries(e)];
  if (!e.eventTime) errs.push(required('eventTime'));
  const type = asStr(e.type);
  if (type !== 'Normal' && type !== 'Warning')
    errs.push(invalidValue('type', '', `has invalid value: ${type}`));
  if (e.firstTimestamp) errs.push(invalidValue('firstTimestamp', '', 'needs to be unset'));
  if (e.lastTimestamp) errs.push(invalidValue('lastTimestamp', '', 'needs to be unset'));
  if (asNum(e.count) !== 0) errs.push(invalidValue('count', '', 'needs to be unset'));
  const source = asObj(e.source) ?? {};
  if (source.component || source.host) errs.push(invalidValue('source', '', 'needs to be unset'));
  return errs;
}

const IMMUTABLE_FIELDS: [string, string][] = [
  ['involvedObject', 'involvedObject'],
  ['reason', 'reason'],
  ['message', 'message'],
  ['source', 'source'],
  ['firstTimestamp', 'firstTimestamp'],
  ['lastTimestamp', 'lastTimestamp'],
  ['count', 'count'],
  ['type', 'type'],
  ['eventTime', 'eventTime'],
  ['action', 'action'],
  ['related', 'related'],
  ['reportingComponent', 'reportingController'],
  ['reportingInstance', 'reportingInstance'],
];

function strictValidateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const e = asCore(obj);
  const o = asCore(old);
  const errs: FieldError[] = [];
  if (!equalIgnoringEmpty(e.series, o.series)) errs.push(...validateSeries(e));
  for (const [key, path] of IMMUTABLE_FIELDS)
    if (!equalIgnoringEmpty(e[key], o[key]))
      errs.push(...immutable(e[key] ?? null, o[key] ?? null, path));
  return errs;
}

/** The generic name check every stored object passes (ValidatePathSegmentName). */
function genericMeta(obj: KubeObject): FieldError[] {
  const m = obj.metadata;
  if (!m.name)
    return m.generateName ? [] : [required('metadata.name', 'name or generateName is required')];
  return isPathSegmentName(m.name).map((msg) => invalidValue('metadata.name', m.name, msg));
}

function selectable(obj: KubeObject): Record<string, string> {
  const e = asCore(obj);
  const inv = asObj(e.involvedObject) ?? {};
  const source = asStr(asObj(e.source)?.component) || asStr(e.reportingComponent);
  return {
    'involvedObject.kind': asStr(inv.kind),
    'involvedObject.namespace': asStr(inv.namespace),
    'involvedObject.name': asStr(inv.name),
    'involvedObject.uid': asStr(inv.uid),
    'involvedObject.apiVersion': asStr(inv.apiVersion),
    'involvedObject.resourceVersion': asStr(inv.resourceVersion),
    'involvedObject.fieldPath': asStr(inv.fieldPath),
    reason: asStr(e.reason),
    reportingComponent: asStr(e.reportingComponent),
    source,
    type: asStr(e.type),
  };
}

/** printEvent's cells (always the wide set, as the API server generates them). */
function row(obj: KubeObject, now: Date): unknown[] {
  const e = asCore(obj);
  let first = e.firstTimestamp ? age(asStr(e.firstTimestamp), now) : age(asStr(e.eventTime), now);
  if (!e.firstTimestamp && !e.eventTime) first = '<unknown>';
  let last = e.lastTimestamp ? age(asStr(e.lastTimestamp), now) : first;
  let count = asNum(e.count);
  const series = asObj(e.series);
  if (series) {
    last = series.lastObservedTime ? age(asStr(series.lastObservedTime), now) : '<unknown>';
    count = asNum(series.count);
  } else if (count === 0) {
    count = 1; // singleton events carry no count in the new API
  }
  const inv = asObj(e.involvedObject) ?? {};
  const kind = asStr(inv.kind).toLowerCase();
  const target = asStr(inv.name) ? `${kind}/${asStr(inv.name)}` : kind;
  const source = asObj(e.source) ?? {};
  const component = asStr(source.component) || asStr(e.reportingComponent);
  const host = asStr(source.host) || asStr(e.reportingInstance);
  return [
    last,
    asStr(e.type),
    asStr(e.reason),
    target,
    asStr(inv.fieldPath),
    host ? `${component}, ${host}` : component,
    asStr(e.message).trim(),
    first,
    count,
    obj.metadata.name ?? '',
  ];
}

const columns = [
  column('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
  column('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
  column(
    'Reason',
    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  ),
  column('Object', 'The object that this event is about.'),
  column(
    'Subobject',
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].',
    { priority: 1 },
  ),
  column(
    'Source',
    'The component reporting this event. Should be a short machine understandable string.',
    { priority: 1 },
  ),
  column('Message', 'A human-readable description of the status of this operation.'),
  column(
    'First Seen',
    'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
    { priority: 1 },
  ),
  column('Count', 'The number of times this event has occurred.', { priority: 1 }),
  { ...NAME_COLUMN, priority: 1 },
];

export const eventResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Event',
  listKind: 'EventList',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  verbs: [...STANDARD_VERBS],
  strategy: {
    validate: (obj) => [...legacyValidate(obj), ...genericMeta(obj)],
    selectableFields: selectable,
    columns,
    row,
  },
};

export const eventsV1Resource: ResourceDef = {
  storageConversion: { toStorage: eventsV1ToCore, fromStorage: coreToEventsV1 },
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  listKind: 'EventList',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  verbs: [...STANDARD_VERBS],
  storageOf: { group: '', plural: 'events' },
  strategy: {
    validate: (obj) => strictValidate(obj),
    validateUpdate: (obj, old) => strictValidateUpdate(obj, old),
    selectableFields: (obj) => {
      const f = selectable(obj);
      return {
        'regarding.kind': f['involvedObject.kind'] ?? '',
        'regarding.namespace': f['involvedObject.namespace'] ?? '',
        'regarding.name': f['involvedObject.name'] ?? '',
        'regarding.uid': f['involvedObject.uid'] ?? '',
        'regarding.apiVersion': f['involvedObject.apiVersion'] ?? '',
        'regarding.resourceVersion': f['involvedObject.resourceVersion'] ?? '',
        'regarding.fieldPath': f['involvedObject.fieldPath'] ?? '',
        reason: f.reason ?? '',
        reportingController: f.reportingComponent ?? '',
        type: f.type ?? '',
      };
    },
    columns,
    row,
  },
};

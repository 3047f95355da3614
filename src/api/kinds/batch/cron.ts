// Cron schedules as robfig/cron v3's ParseStandard reads them (what kube validates
// CronJob schedules with and its controller runs them by): five fields (minute, hour, day of
// month, month, day of week) with `*`, `?`, ranges, steps, lists and names, or a descriptor
// (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every <duration>),
// optionally after `TZ=`/`CRON_TZ=`. Errors carry the library's messages.

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DAYS_OF_MONTH: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: {
    jan: 1,
    feb: 2,
    mar: 3,
    apr: 4,
    may: 5,
    jun: 6,
    jul: 7,
    aug: 8,
    sep: 9,
    oct: 10,
    nov: 11,
    dec: 12,
  },
};
const DAYS_OF_WEEK: Bounds = {
  min: 0,
  max: 6,
  names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 },
};

/** A field's allowed values, and whether it was written as an unstepped `*` or `?`. */
interface Field {
  values: Set<number>;
  star: boolean;
}

/** A parsed schedule: fields in a time zone, or a fixed period (@every). */
export type CronSchedule =
  | {
      kind: 'spec';
      minute: Field;
      hour: Field;
      dom: Field;
      month: Field;
      dow: Field;
      /** IANA zone named by TZ=/CRON_TZ=, if any. */
      timeZone?: string;
    }
  | { kind: 'every'; seconds: number };

export class CronError extends Error {}

/** Go's strconv.Atoi on a uint field, with robfig's wording. */
function parseInt10(expr: string): number {
  if (!/^[+-]?[0-9]+$/.test(expr))
    throw new CronError(
      `failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`,
    );
  const n = Number(expr);
  if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 63)
    throw new CronError(
      `failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: value out of range`,
    );
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, b: Bounds): number {
  const named = b.names?.[expr.toLowerCase()];
  return named ?? parseInt10(expr);
}

/** getRange: `*`, `a`, `a-b`, each optionally `/step`. */
function parseRange(expr: string, b: Bounds, into: Field): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0] ?? '', b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1] ?? '', b);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseInt10(rangeAndStep[1] ?? '');
    if (single) end = b.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) throw new CronError(`too many slashes: ${expr}`);
  if (start < b.min)
    throw new CronError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end)
    throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.values.add(v);
  if (star) into.star = true;
}

function parseField(text: string, b: Bounds): Field {
  const f: Field = { values: new Set(), star: false };
  for (const expr of text.split(',').filter((e) => e !== '')) parseRange(expr, b, f);
  return f;
}

const all = (b: Bounds): Field => {
  const values = new Set<number>();
  for (let v = b.min; v <= b.max; v++) values.add(v);
  return { values, star: true };
};
const only = (...vs: number[]): Field => ({ values: new Set(vs), star: false });

/** time.ParseDuration, to whole seconds (what @every keeps); undefined when invalid. */
function parseGoDuration(s: string): number | undefined {
  const units: Record<string, number> = {
    ns: 1e-9,
    us: 1e-6,
    µs: 1e-6,
    μs: 1e-6,
    ms: 1e-3,
    s: 1,
    m: 60,
    h: 3600,
  };
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  const part = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest) {
    const m = part.exec(rest);
    if (!m || m[1] === '' || m[1] === '.') return undefined;
    total += Number(m[1]) * (units[m[2] ?? ''] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

function parseDescriptor(spec: string, timeZone: string | undefined): CronSchedule {
  const fixed = (
    minute: Field,
    hour: Field,
    dom: Field,
    month: Field,
    dow: Field,
  ): CronSchedule => ({
    kind: 'spec',
    minute,
    hour,
    dom,
    month,
    dow,
    ...(timeZone ? { timeZone } : {}),
  });
  switch (spec) {
    case '@yearly':
    case '@annually':
      return fixed(only(0), only(0), only(1), only(1), all(DAYS_OF_WEEK));
    case '@monthly':
      return fixed(only(0), only(0), only(1), all(MONTHS), all(DAYS_OF_WEEK));
    case '@weekly':
      return fixed(only(0), only(0), all(DAYS_OF_MONTH), all(MONTHS), only(0));
    case '@daily':
    case '@midnight':
      return fixed(only(0), only(0), all(DAYS_OF_MONTH), all(MONTHS), all(DAYS_OF_WEEK));
    case '@hourly':
      return fixed(only(0), all(HOURS), all(DAYS_OF_MONTH), all(MONTHS), all(DAYS_OF_WEEK));
  }
  const every = '@every ';
  if (spec.startsWith(every)) {
    const text = spec.slice(every.length);
    const seconds = parseGoDuration(text);
    if (seconds === undefined)
      throw new CronError(
        `failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(text)}`,
      );
    // Every(): at least a second, whole seconds.
    return { kind: 'every', seconds: Math.max(1, Math.floor(seconds)) };
  }
  throw new CronError(`unrecognized descriptor: ${spec}`);
}

/**
 * ParseStandard. `knownZone` says whether an IANA zone name exists (the TZ= prefix is
 * loaded as time.LoadLocation would).
 */
export function parseCron(input: string, knownZone: (zone: string) => boolean): CronSchedule {
  if (input.length === 0) throw new CronError('empty spec string');
  let spec = input;
  let timeZone: string | undefined;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    const eq = spec.indexOf('=');
    const zone = space < 0 ? spec.slice(eq + 1) : spec.slice(eq + 1, space);
    if (!knownZone(zone))
      throw new CronError(`provided bad location ${zone}: unknown time zone ${zone}`);
    timeZone = zone === 'UTC' || zone === '' ? 'UTC' : zone;
    spec = space < 0 ? '' : spec.slice(space).trim();
  }
  if (spec.startsWith('@')) return parseDescriptor(spec, timeZone);
  const fields = spec.split(/[ \t\n\v\f\r\u0085\u00a0]+/).filter((f) => f !== '');
  if (fields.length !== 5)
    throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  return {
    kind: 'spec',
    minute: parseField(minute, MINUTES),
    hour: parseField(hour, HOURS),
    dom: parseField(dom, DAYS_OF_MONTH),
    month: parseField(month, MONTHS),
    dow: parseField(dow, DAYS_OF_WEEK),
    ...(timeZone ? { timeZone } : {}),
  };
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The wall clock at `ms` in `zone` (undefined: the process's local zone). */
function wallClock(ms: number, zone: string | undefined): Wall {
  const key = zone ?? '';
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      ...(zone ? { timeZone: zone } : {}),
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(key, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(ms)) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: WEEKDAYS[parts.weekday ?? ''] ?? 0,
  };
}

const MINUTE_MS = 60_000;

/**
 * The first activation strictly after `after`, or undefined if none within five years (as
 * robfig's Next gives the zero time). `zone` is the CronJob's timeZone, or undefined for the
 * controller's local zone; a TZ= prefix in the schedule wins over it.
 */
export function nextAfter(s: CronSchedule, after: Date, zone?: string): Date | undefined {
  if (s.kind === 'every') {
    const ms = Math.floor(after.getTime() / 1000) * 1000 + s.seconds * 1000;
    return new Date(ms);
  }
  const tz = s.timeZone ?? zone;
  const dayMatches = (w: Wall): boolean => {
    const domMatch = s.dom.values.has(w.day);
    const dowMatch = s.dow.values.has(w.weekday);
    return s.dom.star || s.dow.star ? domMatch && dowMatch : domMatch || dowMatch;
  };
  let t = Math.floor(after.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const limit = after.getTime() + 5 * 366 * 24 * 60 * MINUTE_MS;
  while (t <= limit) {
    const w = wallClock(t, tz);
    if (!s.month.values.has(w.month) || !dayMatches(w)) {
      // To the next local midnight (an hour at a time around offset changes is still exact).
      t += ((23 - w.hour) * 60 + (60 - w.minute)) * MINUTE_MS;
      continue;
    }
    if (!s.hour.values.has(w.hour)) {
      t += (60 - w.minute) * MINUTE_MS;
      continue;
    }
    if (!s.minute.values.has(w.minute)) {
      t += MINUTE_MS;
      continue;
    }
    return new Date(t);
  }
  return undefined;
}

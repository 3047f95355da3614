// Resource quantities as apimachinery's resource.Quantity keeps them: exact (`n × 10^exp`
// in bigints, never floats), parsed from the JSON the API accepts, compared and added
// exactly, and written back in the canonical text kube-apiserver returns.

export const QUANTITY_FORMAT_MSG =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** An exact quantity: `n × 10^exp`, with the format its suffix asked for. */
export interface Quantity {
  n: bigint;
  exp: number;
  format: QuantityFormat;
}

const DEC_SUFFIX: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BIN_SUFFIX: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const QUANTITY_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/;

/** resource.ParseQuantity on a JSON value (strings, or plain numbers). */
export function parseQuantity(v: unknown): Quantity | undefined {
  const s =
    typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' ? v : '';
  const m = QUANTITY_RE.exec(s);
  if (!m) return undefined;
  const [, sign = '', whole = '', frac = '', suffix = ''] = m;
  if (whole === '' && frac === '') return undefined;
  let n = BigInt((whole || '0') + frac);
  if (sign === '-') n = -n;
  let exp = -frac.length;
  let format: QuantityFormat = 'DecimalSI';
  if (suffix in DEC_SUFFIX) exp += DEC_SUFFIX[suffix] ?? 0;
  else if (suffix in BIN_SUFFIX) {
    n *= 1024n ** BigInt(BIN_SUFFIX[suffix] ?? 0);
    format = 'BinarySI';
  } else if (/^[eE][+-]?[0-9]+$/.test(suffix)) {
    exp += Number(suffix.slice(1));
    format = 'DecimalExponent';
  } else return undefined;
  return { n, exp, format };
}

function align(a: Quantity, b: Quantity): [bigint, bigint] {
  const e = Math.min(a.exp, b.exp);
  return [a.n * 10n ** BigInt(a.exp - e), b.n * 10n ** BigInt(b.exp - e)];
}

/** Quantity.Cmp: -1, 0 or 1. */
export function compareQuantity(a: Quantity, b: Quantity): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Quantity.Add: the exact sum, in the format of the left operand. */
export function addQuantity(a: Quantity, b: Quantity): Quantity {
  const [x, y] = align(a, b);
  return { n: x + y, exp: Math.min(a.exp, b.exp), format: a.format };
}

export const ZERO: Quantity = { n: 0n, exp: 0, format: 'DecimalSI' };

/** `q × 10^scale` as an integer, rounded away from zero (Quantity.ScaledValue). */
function scaledValue(q: Quantity, scale: number): bigint {
  const exp = q.exp - scale;
  if (exp >= 0) return q.n * 10n ** BigInt(exp);
  const div = 10n ** BigInt(-exp);
  const neg = q.n < 0n;
  const abs = neg ? -q.n : q.n;
  let r = abs / div;
  if (r * div !== abs) r += 1n;
  return neg ? -r : r;
}

/** Quantity.Value: the integer value, rounded away from zero (bytes, pods). */
export const integerValue = (q: Quantity): bigint => scaledValue(q, 0);

/** Quantity.MilliValue: the value in thousandths, rounded away from zero (millicores). */
export const milliValue = (q: Quantity): bigint => scaledValue(q, -3);

/** Quantity.AsApproximateFloat64: for scores and display only, never for comparisons. */
export const approximateNumber = (q: Quantity): number => Number(q.n) * 10 ** q.exp;

/** Quantity.RoundUp(-3): at most milli precision, rounding away from zero. */
export function roundUpMilli(q: Quantity): Quantity {
  if (q.exp >= -3) return q;
  return { n: scaledValue(q, -3), exp: -3, format: q.format };
}

/** The canonical text kube-apiserver writes back (`0.5` → `500m`, `1024Mi` → `1Gi`). */
export function formatQuantity(q: Quantity): string {
  if (q.n === 0n) return '0';
  let n = q.n;
  let exp = q.exp;
  let format = q.format;
  if (format === 'BinarySI') {
    const integral = exp >= 0 || n % 10n ** BigInt(-exp) === 0n;
    const value = exp >= 0 ? n * 10n ** BigInt(exp) : n / 10n ** BigInt(-exp);
    const abs = value < 0n ? -value : value;
    if (!integral || abs < 1024n) format = 'DecimalSI';
    else {
      let v = value;
      let k = 0;
      while (k < 6 && v % 1024n === 0n) {
        v /= 1024n;
        k++;
      }
      return `${v}${['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'][k]}`;
    }
  }
  while (n % 10n === 0n) {
    n /= 10n;
    exp++;
  }
  const rem = ((exp % 3) + 3) % 3;
  n *= 10n ** BigInt(rem);
  exp -= rem;
  if (format === 'DecimalExponent') return exp === 0 ? `${n}` : `${n}e${exp}`;
  const suffix = Object.entries(DEC_SUFFIX).find(([, e]) => e === exp)?.[0];
  return suffix === undefined ? `${n}e${exp}` : `${n}${suffix}`;
}

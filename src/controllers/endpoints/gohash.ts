// Kubernetes orders endpoint ports and subsets by hashing a Go value printed with
// go-spew's `%#v` (pkg/util/hash.DeepHashObject). To publish lists in the same order as
// kube-controller-manager, the values are modelled here as the Go structs they are and
// printed the way spew prints them: `(type)value`, struct fields as `Name:(type)value`,
// pointers as `(*T)value` or `(*T)<nil>`, nil slices as `<nil>`, element types omitted.

import { createHash } from 'node:crypto';

export type GoValue =
  | { k: 'scalar'; type: string; v: string }
  | { k: 'ptr'; elem: string; v: GoValue | null }
  | { k: 'slice'; type: string; v: GoValue[] | null }
  | { k: 'struct'; type: string; fields: [string, GoValue][] };

export const goString = (v: string, type = 'string'): GoValue => ({ k: 'scalar', type, v });
export const goInt = (v: number, type = 'int32'): GoValue => ({ k: 'scalar', type, v: String(v) });
export const goPtr = (elem: string, v: GoValue | null): GoValue => ({ k: 'ptr', elem, v });
export const goSlice = (type: string, v: GoValue[] | null): GoValue => ({ k: 'slice', type, v });
export const goStruct = (type: string, fields: [string, GoValue][]): GoValue => ({
  k: 'struct',
  type,
  fields,
});

/** spew.ConfigState{DisableMethods, SortKeys, SpewKeys}.Sprintf("%#v", v). */
export function spewSharpV(value: GoValue): string {
  let out = '';
  // spew keeps one "skip the next type" flag across the whole walk; so do we.
  let ignoreNextType = false;
  const typeOf = (v: GoValue): string => (v.k === 'ptr' ? `*${v.elem}` : v.type);
  const format = (v: GoValue): void => {
    if (v.k === 'ptr') {
      if (v.v === null) {
        if (ignoreNextType) {
          out += '<nil>';
          return;
        }
        out += `(${typeOf(v)})<nil>`;
        return;
      }
      out += ignoreNextType ? '<*>' : `(*${typeOf(v.v)})`;
      ignoreNextType = true;
      format(v.v);
      return;
    }
    if (!ignoreNextType) out += `(${v.type})`;
    ignoreNextType = false;
    switch (v.k) {
      case 'scalar':
        out += v.v;
        return;
      case 'slice':
        if (v.v === null) {
          out += '<nil>';
          return;
        }
        out += '[';
        v.v.forEach((e, i) => {
          if (i > 0) out += ' ';
          ignoreNextType = true;
          format(e);
        });
        out += ']';
        return;
      case 'struct':
        out += '{';
        v.fields.forEach(([name, f], i) => {
          if (i > 0) out += ' ';
          out += `${name}:`;
          format(f);
        });
        out += '}';
        return;
    }
  };
  format(value);
  return out;
}

export const md5Hex = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

const FNV128_PRIME = (1n << 88n) + 0x13bn;
const FNV128_OFFSET = 0x6c62272e07bb014262b821756295c58dn;
const MASK128 = (1n << 128n) - 1n;

/** hash/fnv New128a over the UTF-8 bytes, as a 32-digit hex string. */
export function fnv128aHex(s: string): string {
  let h = FNV128_OFFSET;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= BigInt(b);
    h = (h * FNV128_PRIME) & MASK128;
  }
  return h.toString(16).padStart(32, '0');
}

// The pod-template-hash: FNV-32a over a rendering of the pod template (plus the collision
// count, when there is one), its decimal value re-spelled in the alphabet kube uses for
// generated names so it never forms words.
//
// kube renders the Go struct with go-spew before hashing; Skiff renders the template as
// canonical JSON (sorted keys, empty values dropped). The hash is stable for a template
// and changes with it, but the value differs from the one kube computes for the same
// template.

import { POD_TEMPLATE_HASH, type PodTemplate } from './types.js';
import { canonicalJson } from '../../api/json.js';

/** k8s.io/apimachinery/pkg/util/rand's alphabet: no vowels, no confusable characters. */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function fnv32a(bytes: Uint8Array, seed = FNV_OFFSET): number {
  let h = seed;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: every character mapped into SAFE_ALPHABET by its code. */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** Drops null, empty lists and empty maps: what Go's semantic equality treats as unset. */
export function computeHash(template: PodTemplate | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template ?? {})));
  if (collisionCount !== undefined) {
    // Eight bytes: the count as a little-endian uint32, then four zero bytes.
    const extra = new Uint8Array(8);
    new DataView(extra.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(extra, h);
  }
  return safeEncode(String(h));
}

/** Whether two pod templates are the same, ignoring the pod-template-hash label. */
export function equalIgnoreHash(a: PodTemplate | undefined, b: PodTemplate | undefined): boolean {
  const strip = (t: PodTemplate | undefined): unknown => {
    if (!t) return {};
    const labels = { ...(t.metadata?.labels ?? {}) };
    delete labels[POD_TEMPLATE_HASH];
    return { ...t, metadata: { ...(t.metadata ?? {}), labels } };
  };
  return canonicalJson(strip(a)) === canonicalJson(strip(b));
}

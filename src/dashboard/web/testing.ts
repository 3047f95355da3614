// What the web app's unit tests share (never imported by the app): a seeded generator for the
// generated cases, and a ConfigMap schema as the server's OpenAPI v3 document gives it.

import { KindSchema } from './editor/schema.js';

/** mulberry32: a small deterministic generator, so a failing case is replayed by its seed. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const configMapSchema = KindSchema.find(
  {
    components: {
      schemas: {
        ConfigMap: {
          type: 'object',
          properties: {
            apiVersion: { type: 'string' },
            kind: { type: 'string' },
            metadata: { type: 'object', properties: { name: { type: 'string' } } },
            data: { type: 'object', additionalProperties: { type: 'string' } },
            immutable: { type: 'boolean' },
          },
          'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'ConfigMap' }],
        },
      },
    },
  },
  'v1',
  'ConfigMap',
)!;

// The `continue` token of a chunked list: the revision the first page was read at and the
// key to start after, base64-encoded JSON like kube-apiserver's (opaque to clients).

import { badRequest } from '../../api/errors.js';

export interface ContinueToken {
  rv: number;
  start: string;
}

export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString(
    'base64url',
  );
}

export function decodeContinue(token: string): ContinueToken {
  try {
    const o = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: string;
      rv?: number;
      start?: string;
    };
    if (o.v !== 'meta.k8s.io/v1' || typeof o.rv !== 'number' || typeof o.start !== 'string')
      throw new Error('bad');
    return { rv: o.rv, start: o.start };
  } catch {
    throw badRequest(
      `continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)`,
    );
  }
}

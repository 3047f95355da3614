// Applying what the upload page read: each object to its own URL by server-side apply, the
// kind's plural and scope found in the RESOURCES table or else by asking the API server's
// discovery (so custom resources work too). One object's failure never stops the others.

import { ApiError, api, apiRaw } from '../api/client.js';
import { resourceForKind, resourcePath, type Resource } from '../api/resources.js';

interface APIResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

const discovered = new Map<string, Promise<APIResourceList>>();

function discover(apiVersion: string): Promise<APIResourceList> {
  let p = discovered.get(apiVersion);
  if (!p) {
    p = api<APIResourceList>(
      apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`,
    );
    p.catch(() => discovered.delete(apiVersion));
    discovered.set(apiVersion, p);
  }
  return p;
}

/** The resource serving `kind` in `apiVersion`; throws a readable Error when there is none. */
export async function resolveResource(apiVersion: string, kind: string): Promise<Resource> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  const known = resourceForKind(apiVersion, kind);
  if (known && known.version === version) return known;
  let list: APIResourceList;
  try {
    list = await discover(apiVersion);
  } catch (e) {
    if (e instanceof ApiError && e.code === 404)
      throw new Error(`no matches for kind "${kind}" in version "${apiVersion}"`);
    throw e;
  }
  const r = list.resources.find((x) => x.kind === kind && !x.name.includes('/'));
  if (!r) throw new Error(`no matches for kind "${kind}" in version "${apiVersion}"`);
  return { group: group!, version: version!, plural: r.name, kind, namespaced: r.namespaced };
}

export interface ApplyResult {
  ok: boolean;
  /** "created" / "configured" on success, the server's (or our) message on failure. */
  message: string;
}

/** Server-side apply of one object; namespaced objects without a namespace go to `namespace`. */
export async function applyOne(obj: Record<string, any>, namespace: string): Promise<ApplyResult> {
  try {
    const res = await resolveResource(obj.apiVersion, obj.kind);
    const ns = res.namespaced ? (obj.metadata?.namespace ?? namespace) : undefined;
    // As applyObject does, but the status says whether the object is new (201) or not (200).
    const r = await apiRaw(
      `${resourcePath(res, ns, obj.metadata.name)}?fieldManager=skiff-dashboard`,
      {
        method: 'PATCH',
        body: obj,
        contentType: 'application/apply-patch+yaml',
      },
    );
    return { ok: true, message: r.status === 201 ? 'created' : 'configured' };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

/** Create one object with POST (the deploy form creates; it never overwrites). */
export async function createOne(res: Resource, obj: Record<string, any>): Promise<ApplyResult> {
  try {
    await api(resourcePath(res, obj.metadata?.namespace), { method: 'POST', body: obj });
    return { ok: true, message: 'created' };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

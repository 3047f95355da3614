// Host-local address management: one file per allocated address, named by the address and
// holding the pod uid, so allocations survive agent restarts and a crash never hands one
// address out twice (files are created with link(2), which fails if the name exists).
// Allocation goes round-robin from the last address handed out, as host-local does, so a
// just-released address is not reused at once.

import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  broadcast,
  contains,
  gatewayOf,
  intToIp,
  ipToInt,
  parseCidr,
  type Subnet,
} from './cidr.js';

export interface IpamOptions {
  /** Directory holding the allocation files (created when missing). */
  dir: string;
  /** The node's pod CIDR, e.g. "10.244.0.0/24". */
  subnet: string;
}

export interface Allocation {
  uid: string;
  ip: string;
}

export interface Ipam {
  readonly subnet: Subnet;
  /** The gateway address (the bridge's), never allocated. */
  readonly gateway: string;
  /** The pod's address: the one it already holds, or a free one. */
  allocate(uid: string): Promise<string>;
  /** The pod's address, if it holds one. */
  get(uid: string): Promise<string | undefined>;
  /** Frees the pod's addresses; returns them. */
  release(uid: string): Promise<string[]>;
  list(): Promise<Allocation[]>;
  /** Frees every address held by a pod not in `live`; returns what was freed. */
  gc(live: Iterable<string>): Promise<Allocation[]>;
}

const LAST_RESERVED = 'last_reserved_ip.0';
const TMP_PREFIX = '.tmp-';

export function createIpam(o: IpamOptions): Ipam {
  const subnet = parseCidr(o.subnet);
  if (subnet.prefixLength > 30) throw new Error(`pod CIDR "${o.subnet}" is too small`);
  const first = gatewayOf(subnet) + 1;
  const last = broadcast(subnet) - 1;
  const dir = o.dir;
  // One operation at a time in this process; link(2) guards against other processes.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  async function entries(): Promise<{ allocations: Allocation[]; stale: string[] }> {
    await mkdir(dir, { recursive: true });
    const allocations: Allocation[] = [];
    const stale: string[] = [];
    for (const name of await readdir(dir)) {
      if (name.startsWith(TMP_PREFIX)) {
        stale.push(name);
        continue;
      }
      let n: number;
      try {
        n = ipToInt(name);
      } catch {
        continue; // not an allocation (last_reserved_ip.0, …)
      }
      if (!contains(subnet, n)) continue; // from an earlier pod CIDR
      const text = await readFile(join(dir, name), 'utf8').catch(() => '');
      allocations.push({ ip: name, uid: text.split('\n')[0]?.trim() ?? '' });
    }
    return { allocations, stale };
  }

  async function lastReserved(): Promise<number | undefined> {
    try {
      const n = ipToInt((await readFile(join(dir, LAST_RESERVED), 'utf8')).trim());
      return n >= first && n <= last ? n : undefined;
    } catch {
      return undefined;
    }
  }

  async function tryClaim(ip: string, uid: string): Promise<boolean> {
    const tmp = join(dir, `${TMP_PREFIX}${randomBytes(6).toString('hex')}`);
    await writeFile(tmp, `${uid}\neth0`);
    try {
      await link(tmp, join(dir, ip));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async function remove(name: string): Promise<void> {
    await unlink(join(dir, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  return {
    subnet,
    gateway: intToIp(gatewayOf(subnet)),
    allocate: (uid) =>
      serial(async () => {
        if (!uid || uid.includes('\n')) throw new Error(`invalid pod uid "${uid}"`);
        const { allocations } = await entries();
        const mine = allocations.find((a) => a.uid === uid);
        if (mine) return mine.ip;
        const taken = new Set(allocations.map((a) => a.ip));
        const count = last - first + 1;
        const start = (await lastReserved()) ?? last; // so the first pick is `first`
        for (let i = 1; i <= count; i++) {
          const n = first + ((start - first + i) % count);
          const ip = intToIp(n);
          if (taken.has(ip) || !(await tryClaim(ip, uid))) continue;
          const tmp = join(dir, `${TMP_PREFIX}last`);
          await writeFile(tmp, ip);
          await rename(tmp, join(dir, LAST_RESERVED));
          return ip;
        }
        throw new Error(`no free address in pod CIDR "${o.subnet}" for pod ${uid}`);
      }),
    get: (uid) => serial(async () => (await entries()).allocations.find((a) => a.uid === uid)?.ip),
    release: (uid) =>
      serial(async () => {
        const mine = (await entries()).allocations.filter((a) => a.uid === uid);
        for (const a of mine) await remove(a.ip);
        return mine.map((a) => a.ip);
      }),
    list: () => serial(async () => (await entries()).allocations),
    gc: (live) =>
      serial(async () => {
        const keep = new Set(live);
        const { allocations, stale } = await entries();
        const freed = allocations.filter((a) => !keep.has(a.uid));
        for (const a of freed) await remove(a.ip);
        for (const name of stale) await remove(name);
        return freed;
      }),
  };
}

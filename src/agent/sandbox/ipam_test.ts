import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIpam } from './ipam.js';

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-ipam-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('hands out every host address but never the network, gateway or broadcast', () =>
  withDir(async (dir) => {
    const ipam = createIpam({ dir, subnet: '10.244.0.0/29' });
    assert.equal(ipam.gateway, '10.244.0.1');
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await ipam.allocate(`pod-${i}`));
    assert.deepEqual(got, ['10.244.0.2', '10.244.0.3', '10.244.0.4', '10.244.0.5', '10.244.0.6']);
    await assert.rejects(ipam.allocate('pod-5'), /no free address in pod CIDR "10.244.0.0\/29"/);
  }));

test('a pod asking again gets the address it holds', () =>
  withDir(async (dir) => {
    const ipam = createIpam({ dir, subnet: '10.244.0.0/24' });
    const a = await ipam.allocate('a');
    const b = await ipam.allocate('b');
    assert.notEqual(a, b);
    assert.equal(await ipam.allocate('a'), a);
    assert.equal(await ipam.get('b'), b);
    assert.equal(await ipam.get('c'), undefined);
  }));

test('allocations are files that survive a new instance', () =>
  withDir(async (dir) => {
    const a = await createIpam({ dir, subnet: '10.244.0.0/24' }).allocate('uid-a');
    assert.equal((await readFile(join(dir, a), 'utf8')).split('\n')[0], 'uid-a');
    const again = createIpam({ dir, subnet: '10.244.0.0/24' });
    assert.equal(await again.allocate('uid-a'), a);
    assert.notEqual(await again.allocate('uid-b'), a);
    assert.deepEqual((await again.list()).map((x) => x.uid).sort(), ['uid-a', 'uid-b']);
  }));

test('release frees the address, and it is not reused at once', () =>
  withDir(async (dir) => {
    const ipam = createIpam({ dir, subnet: '10.244.0.0/24' });
    const a = await ipam.allocate('a');
    assert.deepEqual(await ipam.release('a'), [a]);
    assert.deepEqual(await ipam.release('a'), []);
    assert.equal(await ipam.get('a'), undefined);
    const b = await ipam.allocate('b');
    assert.notEqual(b, a);
    assert.ok(!(await readdir(dir)).includes(a));
  }));

test('round-robin wraps around to released addresses when the range is full', () =>
  withDir(async (dir) => {
    const ipam = createIpam({ dir, subnet: '10.244.0.0/29' });
    for (let i = 0; i < 5; i++) await ipam.allocate(`p${i}`);
    await ipam.release('p1');
    assert.equal(await ipam.allocate('q'), '10.244.0.3');
  }));

test('concurrent allocations, even from two instances, never collide', () =>
  withDir(async (dir) => {
    const one = createIpam({ dir, subnet: '10.244.0.0/24' });
    const two = createIpam({ dir, subnet: '10.244.0.0/24' });
    const ips = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).allocate(`pod-${i}`)),
    );
    assert.equal(new Set(ips).size, 40);
  }));

test('gc frees what dead pods hold and keeps the live ones', () =>
  withDir(async (dir) => {
    const ipam = createIpam({ dir, subnet: '10.244.0.0/24' });
    const a = await ipam.allocate('live');
    const b = await ipam.allocate('dead');
    assert.deepEqual(await ipam.gc(['live']), [{ uid: 'dead', ip: b }]);
    assert.deepEqual(await ipam.list(), [{ uid: 'live', ip: a }]);
  }));

test('refuses a pod CIDR without room for pods', () => {
  assert.throws(() => createIpam({ dir: '/nonexistent', subnet: '10.0.0.0/31' }), /too small/);
});

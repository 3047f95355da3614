import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError } from './args.js';
import { dashboardChildArgs, dashboardFlags, localApiHost } from './dashboard.js';
import { dashboardBase, signedInUrl } from './dashboard-command.js';

const args = (...a: string[]) => parseArgs(['up', ...a], new Set(['disable-dashboard']));

test('dashboard flags: port 8443 by default, 0 for any, --disable-dashboard runs none', () => {
  assert.deepEqual(dashboardFlags(args()), { port: 8443 });
  assert.deepEqual(dashboardFlags(args('--dashboard-port', '9443')), { port: 9443 });
  assert.deepEqual(dashboardFlags(args('--dashboard-port', '0')), { port: 0 });
  assert.equal(dashboardFlags(args('--disable-dashboard')), undefined);
  assert.throws(
    () => dashboardFlags(args('--dashboard-port', '70000')),
    (e: unknown) => e instanceof UsageError && /--dashboard-port/.test(e.message),
  );
  assert.deepEqual(dashboardChildArgs(args('--dashboard-port', '9443')), [
    '--dashboard-port',
    '9443',
  ]);
  assert.deepEqual(dashboardChildArgs(args('--disable-dashboard')), ['--disable-dashboard']);
  assert.deepEqual(dashboardChildArgs(args()), []);
});

test('the API server is reached at its bind address, or loopback for a wildcard', () => {
  assert.equal(localApiHost('127.0.0.1'), '127.0.0.1');
  assert.equal(localApiHost('0.0.0.0'), '127.0.0.1');
  assert.equal(localApiHost('::'), '127.0.0.1');
  assert.equal(localApiHost('10.1.2.3'), '10.1.2.3');
  assert.equal(localApiHost('::1'), '[::1]');
});

test("skiff dashboard's URL: a ready endpoint, else loopback and the target port", () => {
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {},
    spec: { ports: [{ port: 443, targetPort: 8443 }] },
  };
  assert.equal(
    dashboardBase(
      [
        {
          endpoints: [{ addresses: ['10.0.0.9'], conditions: { ready: false } }],
          ports: [{ port: 8443 }],
        },
        {
          endpoints: [{ addresses: ['10.244.0.1'], conditions: { ready: true } }],
          ports: [{ port: 8443 }],
        },
      ],
      service,
    ),
    'https://10.244.0.1:8443/',
  );
  assert.equal(dashboardBase([], service), 'https://127.0.0.1:8443/');
  assert.equal(dashboardBase([], undefined), undefined);
  assert.equal(signedInUrl('https://a:1/', 'x.y_z-'), 'https://a:1/#token=x.y_z-');
  assert.equal(signedInUrl('https://a:1/', 'a&b=c'), 'https://a:1/#token=a%26b%3Dc');
});

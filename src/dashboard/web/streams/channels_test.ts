import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeStdinFrame,
  execEnd,
  execPath,
  execAccessReview,
  parseFrame,
  refusalMessage,
  resizeFrame,
  stdinFrame,
  STDOUT,
} from './channels.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('exec channel framing', () => {
  it('prefixes stdin with channel 0, keeping the bytes as they are', () => {
    assert.deepEqual([...stdinFrame('ls\r')], [0, 0x6c, 0x73, 0x0d]);
    assert.deepEqual([...stdinFrame(new Uint8Array([0xff, 0]))], [0, 0xff, 0]);
    assert.deepEqual([...stdinFrame('')], [0]);
  });

  it('sends the terminal size on channel 4 as kubectl does', () => {
    const f = resizeFrame(120, 40);
    assert.equal(f[0], 4);
    assert.deepEqual(JSON.parse(text(f.subarray(1))), { Width: 120, Height: 40 });
  });

  it('closes stdin with v5 channel 255 naming channel 0', () => {
    assert.deepEqual([...closeStdinFrame()], [255, 0]);
  });

  it('splits a received message into its channel and payload', () => {
    const m = parseFrame(new Uint8Array([STDOUT, 0x68, 0x69]).buffer);
    assert.equal(m?.channel, 1);
    assert.equal(text(m!.data), 'hi');
    assert.deepEqual([...parseFrame(new Uint8Array([2]))!.data], []);
    assert.equal(parseFrame(new ArrayBuffer(0)), undefined);
  });
});

describe('exec end status', () => {
  it('reads success, a non-zero exit code and other failures', () => {
    assert.deepEqual(execEnd('{"metadata":{},"status":"Success"}'), {
      exitCode: 0,
      message: 'exited with code 0',
    });
    const nonZero = JSON.stringify({
      metadata: {},
      status: 'Failure',
      message:
        'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    assert.deepEqual(execEnd(nonZero), { exitCode: 3, message: 'exited with code 3' });
    const failed = JSON.stringify({
      metadata: {},
      status: 'Failure',
      message: 'error executing command in container: exec: "bash": executable file not found',
      reason: 'InternalError',
    });
    assert.deepEqual(execEnd(failed), {
      exitCode: undefined,
      message: 'error executing command in container: exec: "bash": executable file not found',
    });
  });

  it('takes a plain-text error (channel.k8s.io) as the message', () => {
    assert.deepEqual(execEnd('container not found ("x")\n'), {
      exitCode: undefined,
      message: 'container not found ("x")',
    });
  });
});

describe('exec path', () => {
  it('asks for stdin, stdout and a terminal, with the container', () => {
    assert.equal(
      execPath('default', 'web', { command: ['sh'], container: 'app' }),
      '/api/v1/namespaces/default/pods/web/exec?command=sh&stdin=1&stdout=1&tty=1&container=app',
    );
  });

  it('repeats command for each argument and escapes names', () => {
    assert.equal(
      execPath('a b', 'p', { command: ['/bin/sh', '-c', 'echo hi'], tty: false }),
      '/api/v1/namespaces/a%20b/pods/p/exec?command=%2Fbin%2Fsh&command=-c&command=echo+hi&stdin=1&stdout=1&stderr=1',
    );
  });
});

describe('a refused terminal', () => {
  const seedPath =
    '/api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy/';
  it("ignores kubectl proxy's bare 403 under the proxy path, not elsewhere", () => {
    const bare = { code: 403, message: '<h3>Unauthorized</h3>' };
    assert.equal(refusalMessage(bare, seedPath), undefined);
    assert.equal(refusalMessage(bare, '/'), '<h3>Unauthorized</h3>');
  });

  it("passes the API's and the node's own refusals on", () => {
    const rbac = {
      code: 403,
      kind: 'Status',
      message: 'pods "web" is forbidden: User "x" cannot create resource "pods/exec"',
    };
    assert.equal(refusalMessage(rbac, seedPath), rbac.message);
    const node = { code: 500, message: 'container not found ("app")' };
    assert.equal(refusalMessage(node, seedPath), 'container not found ("app")');
    const fine = { code: 400, kind: 'Status', message: 'Upgrade request required' };
    assert.equal(refusalMessage(fine, '/'), undefined);
  });

  it('asks whether the user may create pods/exec on that pod', () => {
    assert.deepEqual(execAccessReview('default', 'web'), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          namespace: 'default',
          name: 'web',
          verb: 'create',
          resource: 'pods',
          subresource: 'exec',
        },
      },
    });
  });
});

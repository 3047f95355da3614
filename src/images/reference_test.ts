import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImageError } from './errors.js';
import { formatRef, parseImageRef } from './reference.js';

test('Docker Hub names are normalized as the kubelet does', () => {
  const cases: [string, string][] = [
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.25', 'docker.io/library/nginx:1.25'],
    ['luksa/kubia', 'docker.io/luksa/kubia:latest'],
    ['docker.io/luksa/kubia:v2', 'docker.io/luksa/kubia:v2'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['quay.io/coreos/etcd:v3.5', 'quay.io/coreos/etcd:v3.5'],
    ['localhost/app', 'localhost/app:latest'],
    ['127.0.0.1:5000/team/app:dev', '127.0.0.1:5000/team/app:dev'],
    ['[::1]:5000/app', '[::1]:5000/app:latest'],
    [`nginx@sha256:${'a'.repeat(64)}`, `docker.io/library/nginx@sha256:${'a'.repeat(64)}`],
    // a tag and a digest: the digest is what is pulled
    [`nginx:1.25@sha256:${'b'.repeat(64)}`, `docker.io/library/nginx@sha256:${'b'.repeat(64)}`],
  ];
  for (const [input, want] of cases) assert.equal(formatRef(parseImageRef(input)), want, input);
});

test('invalid references fail with InvalidImageName and the kubelet message', () => {
  const cases: [string, string][] = [
    ['Nginx', 'invalid reference format: repository name must be lowercase'],
    ['luksa/Kubia', 'invalid reference format: repository name must be lowercase'],
    ['nginx:bad tag', 'invalid reference format'],
    ['nginx::1', 'invalid reference format'],
    ['-nginx', 'invalid reference format'],
    [`nginx@sha256:abc`, 'invalid reference format'],
    [`nginx@sha256:${'a'.repeat(63)}x`, 'invalid reference format'],
    [
      'a'.repeat(64),
      `invalid repository name (${'a'.repeat(64)}), cannot specify 64-byte hexadecimal strings`,
    ],
    [`example.com/${'a'.repeat(250)}`, 'repository name must not be more than 255 characters'],
  ];
  for (const [input, cause] of cases) {
    assert.throws(
      () => parseImageRef(input),
      (e: unknown) => {
        assert.ok(e instanceof ImageError, input);
        assert.equal(e.reason, 'InvalidImageName');
        assert.equal(
          e.message,
          `Failed to apply default image tag "${input}": couldn't parse image name "${input}": ${cause}`,
        );
        return true;
      },
      input,
    );
  }
});

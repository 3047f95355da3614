import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { imageTag, parseImageReference } from './imageref.js';

const DIGEST = `sha256:${'f'.repeat(64)}`;

describe('image references', () => {
  it('accepts what a container runtime pulls', () => {
    for (const ok of [
      'test',
      'test:1',
      'test:tag',
      'private.registry:5000/test:1',
      'private.registry:5000/test',
      'private.registry:5000/namespace/test:1',
      'private.registry:5000/n/a/m/e/s/test:1',
      `private.registry:5000/test:1@${DIGEST}`,
      'localhost/app_1:v1.0-rc',
      '[::1]:5000/app',
    ])
      assert.equal(parseImageReference(ok).ok, true, ok);
  });

  it('refuses the rest with the parser’s reason', () => {
    const cases: [string, string][] = [
      ['', 'repository name must have at least one component'],
      ['Test', 'repository name must be lowercase'],
      ['private.registry:5000/Test', 'repository name must be lowercase'],
      ['private.registry:port/namespace/test:1', 'invalid reference format'],
      ['private.registry:5000/namespace/test:image:1', 'invalid reference format'],
      [':', 'invalid reference format'],
      ['private@registry:5000/test', 'invalid reference format'],
      ['test image:1', 'invalid reference format'],
      [`test@md5:${'f'.repeat(32)}`, 'unsupported digest algorithm'],
      [`test@sha256:${'f'.repeat(63)}`, 'invalid checksum digest length'],
      [`test@sha256:${'F'.repeat(64)}`, 'invalid checksum digest format'],
      [`${'a'.repeat(256)}`, 'repository name must not be more than 255 characters'],
    ];
    for (const [ref, reason] of cases)
      assert.deepEqual(parseImageReference(ref), { ok: false, reason }, ref);
  });

  it('splits domain, path, tag and digest', () => {
    assert.deepEqual(parseImageReference(`registry.local:5000/team/web:2.1@${DIGEST}`), {
      ok: true,
      ref: { domain: 'registry.local:5000', path: 'team/web', tag: '2.1', digest: DIGEST },
    });
    assert.deepEqual(parseImageReference('team/web'), {
      ok: true,
      ref: { domain: 'team', path: 'web', tag: '', digest: '' },
    });
  });

  it('the tag is what follows the last colon of the last path part', () => {
    assert.equal(imageTag('nginx:1.25'), '1.25');
    assert.equal(imageTag('nginx'), '');
    assert.equal(imageTag(''), '');
    assert.equal(imageTag('private.registry:5000/test'), '');
    assert.equal(imageTag('private.registry:5000/test:1'), '1');
    assert.equal(imageTag(`test:1@${DIGEST}`), '1');
  });
});

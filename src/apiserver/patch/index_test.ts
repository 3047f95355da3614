import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { applyPatch } from './index.js';

const DEPLOYMENT = { group: 'apps', version: 'v1', kind: 'Deployment' };

const live = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'hello', namespace: 'default', labels: { app: 'hello' } },
  spec: {
    replicas: 1,
    template: {
      metadata: { labels: { app: 'hello' } },
      spec: { containers: [{ name: 'hello', image: 'nginx:1', imagePullPolicy: 'IfNotPresent' }] },
    },
  },
});

const fails = (fn: () => unknown, code: number, message: string): void =>
  assert.throws(
    fn,
    (e: unknown) => e instanceof ApiError && e.code === code && e.message === message,
  );

void describe('applyPatch dispatches on the content type', () => {
  void it('strategic merge patch (kubectl set image)', () => {
    const body = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'hello' }],
            containers: [{ image: 'nginx:2', name: 'hello' }],
          },
        },
      },
    };
    const out = applyPatch(live(), body, 'application/strategic-merge-patch+json', DEPLOYMENT);
    assert.deepEqual((out.spec as { template: { spec: unknown } }).template.spec, {
      containers: [{ name: 'hello', image: 'nginx:2', imagePullPolicy: 'IfNotPresent' }],
    });
  });

  void it('merge patch (kubectl label), with a charset parameter', () => {
    const out = applyPatch(
      live(),
      { metadata: { labels: { x: 'y' } } },
      'application/merge-patch+json; charset=utf-8',
      DEPLOYMENT,
    );
    assert.deepEqual(out.metadata.labels, { app: 'hello', x: 'y' });
  });

  void it('merge patch replaces lists where strategic merge would merge them', () => {
    const out = applyPatch(
      live(),
      { spec: { template: { spec: { containers: [{ name: 'other' }] } } } },
      'application/merge-patch+json',
      DEPLOYMENT,
    );
    assert.deepEqual((out.spec as { template: { spec: unknown } }).template.spec, {
      containers: [{ name: 'other' }],
    });
  });

  void it('JSON patch (kubectl patch --type=json)', () => {
    const out = applyPatch(
      live(),
      [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:3' }],
      'application/json-patch+json',
      DEPLOYMENT,
    );
    assert.equal(
      (out.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec
        .containers[0]?.image,
      'nginx:3',
    );
  });

  void it('refuses other content types with 415, apply included', () => {
    for (const ct of ['application/json', 'application/apply-patch+yaml']) {
      fails(
        () => applyPatch(live(), {}, ct, DEPLOYMENT),
        415,
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json',
      );
    }
  });

  void it('a merge patch must be an object', () => {
    fails(
      () => applyPatch(live(), [1], 'application/merge-patch+json', DEPLOYMENT),
      400,
      'Invalid JSON Patch',
    );
  });

  void it('the result must be an object', () => {
    fails(
      () =>
        applyPatch(
          live(),
          [{ op: 'replace', path: '', value: [1] }],
          'application/json-patch+json',
          DEPLOYMENT,
        ),
      422,
      'patch: Invalid value: the patched document is not a JSON object',
    );
  });

  void it('does not modify the document', () => {
    const doc = live();
    applyPatch(
      doc,
      { spec: { replicas: 9 } },
      'application/strategic-merge-patch+json',
      DEPLOYMENT,
    );
    assert.deepEqual(doc, live());
  });
});

void describe('a patch keeps what identifies the object', () => {
  const JSON_PATCH = 'application/json-patch+json';
  void it('refuses a removed or emptied metadata or name as kube-apiserver name check does', () => {
    const why =
      'the name of the object (hello based on URL) was undeterminable: name must be provided';
    fails(
      () => applyPatch(live(), [{ op: 'remove', path: '/metadata' }], JSON_PATCH, DEPLOYMENT),
      400,
      why,
    );
    fails(
      () =>
        applyPatch(
          live(),
          [{ op: 'replace', path: '/metadata', value: null }],
          JSON_PATCH,
          DEPLOYMENT,
        ),
      400,
      why,
    );
    fails(
      () =>
        applyPatch(
          live(),
          { metadata: { name: null } },
          'application/merge-patch+json',
          DEPLOYMENT,
        ),
      400,
      why,
    );
    fails(
      () =>
        applyPatch(
          live(),
          { metadata: { name: 'other' } },
          'application/merge-patch+json',
          DEPLOYMENT,
        ),
      400,
      'the name of the object (other) does not match the name on the URL (hello)',
    );
  });

  void it('refuses metadata that is not an object as a failed decode, quoting a bounded document', () => {
    const big = { op: 'add', path: '/spec/big', value: 'x'.repeat(100_000) };
    assert.throws(
      () =>
        applyPatch(
          live(),
          [big, { op: 'replace', path: '/metadata', value: 7 }],
          JSON_PATCH,
          DEPLOYMENT,
        ),
      (e: unknown) =>
        e instanceof ApiError &&
        e.code === 422 &&
        e.message.length < 2000 &&
        e.message.endsWith(
          '...(truncated)": json: cannot unmarshal number into Go struct field Deployment.metadata of type v1.ObjectMeta',
        ),
    );
  });

  void it('turns a stack overflow into a 400 rather than a crash', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    assert.throws(
      () => applyPatch(live(), { spec: deep }, 'application/merge-patch+json', DEPLOYMENT),
      (e: unknown) => e instanceof ApiError && e.code === 400,
    );
  });
});

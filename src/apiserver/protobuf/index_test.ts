// Ground truth: bodies captured from real kubectl. Each `<name>.pb` is what kubectl 1.33
// (1.32 for autoscale-v1) sent for a command; `<name>.json` is what kubectl 1.31 sent as
// JSON for the same command. Decoding the first must give the second. See testdata/README.md.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { ApiError } from '../../api/errors.js';
import { decodableKinds, decodeKubernetesProtobuf, isKubernetesProtobuf } from './index.js';
import { MAGIC } from './envelope.js';
import { schemaRoot, typeForKind } from './kinds.js';

const dir = new URL('./testdata/', import.meta.url);
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.pb'))
  .map((f) => f.slice(0, -'.pb'.length))
  .sort();

void describe('decoding bodies captured from kubectl', () => {
  void it('has the captured fixtures', () => {
    assert.ok(fixtures.length >= 40, `only ${fixtures.length} fixtures found`);
    for (const name of [
      'namespace',
      'configmap',
      'secret-generic',
      'deployment',
      'job',
      'can-i',
      'whoami',
    ]) {
      assert.ok(fixtures.includes(name), `fixture ${name} is missing`);
    }
  });

  for (const name of fixtures) {
    void it(name, () => {
      const body = readFileSync(new URL(`${name}.pb`, dir));
      const want: unknown = JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8'));
      assert.deepEqual(decodeKubernetesProtobuf(body), want);
    });
  }

  void it('gives Secret data as base64 and keeps binary ConfigMap data apart', () => {
    const secret = decodeKubernetesProtobuf(readFileSync(new URL('secret-generic.pb', dir)));
    assert.deepEqual(secret.data, { k: Buffer.from('v').toString('base64') });
    const cm = decodeKubernetesProtobuf(readFileSync(new URL('configmap-files.pb', dir)));
    assert.equal(typeof (cm.binaryData as Record<string, string>)['blob.bin'], 'string');
    assert.equal((cm.data as Record<string, string>).x, 'y');
  });
});

void describe('isKubernetesProtobuf', () => {
  void it('matches the media type with or without parameters, in any case', () => {
    assert.equal(isKubernetesProtobuf('application/vnd.kubernetes.protobuf'), true);
    assert.equal(isKubernetesProtobuf('Application/VND.Kubernetes.Protobuf; charset=utf-8'), true);
    assert.equal(isKubernetesProtobuf('application/vnd.kubernetes.protobuf;stream=watch'), true);
  });
  void it('rejects other media types', () => {
    assert.equal(isKubernetesProtobuf('application/json'), false);
    assert.equal(isKubernetesProtobuf('application/vnd.kubernetes.protobuf+json'), false);
    assert.equal(isKubernetesProtobuf(''), false);
  });
});

/** Wraps an encoded object in the `k8s\0` + runtime.Unknown envelope. */
function envelope(
  apiVersion: string,
  kind: string,
  raw: Uint8Array,
  extra: Record<string, string> = {},
): Buffer {
  const unknown = schemaRoot().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const bytes = unknown
    .encode(unknown.fromObject({ typeMeta: { apiVersion, kind }, raw, ...extra }))
    .finish();
  return Buffer.concat([MAGIC, bytes]);
}

function encode(apiVersion: string, kind: string, obj: Record<string, unknown>): Uint8Array {
  const type = typeForKind(apiVersion, kind);
  assert.ok(type, `no type for ${kind}`);
  return type.encode(type.fromObject(obj)).finish();
}

function expectApiError(fn: () => unknown, code: number, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

void describe('refusals', () => {
  void it('refuses an unknown kind with 415 naming it', () => {
    const body = envelope('apps/v1', 'StatefulSet', new Uint8Array(0));
    expectApiError(
      () => decodeKubernetesProtobuf(body),
      415,
      /cannot decode StatefulSet \(apps\/v1\).*application\/json/,
    );
  });

  void it('refuses a field the schema lacks with 415 naming where it is', () => {
    const pod = schemaRoot().lookupType('k8s.io.api.core.v1.PodSpec');
    const spec = pod.encode(pod.fromObject({ containers: [{ name: 'a' }] })).finish();
    // field 34 (ephemeralContainers) holding one container named "x"
    const extra = protobuf.Writer.create()
      .uint32((34 << 3) | 2)
      .bytes(Uint8Array.from([0x0a, 0x01, 0x78]))
      .finish();
    const podBytes = protobuf.Writer.create()
      .uint32((2 << 3) | 2)
      .bytes(Buffer.concat([spec, extra]))
      .finish();
    expectApiError(
      () => decodeKubernetesProtobuf(envelope('v1', 'Pod', podBytes)),
      415,
      /field 34 of k8s\.io\.api\.core\.v1\.PodSpec \(at spec\)/,
    );
  });

  void it('ignores unknown fields that hold only a zero value, as a newer Go client writes them', () => {
    const cm = encode('v1', 'ConfigMap', { metadata: { name: 'c' }, data: { a: 'b' } });
    const extra = protobuf.Writer.create()
      .uint32((9 << 3) | 2)
      .bytes(new Uint8Array(0))
      .uint32(10 << 3)
      .uint32(0)
      .finish();
    const obj = decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', Buffer.concat([cm, extra])));
    assert.deepEqual(obj, {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'c' },
      data: { a: 'b' },
    });
  });

  void it('refuses a body without the k8s prefix with 400', () => {
    expectApiError(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"Pod"}')), 400, /k8s\\x00/);
  });

  void it('refuses a truncated body with 400', () => {
    const body = readFileSync(new URL('deployment.pb', dir));
    expectApiError(
      () => decodeKubernetesProtobuf(body.subarray(0, body.length - 20)),
      400,
      /could not be decoded/,
    );
  });

  void it('refuses an envelope without a kind with 400', () => {
    expectApiError(
      () => decodeKubernetesProtobuf(envelope('v1', '', new Uint8Array(0))),
      400,
      /Kind/,
    );
  });

  void it('refuses an encoded (compressed) payload with 415', () => {
    const body = envelope('v1', 'ConfigMap', new Uint8Array(0), { contentEncoding: 'gzip' });
    expectApiError(() => decodeKubernetesProtobuf(body), 415, /content encoding "gzip"/);
  });
});

void describe('the kind table', () => {
  void it('has a schema for every kind it lists', () => {
    const kinds = decodableKinds();
    assert.ok(kinds.includes('v1/Pod') && kinds.includes('apps/v1/Deployment'));
    for (const gvk of kinds) {
      const kind = gvk.slice(gvk.lastIndexOf('/') + 1);
      const apiVersion = gvk.slice(0, gvk.lastIndexOf('/'));
      assert.ok(typeForKind(apiVersion, kind), gvk);
    }
  });
});

void describe('apps/v1 DaemonSet', () => {
  void it('decodes as a Go client sends it: counters always, pointers when sent', () => {
    const body = encode('apps/v1', 'DaemonSet', {
      metadata: { name: 'agent', namespace: 'kube-system' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { containers: [{ name: 'agent', image: 'agent:1' }] },
        },
        updateStrategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: { type: 1, strVal: '10%' }, maxSurge: { type: 0 } },
        },
        revisionHistoryLimit: 0,
      },
      status: { currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 },
    });
    assert.deepEqual(decodeKubernetesProtobuf(envelope('apps/v1', 'DaemonSet', body)), {
      kind: 'DaemonSet',
      apiVersion: 'apps/v1',
      metadata: { name: 'agent', namespace: 'kube-system' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { containers: [{ name: 'agent', image: 'agent:1' }] },
        },
        updateStrategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 },
        },
        revisionHistoryLimit: 0,
      },
      status: {
        currentNumberScheduled: 0,
        numberMisscheduled: 0,
        desiredNumberScheduled: 0,
        numberReady: 0,
      },
    });
  });
});

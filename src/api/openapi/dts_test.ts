import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDts, parseType } from './dts.js';

const POD_LIKE = `import { IIoK8sApimachineryPkgApisMetaV1ObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
import { IIoK8sApiCoreV1Container } from "./Container";
import { ModelData, TypeMeta, Model } from "@kubernetes-models/base";
/**
 * Thing is a test kind.
 *
 * Second paragraph with pod.spec.containers[\\*].image.
 */
export interface IThing extends TypeMeta {
    "apiVersion": "v1";
    "kind": "Thing";
    /**
     * Labels of the thing.
     */
    "labels"?: {
        [key: string]: string;
    };
    "containers": Array<IIoK8sApiCoreV1Container>;
    /**
     * Policy.
     */
    "policy"?: "" | "Always" | "Never";
    "metadata"?: IIoK8sApimachineryPkgApisMetaV1ObjectMeta;
}
export declare class Thing extends Model<IThing> implements IThing {
    "apiVersion": IThing["apiVersion"];
    constructor(data?: ModelData<IThing>);
}
export { IThing as IIoK8sApiCoreV1Thing, Thing as IoK8sApiCoreV1Thing };
`;

void test('parses an interface with descriptions, required fields, maps, enums and refs', () => {
  const m = parseDts(POD_LIKE);
  assert.equal(m.ident, 'IIoK8sApiCoreV1Thing');
  assert.equal(m.form, 'interface');
  assert.equal(
    m.description,
    'Thing is a test kind.\n\nSecond paragraph with pod.spec.containers[*].image.',
  );
  assert.deepEqual(
    m.properties.map((p) => [p.name, p.optional]),
    [
      ['apiVersion', false],
      ['kind', false],
      ['labels', true],
      ['containers', false],
      ['policy', true],
      ['metadata', true],
    ],
  );
  const byName = new Map(m.properties.map((p) => [p.name, p]));
  assert.deepEqual(byName.get('labels')?.type, { t: 'map', of: { t: 'string' } });
  assert.equal(byName.get('labels')?.description, 'Labels of the thing.');
  assert.deepEqual(byName.get('containers')?.type, {
    t: 'array',
    of: { t: 'ref', ident: 'IIoK8sApiCoreV1Container' },
  });
  assert.equal(byName.get('containers')?.description, '');
  assert.deepEqual(byName.get('policy')?.type, {
    t: 'union',
    of: [
      { t: 'literal', value: '' },
      { t: 'literal', value: 'Always' },
      { t: 'literal', value: 'Never' },
    ],
  });
  assert.equal(m.imports.get('IIoK8sApiCoreV1Container'), './Container');
});

void test('parses type aliases', () => {
  const m = parseDts(`/**
 * Time is a wrapper.
 */
export declare type ITime = string;
export declare type Time = ITime;
export { ITime as IIoK8sApimachineryPkgApisMetaV1Time, Time as IoK8sApimachineryPkgApisMetaV1Time };
`);
  assert.equal(m.form, 'alias');
  assert.equal(m.description, 'Time is a wrapper.');
  assert.deepEqual(m.aliasOf, { t: 'string' });
});

void test('rejects shapes it does not understand', () => {
  assert.throws(() => parseType('Record<string, number>'), /unsupported type expression/);
  assert.throws(() => parseDts('export const x = 1;'), /no exported definition alias/);
});

void test('a kind written out inline is the kind whose spec it holds', () => {
  const inline = `{
        /**
         * APIVersion defines the versioned schema.
         */
        "apiVersion"?: string;
        "kind"?: string;
        "metadata"?: IIoK8sApimachineryPkgApisMetaV1ObjectMeta;
        "spec"?: IIoK8sApiCoreV1PersistentVolumeClaimSpec;
        "status"?: IIoK8sApiCoreV1PersistentVolumeClaimStatus;
    }`;
  assert.deepEqual(parseType(`Array<${inline}>`), {
    t: 'array',
    of: { t: 'embedded', specIdent: 'IIoK8sApiCoreV1PersistentVolumeClaimSpec' },
  });
  assert.throws(() => parseType('{ "a"?: string; }'), /unsupported type expression/);
});

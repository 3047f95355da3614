import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../../errors.js';
import type { KubeObject, ResourceDef, StrategyContext } from '../../types.js';
import {
  persistentVolumeClaimResource,
  persistentVolumeResource,
  storageClassResource,
} from './index.js';

const ctx: StrategyContext = { namespace: 'default', now: new Date('2024-01-01T00:05:00Z') };
const created = '2024-01-01T00:00:00Z';

const create = (def: ResourceDef, obj: KubeObject): string[] => {
  def.strategy.defaults?.(obj, ctx);
  def.strategy.prepareForCreate?.(obj, ctx);
  return (def.strategy.validate?.(obj, ctx) ?? []).map(fieldErrorText);
};
const update = (def: ResourceDef, obj: KubeObject, old: KubeObject): string[] => {
  def.strategy.defaults?.(obj, ctx);
  def.strategy.prepareForUpdate?.(obj, old, ctx);
  return [
    ...(def.strategy.validate?.(obj, ctx) ?? []),
    ...(def.strategy.validateUpdate?.(obj, old, ctx) ?? []),
  ].map(fieldErrorText);
};

const pv = (spec: Record<string, unknown>, name = 'pv1'): KubeObject => ({
  metadata: { name, creationTimestamp: created },
  spec,
});
const goodPv = (): Record<string, unknown> => ({
  accessModes: ['ReadWriteOnce'],
  capacity: { storage: '1Gi' },
  hostPath: { path: '/data/pv1' },
});
const pvc = (spec: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject => ({
  metadata: { name: 'data', namespace: 'default', creationTimestamp: created },
  spec,
  ...extra,
});
const goodPvc = (): Record<string, unknown> => ({
  accessModes: ['ReadWriteOnce'],
  resources: { requests: { storage: '1Gi' } },
});
const sc = (o: Record<string, unknown>, annotations?: Record<string, string>): KubeObject => ({
  metadata: { name: 'fast', creationTimestamp: created, ...(annotations ? { annotations } : {}) },
  ...o,
});

void describe('PersistentVolume', () => {
  const def = persistentVolumeResource;

  void it('defaults reclaim policy, volume mode, hostPath type; starts Pending', () => {
    const obj = pv({ ...goodPv(), capacity: { storage: '1024Mi' } });
    assert.deepEqual(create(def, obj), []);
    assert.deepEqual(obj.spec, {
      accessModes: ['ReadWriteOnce'],
      capacity: { storage: '1Gi' },
      hostPath: { path: '/data/pv1', type: '' },
      persistentVolumeReclaimPolicy: 'Retain',
      volumeMode: 'Filesystem',
    });
    assert.deepEqual(obj.status, {
      phase: 'Pending',
      lastPhaseTransitionTime: '2024-01-01T00:05:00Z',
    });
  });

  void it('validates as ValidatePersistentVolume, rule by rule', () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ ...goodPv(), accessModes: [] }, ['spec.accessModes: Required value']],
      [
        { ...goodPv(), accessModes: ['ReadWriteSometimes'] },
        [
          'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
        ],
      ],
      [
        { ...goodPv(), accessModes: ['ReadWriteOncePod', 'ReadOnlyMany'] },
        ['spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes'],
      ],
      [
        { ...goodPv(), capacity: {} },
        [
          'spec.capacity: Required value',
          'spec.capacity: Unsupported value: map[string]string{}: supported values: "storage"',
        ],
      ],
      [
        { ...goodPv(), capacity: { storage: '0' } },
        ['spec.capacity[storage]: Invalid value: "0": must be greater than zero'],
      ],
      [
        { ...goodPv(), persistentVolumeReclaimPolicy: 'Keep' },
        [
          'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
        ],
      ],
      [
        { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } },
        ['spec: Required value: must specify a volume type'],
      ],
      [
        { ...goodPv(), nfs: { server: 'nfs', path: '/x' } },
        ['spec.nfs: Forbidden: may not specify more than 1 volume type'],
      ],
      [
        { ...goodPv(), hostPath: { path: '/a/../b' } },
        [`spec.hostPath.path: Invalid value: "/a/../b": must not contain '..'`],
      ],
      [
        { ...goodPv(), hostPath: { path: '/data', type: 'Folder' } },
        [
          'spec.hostPath.type: Unsupported value: "Folder": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
        ],
      ],
      [
        {
          accessModes: ['ReadWriteOnce'],
          capacity: { storage: '1Gi' },
          local: { path: '/mnt/disk' },
        },
        ['spec.nodeAffinity: Required value: Local volume requires node affinity'],
      ],
      [
        { ...goodPv(), nodeAffinity: {} },
        ['spec.nodeAffinity.required: Required value: must specify required node constraints'],
      ],
      [
        { ...goodPv(), nodeAffinity: { required: { nodeSelectorTerms: [] } } },
        [
          'spec.nodeAffinity.required.nodeSelectorTerms: Required value: must have at least one node selector term',
        ],
      ],
      [
        {
          ...goodPv(),
          nodeAffinity: {
            required: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'zone', operator: 'Near', values: ['a'] }] },
              ],
            },
          },
        },
        [
          'spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator',
        ],
      ],
      [
        { ...goodPv(), hostPath: { path: '/' }, persistentVolumeReclaimPolicy: 'Recycle' },
        [
          "spec.persistentVolumeReclaimPolicy: Forbidden: may not be 'recycle' for a hostPath mount of '/'",
        ],
      ],
      [
        { ...goodPv(), storageClassName: 'Fast_Disks' },
        [
          `spec.storageClassName: Invalid value: "Fast_Disks": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
        ],
      ],
      [
        { ...goodPv(), volumeMode: 'Raw' },
        ['spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"'],
      ],
      [
        { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, csi: { driver: 'x.io' } },
        ['spec.csi.volumeHandle: Required value'],
      ],
    ];
    for (const [spec, want] of cases)
      assert.deepEqual(create(def, pv(spec)), want, JSON.stringify(spec));
  });

  void it('keeps the volume source, volume mode and node affinity fixed on update', () => {
    const old = pv(goodPv());
    create(def, old);
    const moved = pv({ ...goodPv(), hostPath: { path: '/data/elsewhere' } });
    const errs = update(def, moved, old);
    assert.equal(errs.length, 1);
    assert.match(
      errs[0] ?? '',
      /^spec\.persistentvolumesource: Forbidden: spec\.persistentvolumesource is immutable after creation\n {2}core\.PersistentVolumeSource\{\n- \thostPath\.path: "\/data\/pv1"\n\+ \thostPath\.path: "\/data\/elsewhere"\n {2}\}$/,
    );
    assert.deepEqual(update(def, pv({ ...goodPv(), volumeMode: 'Block' }), old), [
      'volumeMode: Invalid value: "Block": field is immutable',
    ]);
    // Capacity, class and reclaim policy may change.
    assert.deepEqual(
      update(
        def,
        pv({ ...goodPv(), capacity: { storage: '2Gi' }, persistentVolumeReclaimPolicy: 'Delete' }),
        old,
      ),
      [],
    );
  });

  void it('records when the phase changed, on status writes', () => {
    const old = pv(goodPv());
    old.status = { phase: 'Pending', lastPhaseTransitionTime: '2024-01-01T00:00:00Z' };
    const next = { ...structuredClone(old), status: { phase: 'Available' } };
    def.statusStrategy?.prepareForUpdate(next, old);
    assert.equal((next.status as { phase: string }).phase, 'Available');
    assert.notEqual(
      (next.status as { lastPhaseTransitionTime?: string }).lastPhaseTransitionTime,
      '2024-01-01T00:00:00Z',
    );
    const same = { ...structuredClone(old), status: { phase: 'Pending' } };
    def.statusStrategy?.prepareForUpdate(same, old);
    assert.deepEqual(same.status, old.status);
  });

  void it('prints as kubectl get pv (and -o wide)', () => {
    assert.deepEqual(
      def.strategy.columns?.map((c) => [c.name, c.priority]),
      [
        ['Name', 0],
        ['Capacity', 0],
        ['Access Modes', 0],
        ['Reclaim Policy', 0],
        ['Status', 0],
        ['Claim', 0],
        ['StorageClass', 0],
        ['VolumeAttributesClass', 0],
        ['Reason', 0],
        ['Age', 0],
        ['VolumeMode', 1],
      ],
    );
    const obj = pv({
      ...goodPv(),
      accessModes: ['ReadWriteMany', 'ReadWriteOnce', 'ReadOnlyMany'],
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: 'local-path',
      volumeMode: 'Filesystem',
      claimRef: { namespace: 'default', name: 'data' },
    });
    obj.status = { phase: 'Bound' };
    assert.deepEqual(def.strategy.row?.(obj, ctx.now), [
      'pv1',
      '1Gi',
      'RWO,ROX,RWX',
      'Delete',
      'Bound',
      'default/data',
      'local-path',
      '<unset>',
      '',
      '5m',
      'Filesystem',
    ]);
    obj.metadata.deletionTimestamp = created;
    assert.equal(def.strategy.row?.(obj, ctx.now)[4], 'Terminating');
  });
});

void describe('PersistentVolumeClaim', () => {
  const def = persistentVolumeClaimResource;

  void it('defaults the volume mode and starts Pending', () => {
    const obj = pvc(goodPvc());
    assert.deepEqual(create(def, obj), []);
    assert.equal((obj.spec as { volumeMode: string }).volumeMode, 'Filesystem');
    assert.deepEqual(obj.status, { phase: 'Pending' });
  });

  void it('validates as ValidatePersistentVolumeClaim, rule by rule', () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [
        { ...goodPvc(), accessModes: [] },
        ['spec.accessModes: Required value: at least 1 access mode is required'],
      ],
      [{ accessModes: ['ReadWriteOnce'] }, ['spec.resources[storage]: Required value']],
      [
        { ...goodPvc(), resources: { requests: { storage: '-1Gi' } } },
        ['spec.resources[storage]: Invalid value: "-1Gi": must be greater than zero'],
      ],
      [
        { ...goodPvc(), selector: { matchExpressions: [{ key: 'a', operator: 'In' }] } },
        [
          "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
        ],
      ],
      [
        { ...goodPvc(), volumeMode: 'Raw' },
        ['spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"'],
      ],
      [
        { ...goodPvc(), dataSource: { kind: 'Snapshot', name: 's' } },
        [
          'spec.dataSource: Invalid value: "Snapshot": must be \'PersistentVolumeClaim\' when referencing the default apiGroup',
        ],
      ],
    ];
    for (const [spec, want] of cases)
      assert.deepEqual(create(def, pvc(spec)), want, JSON.stringify(spec));
  });

  void it('keeps the spec immutable but for binding, a class set once and a bound claim growing', () => {
    const old = pvc(goodPvc());
    create(def, old);
    // The binder sets volumeName once; a class may be set on a claim that had none.
    assert.deepEqual(
      update(def, pvc({ ...goodPvc(), volumeName: 'pv1', storageClassName: 'x' }), old),
      [],
    );
    const errs = update(def, pvc({ ...goodPvc(), accessModes: ['ReadWriteMany'] }), old);
    assert.equal(errs.length, 1);
    assert.match(
      errs[0] ?? '',
      /^spec: Forbidden: spec is immutable after creation except resources\.requests and volumeAttributesClassName for bound claims\n/,
    );
    // A pending claim's request is part of the fixed spec.
    assert.equal(
      update(def, pvc({ ...goodPvc(), resources: { requests: { storage: '2Gi' } } }), old).length,
      1,
    );
    const bound = pvc(
      { ...goodPvc(), volumeName: 'pv1' },
      { status: { phase: 'Bound', capacity: { storage: '1Gi' } } },
    );
    def.strategy.defaults?.(bound, ctx);
    assert.deepEqual(
      update(
        def,
        pvc({ ...goodPvc(), volumeName: 'pv1', resources: { requests: { storage: '2Gi' } } }),
        bound,
      ),
      [],
    );
    assert.deepEqual(
      update(
        def,
        pvc({ ...goodPvc(), volumeName: 'pv1', resources: { requests: { storage: '500Mi' } } }),
        bound,
      ),
      ['spec.resources.requests.storage: Forbidden: field can not be less than status.capacity'],
    );
    assert.deepEqual(update(def, pvc({ ...goodPvc(), volumeName: 'pv2' }), bound).length, 1);
  });

  void it('prints as kubectl get pvc (and -o wide)', () => {
    assert.deepEqual(
      def.strategy.columns?.map((c) => [c.name, c.priority]),
      [
        ['Name', 0],
        ['Status', 0],
        ['Volume', 0],
        ['Capacity', 0],
        ['Access Modes', 0],
        ['StorageClass', 0],
        ['VolumeAttributesClass', 0],
        ['Age', 0],
        ['VolumeMode', 1],
      ],
    );
    const pending = pvc({ ...goodPvc(), storageClassName: 'local-path', volumeMode: 'Filesystem' });
    pending.status = { phase: 'Pending' };
    assert.deepEqual(def.strategy.row?.(pending, ctx.now), [
      'data',
      'Pending',
      '',
      '',
      '',
      'local-path',
      '<unset>',
      '5m',
      'Filesystem',
    ]);
    const bound = pvc({
      ...goodPvc(),
      storageClassName: '',
      volumeName: 'pv1',
      volumeMode: 'Filesystem',
    });
    bound.status = { phase: 'Bound', capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'] };
    assert.deepEqual(def.strategy.row?.(bound, ctx.now).slice(0, 6), [
      'data',
      'Bound',
      'pv1',
      '2Gi',
      'RWO',
      '',
    ]);
  });
});

void describe('StorageClass', () => {
  const def = storageClassResource;

  void it('defaults reclaim policy and binding mode', () => {
    const obj = sc({ provisioner: 'skiff.dev/local-path' });
    assert.deepEqual(create(def, obj), []);
    assert.equal(obj['reclaimPolicy'], 'Delete');
    assert.equal(obj['volumeBindingMode'], 'Immediate');
  });

  void it('validates as ValidateStorageClass', () => {
    assert.deepEqual(create(def, sc({})), ['provisioner: Required value']);
    assert.deepEqual(create(def, sc({ provisioner: 'a/b/c' })), [
      `provisioner: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ]);
    assert.deepEqual(create(def, sc({ provisioner: 'x.io/p', reclaimPolicy: 'Recycle' })), [
      'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
    ]);
    assert.deepEqual(create(def, sc({ provisioner: 'x.io/p', volumeBindingMode: 'Later' })), [
      'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
    ]);
    assert.deepEqual(create(def, sc({ provisioner: 'x.io/p', parameters: { '': 'v' } })), [
      'parameters: Invalid value: "": field can not be empty.',
    ]);
  });

  void it('forbids changing provisioner, parameters, reclaim policy and binding mode', () => {
    const old = sc({ provisioner: 'x.io/p', parameters: { a: '1' } });
    create(def, old);
    assert.deepEqual(
      update(
        def,
        sc({
          provisioner: 'y.io/p',
          parameters: { a: '2' },
          reclaimPolicy: 'Retain',
          volumeBindingMode: 'WaitForFirstConsumer',
        }),
        old,
      ),
      [
        'parameters: Forbidden: updates to parameters are forbidden.',
        'provisioner: Forbidden: updates to provisioner are forbidden.',
        'reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.',
        'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
      ],
    );
    assert.deepEqual(
      update(
        def,
        sc({ provisioner: 'x.io/p', parameters: { a: '1' }, allowVolumeExpansion: true }),
        old,
      ),
      [],
    );
  });

  void it('prints (default) after the default class', () => {
    const obj = sc(
      { provisioner: 'skiff.dev/local-path' },
      {
        'storageclass.kubernetes.io/is-default-class': 'true',
      },
    );
    create(def, obj);
    assert.deepEqual(def.strategy.row?.(obj, ctx.now), [
      'fast (default)',
      'skiff.dev/local-path',
      'Delete',
      'Immediate',
      false,
      '5m',
    ]);
    assert.deepEqual(
      def.strategy.columns?.map((c) => c.name),
      ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age'],
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSubset } from '../kube/apply.ts';
import type { KubeObject } from '../kube/types.ts';
import { projectOwned } from './project.ts';

/** What posture applied: the object it compares the cache with. */
const desired = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'quote', namespace: 'titan', labels: { app: 'quote' } },
  spec: {
    replicas: 2,
    template: {
      metadata: { annotations: { pin: '"secret/data/x?version=3"' } },
      spec: {
        containers: [{ name: 'quote', image: 'quote:v1', ports: [{ containerPort: 8080 }] }],
        tolerations: [],
      },
    },
  },
};

/** The same object as the apiserver keeps it: defaults, another manager, status. */
const live = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'quote',
    namespace: 'titan',
    uid: 'u1',
    resourceVersion: '42',
    generation: 3,
    labels: { app: 'quote' },
    managedFields: [
      {
        manager: 'posture',
        operation: 'Apply',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:template': {
              'f:metadata': { 'f:annotations': { 'f:pin': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"quote"}': {
                    '.': {},
                    'f:name': {},
                    'f:image': {},
                    'f:ports': {
                      'k:{"containerPort":8080,"protocol":"TCP"}': { 'f:containerPort': {} },
                    },
                  },
                },
              },
            },
          },
        },
      },
      { manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:spec': { 'f:paused': {} } } },
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        subresource: 'status',
        fieldsV1: { 'f:status': {} },
      },
    ],
  },
  spec: {
    replicas: 2,
    paused: false,
    progressDeadlineSeconds: 600,
    template: {
      metadata: { annotations: { pin: '"secret/data/x?version=3"' } },
      spec: {
        containers: [
          {
            name: 'quote',
            image: 'quote:v1',
            ports: [{ containerPort: 8080, protocol: 'TCP' }],
            terminationMessagePath: '/dev/termination-log',
          },
          { name: 'sidecar', image: 'injected:v1' },
        ],
        dnsPolicy: 'ClusterFirst',
      },
    },
  },
  status: { readyReplicas: 2 },
} as unknown as KubeObject;

describe('projectOwned', () => {
  const projected = projectOwned(live, 'posture', { keepStatus: true });
  const spec = (projected as unknown as typeof live & { spec: typeof live.spec }).spec as {
    paused?: boolean;
    progressDeadlineSeconds?: number;
    template: { spec: { containers: Record<string, unknown>[]; dnsPolicy?: string } };
  };

  it('keeps what the manager applied: comparing its desired object finds no difference', () => {
    assert.equal(isSubset(desired, projected), true);
  });
  it('leaves out defaults and fields of other managers', () => {
    assert.equal(spec.progressDeadlineSeconds, undefined);
    assert.equal(spec.paused, undefined);
    assert.equal(spec.template.spec.dnsPolicy, undefined);
    assert.deepEqual(spec.template.spec.containers, [
      { name: 'quote', image: 'quote:v1', ports: [{ containerPort: 8080 }] },
    ]);
  });
  it('keeps identity metadata, never managedFields', () => {
    assert.equal(projected.metadata.uid, 'u1');
    assert.equal(projected.metadata.resourceVersion, '42');
    assert.equal(projected.metadata.managedFields, undefined);
  });
  it('keeps status only when asked', () => {
    assert.deepEqual((projected as { status?: unknown }).status, { readyReplicas: 2 });
    assert.equal((projectOwned(live, 'posture') as { status?: unknown }).status, undefined);
  });
  it('sees a changed value of an owned field as a difference', () => {
    const changed = structuredClone(live) as typeof live & {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    (changed.spec.template.spec.containers[0] as { image: string }).image = 'quote:evil';
    assert.equal(isSubset(desired, projectOwned(changed, 'posture')), false);
  });
  it('keeps only identity of an object the manager never applied, so it is applied', () => {
    const other = projectOwned(live, 'someone-else');
    assert.equal((other as { spec?: unknown }).spec, undefined);
    assert.equal(isSubset(desired, other), false);
  });
  it('keeps a set item by value and a list item by index', () => {
    const object = {
      metadata: {
        name: 'x',
        managedFields: [
          {
            manager: 'posture',
            fieldsV1: { 'f:spec': { 'f:hosts': { 'v:"a"': {} }, 'f:rules': { 'i:1': {} } } },
          },
        ],
      },
      spec: { hosts: ['a', 'b'], rules: ['r0', 'r1'] },
    } as unknown as KubeObject;
    assert.deepEqual((projectOwned(object, 'posture') as { spec?: unknown }).spec, {
      hosts: ['a'],
      rules: ['r1'],
    });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Change } from '../../operator/informer/store.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { statusOnly } from './changes.ts';

const object = (over: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) =>
  ({
    metadata: {
      name: 'quote',
      namespace: 'titan',
      resourceVersion: '1',
      generation: 1,
      ...metadata,
    },
    spec: { replicas: 2 },
    status: { readyReplicas: 0 },
    ...over,
  }) as unknown as KubeObject;

const update = (old: KubeObject, now: KubeObject): Change<KubeObject> => ({
  type: 'update',
  key: 'titan/quote',
  object: now,
  old,
});

describe('statusOnly', () => {
  const cases: [string, Change<KubeObject>, boolean][] = [
    [
      'is true for an update of status and resourceVersion alone',
      update(object(), object({ status: { readyReplicas: 2 } }, { resourceVersion: '2' })),
      true,
    ],
    [
      'is false when the spec changed',
      update(object(), object({ spec: { replicas: 3 } }, { resourceVersion: '2', generation: 2 })),
      false,
    ],
    [
      'is false when an annotation changed (a rotation request has no generation)',
      update(object(), object({}, { annotations: { 'posture.dev/rotate-nkey': 'now' } })),
      false,
    ],
    [
      'is false when deletion started',
      update(object(), object({}, { deletionTimestamp: '2026-12-01T00:00:00Z' })),
      false,
    ],
    [
      'is false for a spec-like field of a kind without generation',
      update(
        object({ spec: undefined, secrets: [] }, { generation: undefined }),
        object({ spec: undefined, secrets: [{ name: 'x' }] }, { generation: undefined }),
      ),
      false,
    ],
    ['is false for an add', { type: 'add', key: 'titan/quote', object: object() }, false],
    ['is false for a delete', { type: 'delete', key: 'titan/quote', object: object() }, false],
  ];
  for (const [name, change, want] of cases)
    it(name, () => {
      assert.equal(statusOnly(change), want);
    });
});

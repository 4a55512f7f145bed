import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APPLIED_HASH_ANNOTATION, isSubset, needsApply, withAppliedHash } from './apply.ts';
import { KubeApiError, isGone, isInvalid, isRetryable } from './errors.ts';
import { buildEvent } from './events.ts';
import { lines } from './lines.ts';
import { RESOURCES, collectionPath, objectPath } from './resources.ts';
import { objectKey, splitKey, type KubeObject } from './types.ts';
import { canonicalJson } from '../../lib/json.ts';

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    await Promise.resolve();
    yield new TextEncoder().encode(part);
  }
}

describe('resource paths', () => {
  const cases = [
    {
      name: 'a core namespaced object',
      got: objectPath(RESOURCES.secret, 'db', 'prod'),
      want: '/api/v1/namespaces/prod/secrets/db',
    },
    {
      name: 'a grouped namespaced collection',
      got: collectionPath(RESOURCES.lease, 'kube-system'),
      want: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases',
    },
    {
      name: 'a namespaced collection across all namespaces',
      got: collectionPath(RESOURCES.deployment),
      want: '/apis/apps/v1/deployments',
    },
    {
      name: 'a cluster-scoped object ignoring a namespace',
      got: objectPath(RESOURCES.namespace, 'prod', 'x'),
      want: '/api/v1/namespaces/prod',
    },
  ];
  for (const { name, got, want } of cases)
    it(`builds the path of ${name}`, () => assert.equal(got, want));
  it('refuses a namespaced object without a namespace', () => {
    assert.throws(() => objectPath(RESOURCES.secret, 'db'), /needs a namespace/);
  });
});

describe('keys', () => {
  it('keys namespaced objects by namespace/name and splits them back', () => {
    assert.equal(objectKey({ metadata: { namespace: 'prod', name: 'brain' } }), 'prod/brain');
    assert.deepEqual(splitKey('prod/brain'), { namespace: 'prod', name: 'brain' });
    assert.deepEqual(splitKey('prod'), { name: 'prod' });
  });
});

describe('watch lines', () => {
  it('splits events across chunk boundaries and skips blank lines', async () => {
    const got: string[] = [];
    for await (const line of lines(chunks('{"a":', '1}\n\n{"b"', ':2}\n{"c":3}'))) got.push(line);
    assert.deepEqual(got, ['{"a":1}', '{"b":2}', '{"c":3}']);
  });
});

describe('api errors', () => {
  it('classifies 410 as gone, 5xx and timeouts as retryable, 422 as not', () => {
    assert.equal(isGone(new KubeApiError('watch', 410, { reason: 'Expired' })), true);
    assert.equal(isRetryable(new KubeApiError('get', 503, undefined)), true);
    assert.equal(isRetryable(new KubeApiError('get', 0, undefined)), true);
    assert.equal(isRetryable(new KubeApiError('apply', 422, { reason: 'Invalid' })), false);
  });
  it('treats a server-side apply schema error (a 500) as invalid, not retryable', () => {
    const error = new KubeApiError('apply', 500, {
      message:
        'failed to create typed patch object (ns/x; /v1, Kind=ConfigMap): .spec: field not declared in schema',
    });
    assert.equal(isInvalid(error), true);
    assert.equal(isRetryable(error), false);
  });
  it('names the call, the code and the reason', () => {
    const error = new KubeApiError('apply /api/v1/x', 422, {
      reason: 'Invalid',
      message: 'spec.x: bad',
    });
    assert.equal(error.message, 'apply /api/v1/x: 422 Invalid: spec.x: bad');
  });
});

const desired: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'n', labels: { app: 'a' } },
  data: { k: 'v' },
};

describe('writing only what differs', () => {
  it('should see no change when live has every desired field plus defaults', () => {
    const stamped = withAppliedHash(desired);
    const live = { ...stamped, metadata: { ...stamped.metadata, uid: 'u', resourceVersion: '7' } };
    assert.equal(needsApply(stamped, live), false);
  });
  it('should apply when someone changed a field posture owns', () => {
    const stamped = withAppliedHash(desired);
    assert.equal(needsApply(stamped, { ...stamped, data: { k: 'edited' } }), true);
  });
  it('should apply when posture stopped declaring a field (hash differs)', () => {
    const before = withAppliedHash({ ...desired, data: { k: 'v', old: 'x' } });
    assert.equal(needsApply(withAppliedHash(desired), before), true);
  });
  it('should apply when the object is missing', () => {
    assert.equal(needsApply(withAppliedHash(desired), undefined), true);
  });
  it('should hash the same object the same way whatever its key order', () => {
    const reordered: KubeObject = {
      data: { k: 'v' },
      metadata: { labels: { app: 'a' }, namespace: 'n', name: 'c' },
      kind: 'ConfigMap',
      apiVersion: 'v1',
    };
    assert.equal(
      withAppliedHash(reordered).metadata.annotations?.[APPLIED_HASH_ANNOTATION],
      withAppliedHash(desired).metadata.annotations?.[APPLIED_HASH_ANNOTATION],
    );
  });
  const subsetCases = [
    {
      name: 'lists of different length differ',
      desired: { a: [1, 2] },
      live: { a: [1, 2, 3] },
      want: false,
    },
    {
      name: 'list items may carry defaulted fields',
      desired: { a: [{ x: 1 }] },
      live: { a: [{ x: 1, y: 2 }] },
      want: true,
    },
    {
      name: 'an empty desired map matches a missing one',
      desired: { a: {} },
      live: {},
      want: true,
    },
    { name: 'a number is not its string', desired: { a: 1 }, live: { a: '1' }, want: false },
  ];
  for (const c of subsetCases)
    it(`subset: ${c.name}`, () => assert.equal(isSubset(c.desired, c.live), c.want));
  it('canonical JSON drops undefined and sorts keys', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: undefined, c: [2] } }), '{"a":{"c":[2]},"b":1}');
  });
});

describe('events', () => {
  it('points at the involved object and never exceeds the message limit', () => {
    const object = { metadata: { name: 'brain', namespace: 'prod', uid: 'u1' } };
    const event = buildEvent(
      { resource: RESOURCES.configMap, object },
      { type: 'Warning', reason: 'VaultUnavailable', message: 'x'.repeat(5000), action: 'Apply' },
      new Date(0),
    );
    assert.deepEqual(event.metadata, { generateName: 'brain.', namespace: 'prod' });
    assert.equal((event.message as string).length, 1024);
    assert.deepEqual(event.involvedObject, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'brain',
      namespace: 'prod',
      uid: 'u1',
      resourceVersion: undefined,
    });
  });
});

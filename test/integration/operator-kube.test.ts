import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applyIfChanged } from '../../src/operator/kube/apply.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { KubeApiError, isInvalid } from '../../src/operator/kube/errors.ts';
import { EventRecorder } from '../../src/operator/kube/events.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import type { KubeObject, WatchEvent } from '../../src/operator/kube/types.ts';
import {
  WIDGET,
  createTestNamespace,
  installWidgetCrd,
  testKubeClient,
} from '../support/operator.ts';

describe('Kubernetes client wrapper against a real apiserver', () => {
  let client: KubeClient;
  let namespace: string;

  before(async () => {
    client = testKubeClient();
    namespace = await createTestNamespace(client, 'op-kube');
    await installWidgetCrd(client);
  });
  after(async () => {
    await client.delete(RESOURCES.namespace, { name: namespace });
  });

  const configMap = (data: Record<string, string>): KubeObject => ({
    metadata: { name: 'settings', namespace },
    data,
  });

  it('should apply an object once and send no request when it is unchanged', async () => {
    const first = await applyIfChanged(
      client,
      RESOURCES.configMap,
      configMap({ a: '1' }),
      undefined,
    );
    assert.equal(first.applied, true);
    const before = { writes: client.writes(), counts: client.counts() };
    const second = await applyIfChanged(
      client,
      RESOURCES.configMap,
      configMap({ a: '1' }),
      first.object,
    );
    assert.equal(second.applied, false);
    assert.deepEqual(client.counts(), before.counts, 'not a single request was sent');
    const third = await applyIfChanged(
      client,
      RESOURCES.configMap,
      configMap({ a: '2' }),
      first.object,
    );
    assert.equal(third.applied, true);
    assert.equal(client.writes(), before.writes + 1);
    assert.equal((third.object.data as Record<string, string>).a, '2');
  });

  it('should remove a field posture stopped declaring', async () => {
    const first = await applyIfChanged(
      client,
      RESOURCES.configMap,
      configMap({ a: '1', b: '2' }),
      undefined,
    );
    const second = await applyIfChanged(
      client,
      RESOURCES.configMap,
      configMap({ a: '1' }),
      first.object,
    );
    assert.equal(second.applied, true);
    assert.deepEqual(second.object.data, { a: '1' });
  });

  it('should reject an unknown field (fieldValidation=Strict)', async () => {
    const bad = { ...configMap({ a: '1' }), spec: { nope: true } };
    await assert.rejects(client.apply(RESOURCES.configMap, bad), (error: unknown) => {
      assert.ok(error instanceof KubeApiError);
      assert.match(error.message, /\.spec: field not declared in schema/);
      assert.equal(isInvalid(error), true, 'never retried');
      return true;
    });
  });

  it('should write status only through the status subresource', async () => {
    const widget = { metadata: { name: 'w1', namespace }, spec: { size: 1 } };
    const created = await client.apply(WIDGET, widget);
    const status = {
      metadata: { name: 'w1', namespace },
      status: { observedGeneration: 1, phase: 'Ready' },
    };
    const updated = await client.applyStatus(WIDGET, status);
    assert.deepEqual(updated.status, { observedGeneration: 1, phase: 'Ready' });
    assert.equal(updated.metadata.generation, created.metadata.generation, 'spec untouched');
    const ignored = await client.apply(WIDGET, { ...widget, status: { phase: 'Sneaky' } });
    assert.equal(
      (ignored.status as { phase: string }).phase,
      'Ready',
      'the main resource ignores status',
    );
  });

  it('should list, watch from the list resourceVersion, and see a new object', async () => {
    const list = await client.list(RESOURCES.configMap, { namespace });
    const controller = new AbortController();
    const events: WatchEvent[] = [];
    const watching = (async () => {
      const options = {
        namespace,
        resourceVersion: list.resourceVersion,
        timeoutSeconds: 30,
        signal: controller.signal,
      };
      for await (const event of client.watch(RESOURCES.configMap, options)) {
        events.push(event);
        if (event.type === 'ADDED') return;
      }
    })();
    await client.create(RESOURCES.configMap, { metadata: { name: 'watched', namespace } });
    await watching;
    controller.abort();
    assert.equal(events.at(-1)?.type, 'ADDED');
    assert.equal((events.at(-1)?.object as KubeObject).metadata.name, 'watched');
  });

  it('should record an Event on an object', async () => {
    const object = await client.get(RESOURCES.configMap, { name: 'settings', namespace });
    assert.ok(object);
    const recorder = new EventRecorder(client, () => Date.now());
    const note = {
      type: 'Normal' as const,
      reason: 'Applied',
      message: 'settings applied',
      action: 'Apply',
    };
    await recorder.record({ resource: RESOURCES.configMap, object }, note);
    const events = await client.list(RESOURCES.event, {
      namespace,
      fieldSelector: 'involvedObject.name=settings',
    });
    assert.equal(events.items[0]?.reason, 'Applied');
  });

  it('should delete an object and report a second delete as already gone', async () => {
    await client.create(RESOURCES.configMap, { metadata: { name: 'doomed', namespace } });
    assert.equal(await client.delete(RESOURCES.configMap, { name: 'doomed', namespace }), true);
    assert.equal(await client.delete(RESOURCES.configMap, { name: 'doomed', namespace }), false);
  });

  it('should fail a call that exceeds its deadline with a retryable timeout', async () => {
    const slow = testKubeClient({ timeoutMs: 1 });
    await assert.rejects(slow.list(RESOURCES.configMap, { namespace }), (error: unknown) => {
      assert.ok(error instanceof KubeApiError);
      assert.equal(error.code, 0);
      return true;
    });
  });
});

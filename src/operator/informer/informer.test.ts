import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'node:test';
import { KubeApiError } from '../kube/errors.ts';
import { RESOURCES } from '../kube/resources.ts';
import { silentLog } from '../telemetry/log.ts';
import { FakeClock } from '../../lib/testing/fake-clock.ts';
import { Channel, FakeSource, object } from '../testing/fake-source.ts';
import { Informer, type RestartReason } from './informer.ts';
import type { KubeObject } from '../kube/types.ts';
import { Store, type ChangeType } from './store.ts';

function setup(stallTimeoutMs = 2000) {
  const clock = new FakeClock();
  const source = new FakeSource();
  const restarts: RestartReason[] = [];
  const changes: Array<[ChangeType, string]> = [];
  const informer = new Informer({
    source,
    resource: RESOURCES.configMap,
    namespace: 'ns',
    log: silentLog,
    clock,
    random: () => 0.5,
    stallTimeoutMs,
    onRestart: (reason) => restarts.push(reason),
  });
  informer.onChange((change) => changes.push([change.type, change.key]));
  const controller = new AbortController();
  const start = () => informer.run(controller.signal);
  return { clock, source, informer, restarts, changes, controller, start };
}

describe('informer', () => {
  it('should list, then watch from the list resourceVersion and keep the cache current', async () => {
    const t = setup();
    const watch = new Channel();
    t.source.lists.push({ items: [object('a', '5')], resourceVersion: '10', continue: '' });
    t.source.watches.push(watch);
    const running = t.start();
    await t.informer.waitForSync();
    watch.push({ type: 'ADDED', object: object('b', '11') });
    watch.push({ type: 'MODIFIED', object: object('a', '12') });
    watch.push({ type: 'DELETED', object: object('b', '13') });
    await t.clock.advance(0);
    assert.deepEqual(t.source.calls, [{ verb: 'list' }, { verb: 'watch', resourceVersion: '10' }]);
    assert.deepEqual(t.changes, [
      ['add', 'ns/a'],
      ['add', 'ns/b'],
      ['update', 'ns/a'],
      ['delete', 'ns/b'],
    ]);
    assert.deepEqual(t.informer.store.keys(), ['ns/a']);
    assert.equal(t.informer.resourceVersion, '13');
    t.controller.abort();
    await running;
  });

  it('should take the resourceVersion of a bookmark without reporting a change', async () => {
    const t = setup();
    const first = new Channel();
    t.source.lists.push({ items: [], resourceVersion: '10', continue: '' });
    t.source.watches.push(first, new Channel());
    const running = t.start();
    await t.clock.advance(0);
    first.push({ type: 'BOOKMARK', object: object('', '42') });
    await t.clock.advance(1500);
    first.push('end');
    await t.clock.advance(0);
    assert.deepEqual(t.changes, []);
    assert.deepEqual(t.source.calls.at(-1), { verb: 'watch', resourceVersion: '42' });
    assert.deepEqual(t.restarts, [], 'a watch the server closed is continued, not restarted');
    t.controller.abort();
    await running;
  });

  it('should list again on a 410 Gone ERROR event and report objects deleted meanwhile', async () => {
    const t = setup();
    const first = new Channel();
    t.source.lists.push(
      { items: [object('a', '5'), object('b', '6')], resourceVersion: '10', continue: '' },
      { items: [object('a', '5')], resourceVersion: '99', continue: '' },
    );
    t.source.watches.push(first, new Channel());
    const running = t.start();
    await t.clock.advance(1500);
    first.push({
      type: 'ERROR',
      object: { code: 410, reason: 'Expired', message: 'too old resource version' },
    });
    await t.clock.advance(1000);
    assert.deepEqual(t.restarts, ['gone']);
    assert.deepEqual(
      t.source.calls.map((call) => call.verb),
      ['list', 'watch', 'list', 'watch'],
    );
    assert.deepEqual(t.source.calls.at(-1), { verb: 'watch', resourceVersion: '99' });
    assert.deepEqual(t.changes.at(-1), ['delete', 'ns/b']);
    t.controller.abort();
    await running;
  });

  it('should list again when the watch request itself answers 410', async () => {
    const t = setup();
    const failing = new Channel();
    failing.push(new KubeApiError('watch', 410, { reason: 'Expired' }));
    t.source.lists.push(
      { items: [], resourceVersion: '10', continue: '' },
      { items: [], resourceVersion: '20', continue: '' },
    );
    t.source.watches.push(failing, new Channel());
    const running = t.start();
    await t.clock.advance(1000);
    assert.deepEqual(t.restarts, ['gone']);
    assert.deepEqual(t.source.calls.at(-1), { verb: 'watch', resourceVersion: '20' });
    t.controller.abort();
    await running;
  });

  it('should restart a watch that sent nothing for the stall timeout, from the same resourceVersion', async () => {
    const t = setup(2000);
    t.source.lists.push({ items: [], resourceVersion: '10', continue: '' });
    const running = t.start();
    await t.clock.advance(1999);
    assert.deepEqual(t.restarts, []);
    await t.clock.advance(1);
    assert.deepEqual(t.restarts, ['stall']);
    assert.deepEqual(t.source.calls, [
      { verb: 'list' },
      { verb: 'watch', resourceVersion: '10' },
      { verb: 'watch', resourceVersion: '10' },
    ]);
    t.controller.abort();
    await running;
  });

  it('should retry a failing list with backoff until it succeeds', async () => {
    const t = setup();
    t.source.lists.push(new KubeApiError('list', 0, { message: 'connection refused' }));
    t.source.lists.push({ items: [object('a', '1')], resourceVersion: '10', continue: '' });
    const running = t.start();
    await t.clock.advance(0);
    assert.equal(t.informer.hasSynced(), false);
    assert.deepEqual(t.restarts, ['error']);
    await t.clock.advance(500);
    assert.equal(t.informer.hasSynced(), true);
    t.controller.abort();
    await running;
  });

  it('should refuse to cache Secrets cluster-wide', () => {
    assert.throws(
      () => new Informer({ source: new FakeSource(), resource: RESOURCES.secret, log: silentLog }),
      /never cache all Secrets/,
    );
  });
});

describe('Store', () => {
  it('should keep objects without managedFields (nothing reads them from the cache)', () => {
    const store = new Store<KubeObject>();
    store.upsert({
      metadata: {
        name: 'a',
        namespace: 'n',
        resourceVersion: '1',
        managedFields: [{ manager: 'posture', fieldsV1: { 'f:spec': {} } }],
      },
    });
    const cached = store.get('n/a');
    assert.equal(cached?.metadata.managedFields, undefined);
    assert.equal(cached?.metadata.resourceVersion, '1');
  });

  it('should hold in each namespace exactly the cached objects of that namespace, whatever the events', () => {
    const event = fc.record({
      op: fc.constantFrom('upsert', 'remove', 'replace'),
      namespace: fc.constantFrom('a', 'b', ''),
      name: fc.constantFrom('x', 'y', 'z'),
      rv: fc.nat(5),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        const store = new Store<KubeObject>();
        for (const e of events) {
          const object = {
            metadata: {
              name: e.name,
              namespace: e.namespace || undefined,
              resourceVersion: `${e.rv}`,
            },
          };
          if (e.op === 'upsert') store.upsert(object);
          else if (e.op === 'remove') store.remove(object);
          else store.replace(store.list().filter((o) => o.metadata.name !== e.name));
        }
        for (const namespace of ['a', 'b', '']) {
          const names = (list: KubeObject[]) => list.map((o) => o.metadata.name).sort();
          const expected = store.list().filter((o) => (o.metadata.namespace ?? '') === namespace);
          assert.deepEqual(names(store.inNamespace(namespace)), names(expected));
        }
      }),
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Change } from '../../src/operator/informer/store.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { Tally } from './tally.ts';

const service = (name: string, ready: boolean): KubeObject => ({
  metadata: { namespace: 'team-a', name },
  status: { ready },
});
const isReady = (o: KubeObject) => (o as { status?: { ready?: boolean } }).status?.ready === true;

/** A cache holding `initial`, whose changes the test sends by hand. */
function watched(initial: KubeObject[]) {
  let handler: (change: Change<KubeObject>) => void = () => undefined;
  const send = (type: Change<KubeObject>['type'], object: KubeObject) =>
    handler({ type, key: `team-a/${object.metadata.name}`, object });
  const informer = {
    store: { list: () => initial },
    onChange: (h: (change: Change<KubeObject>) => void) => void (handler = h),
  };
  return { informer, send };
}

describe('Tally', () => {
  it('counts what the cache already holds when it starts', () => {
    const { informer } = watched([service('a', true), service('b', false)]);
    assert.equal(new Tally(informer, isReady).count, 1);
  });
  it('follows an object that passes, fails again and is deleted', () => {
    const { informer, send } = watched([]);
    const tally = new Tally(informer, isReady);
    send('add', service('a', false));
    assert.equal(tally.count, 0);
    send('update', service('a', true));
    send('update', service('a', true));
    assert.equal(tally.count, 1, 'an update that still passes counts once');
    send('update', service('a', false));
    assert.equal(tally.count, 0);
    send('update', service('a', true));
    send('delete', service('a', true));
    assert.equal(tally.count, 0);
  });
});

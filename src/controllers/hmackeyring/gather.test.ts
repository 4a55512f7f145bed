import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Store } from '../../operator/informer/store.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { ringsOfDeployment } from './gather.ts';

const ring = (name: string, phase: string | undefined, members: Record<string, string[]>) =>
  ({
    metadata: { name, namespace: 'titan', resourceVersion: '1' },
    spec: { vaultPath: `secret/titan/hmac/${name}`, signers: [], listeners: [], ...members },
    ...(phase && { status: { phase } }),
  }) as KubeObject;

const deployment = (name: string, namespace = 'titan') =>
  ({ metadata: { name, namespace, resourceVersion: '7' } }) as KubeObject;

/** The rings a Deployment's change queues, with these rings cached. */
function queued(rings: KubeObject[], changed: KubeObject): string[] {
  const store = new Store<KubeObject>();
  rings.forEach((r) => store.upsert(r));
  const informer = { store } as unknown as Parameters<typeof ringsOfDeployment>[0];
  return ringsOfDeployment(informer)({ type: 'update', key: 'k', object: changed });
}

describe('HmacKeyRing: the rings a member Deployment change queues', () => {
  const cases: [string, KubeObject[], KubeObject, string[]][] = [
    [
      'should queue a ring whose listeners roll, when a listener changed',
      [ring('sig', 'ListenersRolling', { listeners: ['quoter'] })],
      deployment('quoter'),
      ['titan/sig'],
    ],
    [
      'should queue a ring whose signers roll, when a signer changed',
      [ring('sig', 'SignersRolling', { signers: ['pricer'] })],
      deployment('pricer'),
      ['titan/sig'],
    ],
    [
      'should not queue a Stable ring: its decision reads no rollout',
      [ring('sig', 'Stable', { listeners: ['quoter'] })],
      deployment('quoter'),
      [],
    ],
    [
      'should not queue a ring in its grace period, which only waits for time',
      [ring('sig', 'GracePeriod', { signers: ['pricer'] })],
      deployment('pricer'),
      [],
    ],
    [
      'should not queue a ring not yet reconciled (no phase): its first reconcile is queued anyway',
      [ring('sig', undefined, { listeners: ['quoter'] })],
      deployment('quoter'),
      [],
    ],
    [
      'should not queue a rolling ring that does not list the Deployment',
      [ring('sig', 'ListenersRolling', { listeners: ['other'] })],
      deployment('quoter'),
      [],
    ],
    [
      'should not queue a rolling ring of another namespace',
      [ring('sig', 'ListenersRolling', { listeners: ['quoter'] })],
      deployment('quoter', 'athena'),
      [],
    ],
  ];
  for (const [name, rings, changed, want] of cases)
    it(name, () => assert.deepEqual(queued(rings, changed), want));
});

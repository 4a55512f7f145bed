import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Store } from '../../operator/informer/store.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { credentialConsumers, keyRingMembers, namedPeers } from './gather.ts';

/**
 * Which services a change of another CR reconciles: those it grants to and those it took access
 * away from, so a withdrawal reaches the service in the reconcile the change triggers.
 */

const cr = (version: string, spec: Record<string, unknown>) =>
  ({ metadata: { name: 'x', namespace: 'titan', resourceVersion: version }, spec }) as KubeObject;

/** The change a Store reports for `before` then `after` (after undefined: deleted). */
function change(before: KubeObject, after?: KubeObject) {
  const store = new Store<KubeObject>();
  store.upsert(before);
  const reported = after ? store.upsert(after) : store.remove(before);
  assert.ok(reported);
  return reported;
}

describe('TradingService gather: dependants of a change', () => {
  const cases: [
    string,
    (c: ReturnType<typeof change>) => string[],
    ReturnType<typeof change>,
    string[],
  ][] = [
    [
      'should reconcile a consumer the credential dropped, and the one it added',
      credentialConsumers,
      change(cr('1', { consumers: ['execution'] }), cr('2', { consumers: ['brain'] })),
      ['titan/brain', 'titan/execution'],
    ],
    [
      'should reconcile every consumer of a deleted credential',
      credentialConsumers,
      change(cr('1', { consumers: ['execution', 'hunter'] })),
      ['titan/execution', 'titan/hunter'],
    ],
    [
      'should reconcile a listener the key ring dropped',
      keyRingMembers,
      change(
        cr('1', { signers: ['brain'], listeners: ['execution'] }),
        cr('2', { signers: ['brain'], listeners: [] }),
      ),
      ['titan/brain', 'titan/execution'],
    ],
    [
      'should reconcile a peer the service no longer names',
      namedPeers,
      change(
        cr('1', {
          ingress: [{ service: 'console' }],
          egress: { services: [{ service: 'nats', namespace: 'infra' }] },
        }),
        cr('2', { ingress: [], egress: { services: [] } }),
      ),
      ['infra/nats', 'titan/console'],
    ],
  ];
  for (const [name, map, c, want] of cases) {
    it(name, () => assert.deepEqual(map(c).sort(), want));
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../operator/kube/types.ts';
import { condition, type Condition } from '../kit/conditions.ts';
import { readyReplicasOf, serviceEvents } from './status.ts';

const deployment = (status: object): KubeObject => ({
  metadata: { name: 'trader', namespace: 'titan' },
  status,
});

describe('readyReplicasOf', () => {
  const cases: [string, KubeObject | undefined, number][] = [
    ["should take the Deployment's status.readyReplicas", deployment({ readyReplicas: 2 }), 2],
    ['should say 0 when no pod is ready (the field is omitted)', deployment({ replicas: 1 }), 0],
    ['should say 0 when the Deployment does not exist (yet)', undefined, 0],
  ];
  for (const [name, input, want] of cases)
    it(name, () => assert.equal(readyReplicasOf(input), want));
});

describe('the Events of a TradingService status change', () => {
  const ready = (status: 'True' | 'False', reason: string): Condition => ({
    ...condition('Ready', status, reason, `${reason} message`),
    observedGeneration: 1,
    lastTransitionTime: '2026-12-01T10:00:00Z',
  });
  const cases: [string, Condition[] | undefined, Condition[], string[]][] = [
    [
      'should announce nothing when a new service is Ready',
      undefined,
      [ready('True', 'Reconciled')],
      [],
    ],
    [
      'should announce nothing when a new service waits for an unconfirmable NATS load',
      undefined,
      [ready('False', 'NatsNotConfirmed')],
      [],
    ],
    [
      'should warn when a new service is not Ready for a problem',
      undefined,
      [ready('False', 'DependencyMissing')],
      ['Warning DependencyMissing'],
    ],
    [
      'should warn when Ready turns False',
      [ready('True', 'Reconciled')],
      [ready('False', 'VaultUnavailable')],
      ['Warning VaultUnavailable'],
    ],
    [
      'should announce Ready turning True after a problem',
      [ready('False', 'DependencyMissing')],
      [ready('True', 'Reconciled')],
      ['Normal Reconciled'],
    ],
  ];
  for (const [name, before, after, want] of cases)
    it(name, () =>
      assert.deepEqual(
        serviceEvents(before, after).map((e) => `${e.type} ${e.reason}`),
        want,
      ),
    );
});

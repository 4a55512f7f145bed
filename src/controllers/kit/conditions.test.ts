import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ConditionType,
  nextStatus,
  readyCondition,
  setCondition,
  statusEqual,
  type Condition,
  type ConditionInput,
} from './conditions.ts';
import { Reason } from './reasons.ts';

const t0 = new Date('2025-01-01T00:00:00.123Z');
const t1 = new Date('2025-01-01T01:00:00Z');

const vaultDown: ConditionInput = {
  type: ConditionType.VaultUnavailable,
  status: 'True',
  reason: Reason.VaultUnavailable,
  message: 'connection refused',
};

describe('conditions', () => {
  it('should add a condition with the time of its first status', () => {
    assert.deepEqual(setCondition([], vaultDown, t0), [
      { ...vaultDown, lastTransitionTime: '2025-01-01T00:00:00Z' },
    ]);
  });
  it('should keep lastTransitionTime when only the message changes', () => {
    const first = setCondition([], vaultDown, t0);
    const second = setCondition(first, { ...vaultDown, message: 'timeout' }, t1);
    assert.equal(second[0]?.lastTransitionTime, '2025-01-01T00:00:00Z');
    assert.equal(second[0]?.message, 'timeout');
  });
  it('should move lastTransitionTime when the status flips', () => {
    const first = setCondition([], vaultDown, t0);
    const second = setCondition(
      first,
      { ...vaultDown, status: 'False', reason: Reason.VaultReachable },
      t1,
    );
    assert.equal(second[0]?.lastTransitionTime, '2025-01-01T01:00:00Z');
  });
  it('should keep the order of other conditions', () => {
    const ready: ConditionInput = {
      type: 'Ready',
      status: 'True',
      reason: Reason.Reconciled,
      message: '',
    };
    const both = setCondition(setCondition([], ready, t0), vaultDown, t0);
    assert.deepEqual(
      setCondition(both, { ...ready, status: 'False' }, t1).map((c) => c.type),
      ['Ready', 'VaultUnavailable'],
    );
  });
  it('should never move lastTransitionTime for a repeated status (property)', () => {
    const input = fc.record({
      status: fc.constantFrom('True' as const, 'False' as const),
      message: fc.string(),
    });
    fc.assert(
      fc.property(fc.array(input, { minLength: 1, maxLength: 20 }), (steps) => {
        let conditions: Condition[] = [];
        let previous: Condition | undefined;
        steps.forEach((step, i) => {
          conditions = setCondition(
            conditions,
            { ...vaultDown, ...step },
            new Date(Date.UTC(2025, 0, 1, 0, i)),
          );
          const now = conditions[0]!;
          if (previous && previous.status === now.status)
            assert.equal(now.lastTransitionTime, previous.lastTransitionTime);
          if (previous && previous.status !== now.status)
            assert.notEqual(now.lastTransitionTime, previous.lastTransitionTime);
          previous = now;
        });
      }),
    );
  });
});

describe('status', () => {
  it('should record the observed generation on the status and each condition it set', () => {
    const status = nextStatus(undefined, { generation: 3, conditions: [vaultDown] }, t0);
    assert.equal(status.observedGeneration, 3);
    assert.equal(status.conditions?.[0]?.observedGeneration, 3);
  });
  it('should see an unchanged status as equal, so nothing is written', () => {
    const status = nextStatus(
      undefined,
      { generation: 3, conditions: [vaultDown], fields: { keyId: 'k1' } },
      t0,
    );
    const again = nextStatus(
      status,
      { generation: 3, conditions: [vaultDown], fields: { keyId: 'k1' } },
      t1,
    );
    assert.equal(statusEqual(status, again), true);
  });
  it('should see a new generation as a change', () => {
    const status = nextStatus(undefined, { generation: 3, conditions: [vaultDown] }, t0);
    assert.equal(
      statusEqual(status, nextStatus(status, { generation: 4, conditions: [vaultDown] }, t0)),
      false,
    );
  });
  it('should summarise Ready from the first problem', () => {
    assert.deepEqual(readyCondition([vaultDown]), {
      type: 'Ready',
      status: 'False',
      reason: 'VaultUnavailable',
      message: 'connection refused',
    });
    assert.equal(readyCondition([{ ...vaultDown, status: 'False' }]).status, 'True');
  });
});

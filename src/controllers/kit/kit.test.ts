import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resourceOf } from '../../api/common/kind.ts';
import { TradingServiceSchema } from '../../api/tradingservice/schema.ts';
import { TerminalError } from '../../operator/errors.ts';
import type { EventNote } from '../../operator/kube/events.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { silentLog } from '../../operator/telemetry/log.ts';
import { VaultRequestError, VaultUnavailableError } from '../../vault/errors.ts';
import { condition, type ConditionInput } from './conditions.ts';
import { parseObject, rejectSpec } from './invalid-spec.ts';
import { Reason } from './reasons.ts';
import { StatusWriter, type Cached, type StatusWriterOptions } from './status-writer.ts';
import { refusalMessage, vaultCondition, vaultFailure, type VaultAnswer } from './vault.ts';

const RESOURCE = resourceOf({ kind: 'Widget', plural: 'widgets' });
const T0 = new Date('2026-12-01T10:00:00Z');
const ready = (status: 'True' | 'False', reason = 'Reconciled'): ConditionInput =>
  condition('Ready', status, reason, `ready ${status}`);

/** A writer whose apiserver and Event sink are recording fakes. */
function harness(options: Partial<StatusWriterOptions> & { failEvents?: boolean } = {}) {
  const writes: KubeObject[] = [];
  const events: EventNote[] = [];
  const writer = new StatusWriter({
    client: {
      applyStatus: <T extends KubeObject>(_r: unknown, body: KubeObject) => {
        writes.push(body);
        return Promise.resolve(body as T);
      },
    },
    events: {
      record: (_involved, note) => {
        if (options.failEvents) return Promise.reject(new Error('namespace terminating'));
        events.push(note);
        return Promise.resolve();
      },
    },
    log: silentLog,
    resource: RESOURCE,
    now: () => T0,
    ...options,
  });
  return { writer, writes, events };
}

const object = (status?: Cached['status']): Cached => ({
  metadata: { name: 'w', namespace: 'ns', generation: 3 },
  ...(status && { status }),
});

describe('the status writer every kind shares', () => {
  it('should write conditions with the injected clock and the observed generation', async () => {
    const { writer, writes } = harness();
    await writer.write(object(), { conditions: [ready('True')], fields: { size: 2 } });
    assert.deepEqual(writes[0]?.['status' as keyof KubeObject], {
      size: 2,
      observedGeneration: 3,
      conditions: [
        { ...ready('True'), observedGeneration: 3, lastTransitionTime: '2026-12-01T10:00:00Z' },
      ],
    });
  });

  it('should send nothing when the status would not change (a no-op resync)', async () => {
    const first = harness();
    await first.writer.write(object(), { conditions: [ready('True')] });
    const written = first.writes[0] as Cached;
    const again = harness({ now: () => new Date(T0.getTime() + 60_000) });
    await again.writer.write(object(written.status), { conditions: [ready('True')] });
    assert.equal(again.writes.length, 0);
  });

  it('should merge the fields observed at write time over the decided ones', async () => {
    const { writer, writes } = harness({ observed: () => ({ readyReplicas: 1 }) });
    await writer.write(object(), { conditions: [], fields: { readyReplicas: 9, other: 'x' } });
    const status = (writes[0] as Cached).status;
    assert.equal(status?.['readyReplicas'], 1);
    assert.equal(status?.['other'], 'x');
  });

  it('should record a Warning when Ready turns False and a Normal when it turns back', async () => {
    const { writer, events, writes } = harness();
    await writer.write(object(), { conditions: [ready('False', 'DependencyMissing')] });
    await writer.write(object((writes[0] as Cached).status), { conditions: [ready('True')] });
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.reason}`),
      ['Warning DependencyMissing', 'Normal Reconciled'],
    );
  });

  it('should record no Event when a new object is Ready at its first status', async () => {
    const { writer, events, writes } = harness();
    await writer.write(object(), { conditions: [ready('True')] });
    assert.equal(writes.length, 1);
    assert.deepEqual(events, []);
  });

  it('should record a Warning when Ready turns False after True, and a Normal when it recovers', async () => {
    const { writer, events, writes } = harness();
    await writer.write(object(), { conditions: [ready('True')] });
    const statusOf = (i: number) => (writes[i] as Cached).status;
    await writer.write(object(statusOf(0)), { conditions: [ready('False', 'VaultUnavailable')] });
    await writer.write(object(statusOf(1)), { conditions: [ready('True')] });
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.reason}`),
      ['Warning VaultUnavailable', 'Normal Reconciled'],
    );
  });

  it('should keep the status written when the Event is refused', async () => {
    const { writer, writes } = harness({ failEvents: true });
    await writer.write(object(), { conditions: [ready('False', 'DependencyMissing')] });
    assert.equal(writes.length, 1);
  });
});

describe('the invalid-spec path every kind shares', () => {
  it('should name each invalid field, write InvalidSpec and Ready False, and stop retrying', async () => {
    const parsed = parseObject(TradingServiceSchema, { metadata: { name: 'x' }, spec: {} });
    assert.equal(parsed.ok, false);
    const message = parsed.ok ? '' : parsed.message;
    assert.match(message, /spec\.image/);
    const { writer, writes } = harness();
    await assert.rejects(
      rejectSpec(writer, object(), message),
      (error) => error instanceof TerminalError && error.reason === Reason.InvalidSpec,
    );
    const conditions = (writes[0] as Cached).status?.conditions ?? [];
    assert.deepEqual(
      conditions.map((c) => `${c.type}=${c.status}/${c.reason}`),
      ['InvalidSpec=True/InvalidSpec', 'Ready=False/InvalidSpec'],
    );
  });
});

describe('the Vault condition every kind shares', () => {
  const cases: [string, VaultAnswer, string][] = [
    ['should say Vault answered when it did', { state: 'reachable' }, 'False/VaultReachable'],
    [
      'should report an unreachable Vault as VaultUnavailable (retried)',
      { state: 'unavailable', message: 'connect ECONNREFUSED' },
      'True/VaultUnavailable',
    ],
    [
      'should report a refusal as VaultRefused (looked at again slowly)',
      { state: 'refused', message: '403' },
      'True/VaultRefused',
    ],
  ];
  for (const [name, answer, want] of cases)
    it(name, () => {
      const c = vaultCondition(answer);
      assert.equal(`${c.status}/${c.reason}`, want);
    });

  it("should tell a 403's reader to compare the operator's policy", () => {
    const message = refusalMessage(new VaultRequestError('read sys/policies/acl/x', 403, 'denied'));
    assert.match(message, /posture vault operator-policy/);
  });
});

describe('vaultFailure', () => {
  const cases: [string, unknown, string | undefined][] = [
    [
      'should call an unreachable Vault unavailable',
      new VaultUnavailableError('read x', 'ECONNREFUSED'),
      'unavailable',
    ],
    [
      'should call a 403 refused',
      new VaultRequestError('read x', 403, 'permission denied'),
      'refused',
    ],
    ['should leave any other error to the caller', new Error('bug'), undefined],
  ];
  for (const [name, error, state] of cases)
    it(name, () => assert.equal(vaultFailure(error)?.state, state));
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TerminalError } from '../../operator/errors.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { VaultRequestError } from '../../vault/errors.ts';
import { harness, titanObjects, type Harness } from './testing/harness.ts';
import { FINALIZER } from './reconcile.ts';
import { SWEEP_KEY } from './sweep.ts';
import { EXCHANGE_CREDENTIAL } from '../../api/exchangecredential/kind.ts';

/**
 * The TradingService reconciler with recording fakes (Kubernetes client, FakeVault, NATS
 * publisher): the order of its steps, and the conditions and reasons it reports. The
 * integration tests run the same reconciler against the real servers.
 */

const named = (name: string) =>
  structuredClone(titanObjects.services.find((s) => s.metadata.name === name)!);

function live(name: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  const object = named(name);
  return {
    ...object,
    metadata: {
      ...object.metadata,
      uid: `uid-${name}`,
      generation: 1,
      resourceVersion: '1',
      ...extra,
    },
  };
}

/** The credential as cached, listing no consumer (resourceVersion moved on). */
function withoutConsumers(name: string): KubeObject {
  const credential = structuredClone(
    titanObjects.credentials.find((c) => c.metadata.name === name)!,
  );
  const spec = (credential as unknown as { spec: { consumers: string[] } }).spec;
  spec.consumers = [];
  return { ...credential, metadata: { ...credential.metadata, resourceVersion: '9' } };
}

const lastCondition = (h: Harness, type: string) =>
  h.statuses.at(-1)?.conditions?.find((c) => c.type === type);

interface Case {
  name: string;
  service: string;
  setup?: (h: Harness) => void;
  /** Steps that must appear in this order (other steps may sit between). */
  order: string[];
  /** Condition type → [status, reason] in the last status written. */
  conditions: Record<string, [string, string]>;
  /** The cached object; the service as the example declares it, finalizer on, by default. */
  object?: () => KubeObject;
  /** What the reconcile returns: a requeue delay, undefined, or the error it throws. */
  result: 'done' | 'requeue' | 'throws' | 'terminal';
  withNats?: boolean;
}

const cases: Case[] = [
  {
    name: 'should write Vault access before any child, then report Ready',
    service: 'brain',
    order: ['vault writePolicy posture-titan-brain', 'apply Deployment brain', 'status'],
    conditions: { Ready: ['True', 'Reconciled'], Degraded: ['False', 'NoProblems'] },
    result: 'done',
  },
  {
    name: 'should apply what is granted, report Degraded naming the credential and look again soon',
    service: 'execution',
    setup: (h) => h.put(EXCHANGE_CREDENTIAL, withoutConsumers('binance')),
    order: ['vault writePolicy posture-titan-execution', 'apply Deployment execution', 'status'],
    conditions: { Ready: ['False', 'DependencyMissing'], Degraded: ['True', 'DependencyMissing'] },
    result: 'requeue',
  },
  {
    name: 'should report VaultUnavailable and retry with backoff while Vault is down',
    service: 'brain',
    setup: (h) => (h.vault.available = false),
    order: ['status'],
    conditions: {
      VaultUnavailable: ['True', 'VaultUnavailable'],
      Ready: ['False', 'VaultUnavailable'],
    },
    result: 'throws',
  },
  {
    name: "should report VaultRefused and look again slowly when Vault refuses the operator's call",
    service: 'brain',
    setup: (h) => {
      h.vault.writePolicy = () =>
        Promise.reject(
          new VaultRequestError(
            'PUT sys/policies/acl/posture-titan-brain',
            403,
            'permission denied',
          ),
        );
    },
    order: ['status'],
    conditions: { VaultUnavailable: ['True', 'VaultRefused'], Ready: ['False', 'VaultRefused'] },
    result: 'requeue',
  },
  {
    name: 'should apply the children and wait without Ready while nats-server has not confirmed',
    service: 'brain',
    withNats: true,
    setup: (h) => (h.nats.state = 'pending'),
    order: ['apply Deployment brain', 'nats pending'],
    conditions: {},
    result: 'requeue',
  },
  {
    name: 'should report InvalidSpec and stop retrying when the spec breaks the schema',
    service: 'brain',
    object: () => {
      const object = live('brain');
      (object as unknown as { spec: { replicas: number } }).spec.replicas = -1;
      return object;
    },
    order: ['status'],
    conditions: { InvalidSpec: ['True', 'InvalidSpec'] },
    result: 'terminal',
  },
];

async function outcome(h: Harness, object: KubeObject): Promise<Case['result']> {
  try {
    const result = await h.reconcile(object);
    return result?.requeueAfterMs === undefined ? 'done' : 'requeue';
  } catch (error) {
    return error instanceof TerminalError ? 'terminal' : 'throws';
  }
}

function assertInOrder(log: string[], steps: string[]): void {
  let from = 0;
  for (const step of steps) {
    const at = log.indexOf(step, from);
    assert.ok(at >= 0, `${step} after position ${from} in:\n  ${log.join('\n  ')}`);
    from = at + 1;
  }
}

describe('TradingService reconcile (recording fakes)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const h = harness({ withNats: c.withNats ?? false });
      c.setup?.(h);
      const object = c.object?.() ?? live(c.service);
      assert.equal(await outcome(h, object), c.result);
      assertInOrder(h.log, c.order);
      for (const [type, [status, reason]] of Object.entries(c.conditions)) {
        assert.equal(lastCondition(h, type)?.status, status, `${type} status`);
        assert.equal(lastCondition(h, type)?.reason, reason, `${type} reason`);
      }
    });
  }

  it('should write nothing to the TradingService itself but its status (no finalizer)', async () => {
    const h = harness({ withNats: true });
    assert.equal(await outcome(h, live('brain')), 'done');
    assert.deepEqual(
      h.log.filter((l) => l.startsWith('finalizers')),
      [],
    );
  });

  it("should remove a deleted service's NATS user, then its Vault access, then its NKey", async () => {
    const h = harness({ withNats: true });
    assert.equal(await outcome(h, live('brain')), 'done');
    h.log.length = 0;
    assert.equal(await h.reconcileGone('titan', 'brain'), undefined);
    assertInOrder(h.log, [
      'nats confirmed',
      'vault deletePolicy posture-titan-brain',
      'vault deleteKubernetesRole kubernetes',
      'vault kvDestroy secret/posture/nats/titan/brain',
    ]);
    assert.equal(await h.vault.readPolicy('posture-titan-brain'), undefined);
    assert.equal(await h.vault.kvRead('secret/posture/nats/titan/brain'), undefined);
  });

  it("should touch nothing in Vault while nats-server still has a deleted service's user", async () => {
    const h = harness({ withNats: true });
    assert.equal(await outcome(h, live('brain')), 'done');
    h.log.length = 0;
    h.nats.state = 'pending';
    assert.ok((await h.reconcileGone('titan', 'brain'))?.requeueAfterMs);
    assert.deepEqual(
      h.log.filter((l) => l.startsWith('vault')),
      [],
    );
  });

  it('should find in its Vault sweep a service deleted while no operator ran, and queue only it', async () => {
    const before = harness({ withNats: true });
    for (const name of ['brain', 'execution']) await outcome(before, live(name));
    // The operator restarted; brain was deleted meanwhile, so the new cache never had it.
    const after = harness({ withNats: true, vault: before.vault, without: ['titan/brain'] });
    assert.equal(await after.reconcileKey(SWEEP_KEY), undefined);
    assert.deepEqual(after.enqueued, ['titan/brain']);
    assert.equal(await after.reconcileGone('titan', 'brain'), undefined);
    assert.equal(await after.vault.readPolicy('posture-titan-brain'), undefined);
    assert.ok(await after.vault.readPolicy('posture-titan-execution'));
    after.enqueued.length = 0;
    await after.reconcileKey(SWEEP_KEY);
    assert.deepEqual(after.enqueued, [], 'a second sweep finds nothing left');
  });

  it('should clean up a service an older posture gave its finalizer, and release it last', async () => {
    const h = harness({ withNats: true });
    const deleting = live('brain', {
      finalizers: [FINALIZER],
      deletionTimestamp: '2026-12-01T00:00:00Z',
    });
    assert.equal(await outcome(h, deleting), 'done');
    assertInOrder(h.log, [
      'nats confirmed',
      'vault deletePolicy posture-titan-brain',
      'vault kvDestroy secret/posture/nats/titan/brain',
      'finalizers []',
    ]);
  });

  it("should keep an older posture's finalizer and touch nothing in Vault while nats-server still has the user", async () => {
    const h = harness({ withNats: true });
    h.nats.state = 'pending';
    const deleting = live('brain', {
      finalizers: [FINALIZER],
      deletionTimestamp: '2026-12-01T00:00:00Z',
    });
    assert.equal(await outcome(h, deleting), 'requeue');
    assert.deepEqual(
      h.log.filter((l) => l.startsWith('vault') || l.startsWith('finalizers')),
      [],
    );
  });
});

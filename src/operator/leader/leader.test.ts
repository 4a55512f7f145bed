import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLog } from '../telemetry/log.ts';
import { FakeClock } from '../../lib/testing/fake-clock.ts';
import { FakeLeaseClient, LeaseStore } from '../testing/fake-leases.ts';
import { LeaderElector } from './elector.ts';
import { heldBy, microTime, released, takeable, type Lease } from './lease.ts';

interface Candidate {
  elector: LeaderElector;
  client: FakeLeaseClient;
  stop: AbortController;
  running: Promise<void>;
  log: string[];
}

function candidate(identity: string, store: LeaseStore, clock: FakeClock): Candidate {
  const client = new FakeLeaseClient(store);
  const elector = new LeaderElector({
    client,
    namespace: 'posture',
    name: 'posture-operator',
    identity,
    log: silentLog,
    clock,
  });
  const stop = new AbortController();
  const log: string[] = [];
  const running = elector.run(stop.signal, {
    onStartedLeading: (signal) => {
      log.push(`start@${clock.now()}`);
      signal.addEventListener('abort', () => log.push('signal aborted'));
    },
    onStoppedLeading: () => void log.push(`stop@${clock.now()}`),
  });
  return { elector, client, stop, running, log };
}

function holder(store: LeaseStore): string | undefined {
  const lease: Lease | undefined = store.objects.get('posture/posture-operator');
  return lease?.spec?.holderIdentity;
}

describe('leader election', () => {
  it('should let exactly one of two candidates lead', async () => {
    const clock = new FakeClock(0);
    const store = new LeaseStore();
    const a = candidate('a', store, clock);
    const b = candidate('b', store, clock);
    await clock.advance(30_000);
    assert.equal([a, b].filter((c) => c.elector.isLeader()).length, 1);
    assert.equal(holder(store), a.elector.isLeader() ? 'a' : 'b');
    a.stop.abort();
    b.stop.abort();
    await Promise.all([a.running, b.running]);
  });

  it('should hand over within one retry period when the leader shuts down gracefully', async () => {
    const clock = new FakeClock(0);
    const store = new LeaseStore();
    const a = candidate('a', store, clock);
    await clock.advance(0);
    const b = candidate('b', store, clock);
    await clock.advance(5_000);
    assert.equal(a.elector.isLeader(), true);
    a.stop.abort();
    await a.running;
    assert.deepEqual(a.log, ['start@0', 'signal aborted', 'stop@5000']);
    assert.equal(holder(store), '', 'the lease was released');
    await clock.advance(2_000);
    assert.equal(b.elector.isLeader(), true);
    b.stop.abort();
    await b.running;
  });

  it('should stop a partitioned leader before its lease expires and fail over within ~17 s', async () => {
    const clock = new FakeClock(0);
    const store = new LeaseStore();
    const a = candidate('a', store, clock);
    await clock.advance(0);
    const b = candidate('b', store, clock);
    await clock.advance(4_000);
    a.client.down = true;
    const cut = clock.now();
    await clock.advance(10_000);
    assert.equal(a.elector.isLeader(), false, 'a stops leading after the 10 s renew deadline');
    assert.equal(b.elector.isLeader(), false, 'b waits for the 15 s lease to expire');
    await clock.advance(7_000);
    assert.equal(b.elector.isLeader(), true);
    assert.ok(Number(b.log[0]?.slice(6)) - cut <= 17_000);
    a.stop.abort();
    b.stop.abort();
    await Promise.all([a.running, b.running]);
  });

  it('should stop a leader whose renewals hang at its renew deadline, not when they give up', async () => {
    const clock = new FakeClock(0);
    const store = new LeaseStore();
    const a = candidate('a', store, clock);
    await clock.advance(0);
    await clock.advance(4_000);
    // Renewed at 2 s and 4 s; from now on every request hangs, as on a frozen connection.
    a.client.silent = true;
    await clock.advance(9_999);
    assert.equal(a.elector.isLeader(), true, 'still within 10 s of the last renewal start');
    await clock.advance(1);
    assert.equal(a.elector.isLeader(), false);
    assert.deepEqual(a.log, ['start@0', 'signal aborted', 'stop@14000']);
    a.stop.abort();
    await a.running;
  });

  it('should keep leading through a short apiserver outage', async () => {
    const clock = new FakeClock(0);
    const store = new LeaseStore();
    const a = candidate('a', store, clock);
    await clock.advance(0);
    a.client.down = true;
    await clock.advance(6_000);
    a.client.down = false;
    await clock.advance(6_000);
    assert.equal(a.elector.isLeader(), true);
    assert.deepEqual(a.log, ['start@0']);
    a.stop.abort();
    await a.running;
  });
});

describe('lease records', () => {
  it('writes MicroTime with six fractional digits', () => {
    assert.equal(microTime(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), '2024-01-02T03:04:05.678000Z');
  });
  it('counts a takeover as a transition and a renewal not', () => {
    const empty: Lease = { metadata: { name: 'l' } };
    const first = heldBy(empty, 'a', 0, 15);
    const renewed = heldBy(first, 'a', 2000, 15);
    const taken = heldBy(renewed, 'b', 20_000, 15);
    assert.deepEqual(
      [first, renewed, taken].map((l) => [
        l.spec?.holderIdentity,
        l.spec?.leaseTransitions,
        l.spec?.acquireTime,
      ]),
      [
        ['a', 0, microTime(0)],
        ['a', 0, microTime(0)],
        ['b', 1, microTime(20_000)],
      ],
    );
  });
  it('lets anyone take a released lease at once, and a held one only after its duration', () => {
    const lease = heldBy({ metadata: { name: 'l' } }, 'a', 0, 15);
    assert.equal(takeable(lease, 0, 14_999), false);
    assert.equal(takeable(lease, 0, 15_000), true);
    assert.equal(takeable(released(lease, 1), 1, 1), true);
  });
});

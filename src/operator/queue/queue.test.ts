import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, flush } from '../../lib/testing/fake-clock.ts';
import { WorkQueue } from './queue.ts';
import { runWorkers, type Outcome } from './workers.ts';

function queueWithClock(): { queue: WorkQueue; clock: FakeClock } {
  const clock = new FakeClock();
  const queue = new WorkQueue({ clock, random: () => 0.5, backoff: { baseMs: 1000 } });
  return { queue, clock };
}

describe('work queue', () => {
  it('should hand out a key once however often it was added', async () => {
    const { queue } = queueWithClock();
    queue.add('ns/a');
    queue.add('ns/a');
    queue.add('ns/b');
    assert.equal(queue.depth, 2);
    assert.equal(await queue.get(), 'ns/a');
    assert.equal(await queue.get(), 'ns/b');
  });

  it('should process a key re-added while in flight again after it is done', async () => {
    const { queue } = queueWithClock();
    queue.add('ns/a');
    const key = await queue.get();
    queue.add('ns/a');
    assert.equal(queue.depth, 0, 'an in-flight key is not handed to a second worker');
    queue.done(key!);
    assert.equal(queue.depth, 1);
    assert.equal(await queue.get(), 'ns/a');
  });

  it('should wake a waiting worker when a key arrives', async () => {
    const { queue } = queueWithClock();
    const next = queue.get();
    queue.add('ns/a');
    assert.equal(await next, 'ns/a');
  });

  it('should add a key after its delay and keep the earliest schedule', async () => {
    const { queue, clock } = queueWithClock();
    queue.addAfter('ns/a', 5000);
    queue.addAfter('ns/a', 2000);
    queue.addAfter('ns/a', 9000);
    await clock.advance(1999);
    assert.equal(queue.depth, 0);
    await clock.advance(1);
    assert.equal(queue.depth, 1);
    assert.equal(clock.pending, 0, 'superseded schedules were cancelled');
  });

  it('should back a failing key off exponentially and start over after forget', () => {
    const { queue } = queueWithClock();
    assert.deepEqual(
      [queue.addRateLimited('ns/a'), queue.addRateLimited('ns/a'), queue.addRateLimited('ns/a')],
      [500, 1000, 2000],
    );
    assert.equal(queue.retries('ns/a'), 3);
    queue.forget('ns/a');
    assert.equal(queue.addRateLimited('ns/a'), 500);
  });

  it('should let the global rate limit win over a short per-key backoff', () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock, random: () => 0, rateLimit: { perSecond: 1, burst: 1 } });
    assert.equal(queue.addRateLimited('ns/a'), 0);
    assert.equal(queue.addRateLimited('ns/b'), 1000);
  });

  it('should drop queued keys on shutdown and wait for the in-flight ones', async () => {
    const { queue } = queueWithClock();
    queue.add('ns/a');
    queue.add('ns/b');
    const key = await queue.get();
    let drained = false;
    const stopping = queue.shutDown().then(() => (drained = true));
    await flush();
    assert.equal(drained, false);
    assert.equal(await queue.get(), undefined);
    queue.done(key!);
    await stopping;
    assert.equal(queue.depth, 0);
    queue.add('ns/c');
    assert.equal(queue.depth, 0, 'nothing is accepted after shutdown');
  });
});

describe('workers', () => {
  it('should forget a key that succeeded and retry one that failed', async () => {
    const { queue, clock } = queueWithClock();
    const seen: string[] = [];
    const outcomes: Outcome[] = [{ kind: 'retry' }, { kind: 'done' }];
    const running = runWorkers(queue, {
      workers: 2,
      handle: (key) => {
        seen.push(key);
        return Promise.resolve(outcomes.shift() ?? { kind: 'done' });
      },
      onUnexpectedError: () => assert.fail('no handler throws here'),
    });
    queue.add('ns/a');
    await clock.advance(0);
    assert.deepEqual(seen, ['ns/a']);
    assert.equal(queue.retries('ns/a'), 1);
    await clock.advance(500);
    assert.deepEqual(seen, ['ns/a', 'ns/a']);
    assert.equal(queue.retries('ns/a'), 0);
    await queue.shutDown();
    await running;
  });

  it('should requeue after the asked delay', async () => {
    const { queue, clock } = queueWithClock();
    let calls = 0;
    const running = runWorkers(queue, {
      workers: 1,
      handle: () => {
        calls += 1;
        return Promise.resolve({ kind: 'requeueAfter', ms: 30_000 });
      },
      onUnexpectedError: () => assert.fail('no handler throws here'),
    });
    queue.add('ns/a');
    await clock.advance(29_999);
    assert.equal(calls, 1);
    await clock.advance(1);
    assert.equal(calls, 2);
    await queue.shutDown();
    await running;
  });

  it("should let a reconcile's requeue replace the one an earlier reconcile of the key asked for", async () => {
    const { queue, clock } = queueWithClock();
    const outcomes: Outcome[] = [
      { kind: 'requeueAfter', ms: 30_000 },
      { kind: 'requeueAfter', ms: 50_000 },
      { kind: 'done' },
    ];
    const at: number[] = [];
    const running = runWorkers(queue, {
      workers: 1,
      handle: () => {
        at.push(clock.now());
        return Promise.resolve(outcomes[at.length - 1] ?? { kind: 'done' });
      },
      onUnexpectedError: () => assert.fail('no handler throws here'),
    });
    const start = clock.now();
    queue.add('ns/a');
    await clock.advance(10_000);
    queue.add('ns/a'); // a watch event: the second reconcile asks for 50 s from now
    await clock.advance(30_000);
    assert.equal(at.length, 2, 'the first schedule (30 s after the start) was replaced');
    await clock.advance(20_000);
    assert.deepEqual(
      at.map((t) => t - start),
      [0, 10_000, 60_000],
    );
    await clock.advance(600_000);
    assert.equal(at.length, 3, 'the last reconcile asked for nothing: nothing is scheduled');
    await queue.shutDown();
    await running;
  });

  it('should drop the schedule of an earlier reconcile once one asks for no requeue', async () => {
    const { queue, clock } = queueWithClock();
    const outcomes: Outcome[] = [{ kind: 'requeueAfter', ms: 30_000 }, { kind: 'done' }];
    let calls = 0;
    const running = runWorkers(queue, {
      workers: 1,
      handle: () => Promise.resolve(outcomes[calls++] ?? { kind: 'done' }),
      onUnexpectedError: () => assert.fail('no handler throws here'),
    });
    queue.add('ns/a');
    await clock.advance(1000);
    queue.add('ns/a');
    await clock.advance(60_000);
    assert.equal(calls, 2);
    await queue.shutDown();
    await running;
  });

  it('should report a thrown error and retry the key', async () => {
    const { queue, clock } = queueWithClock();
    const errors: unknown[] = [];
    let calls = 0;
    const running = runWorkers(queue, {
      workers: 1,
      handle: () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('boom')) : Promise.resolve({ kind: 'done' });
      },
      onUnexpectedError: (_key, error) => errors.push(error),
    });
    queue.add('ns/a');
    await clock.advance(1000);
    assert.equal(calls, 2);
    assert.equal(errors.length, 1);
    await queue.shutDown();
    await running;
  });

  it('should refuse a worker count that is not a positive integer', async () => {
    const { queue } = queueWithClock();
    const handle = (): Promise<Outcome> => Promise.resolve({ kind: 'done' });
    await assert.rejects(
      runWorkers(queue, { workers: 0, handle, onUnexpectedError: () => {} }),
      /workers must be a positive integer/,
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getHeapStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FakeClock } from '../lib/testing/fake-clock.ts';
import {
  collected,
  initialQuiet,
  memoryReducingCollection,
  quietTick,
  startMemoryReducer,
  type Activity,
  type QuietState,
} from './memory.ts';

const MB = 2 ** 20;
const QUIET = 10_000;
const at = (seen: number, quietSince: number, heapAfterMb: number): QuietState => ({
  seen,
  quietSince,
  heapAfter: heapAfterMb * MB,
});
const work = (pending: number, seen: number, heapMb: number): Activity => ({
  pending,
  seen,
  heapBytes: heapMb * MB,
});

describe('quietTick', () => {
  const cases: Array<[string, QuietState, Activity, number, boolean, number]> = [
    [
      'should not collect while keys are queued or in flight',
      at(5, 0, 40),
      work(1, 5, 200),
      60_000,
      false,
      60_000,
    ],
    [
      'should not collect in the tick that saw new work',
      at(5, 0, 40),
      work(0, 6, 200),
      60_000,
      false,
      60_000,
    ],
    [
      'should not collect before the quiet period is over',
      at(5, 0, 40),
      work(0, 5, 200),
      9_999,
      false,
      0,
    ],
    [
      'should collect once quiet for the period with the heap grown past the last collection',
      at(5, 0, 40),
      work(0, 5, 200),
      10_000,
      true,
      0,
    ],
    [
      'should not collect when the heap grew by 16 MiB or less',
      at(5, 0, 40),
      work(0, 5, 56),
      60_000,
      false,
      0,
    ],
    [
      'should not collect when the heap grew by a quarter or less of a large heap',
      at(5, 0, 400),
      work(0, 5, 490),
      60_000,
      false,
      0,
    ],
    [
      'should collect when a large heap grew by more than a quarter',
      at(5, 0, 400),
      work(0, 5, 520),
      60_000,
      true,
      0,
    ],
    [
      'should collect the first time once the heap is past 16 MiB',
      initialQuiet(0),
      work(0, -1, 60),
      10_000,
      true,
      0,
    ],
  ];
  for (const [name, state, activity, now, collect, quietSince] of cases) {
    it(name, () => {
      const next = quietTick(state, activity, now, QUIET);
      assert.equal(next.collect, collect);
      assert.equal(next.state.quietSince, quietSince);
    });
  }

  it('should not collect again at rest once a collection left the heap where it is', () => {
    const state = collected(at(5, 0, 0), 60 * MB);
    assert.equal(quietTick(state, work(0, 5, 60), 3_600_000, QUIET).collect, false);
  });
});

describe('startMemoryReducer', () => {
  it('should collect once after a burst of work, and again only after more work grew the heap', async () => {
    const clock = new FakeClock();
    const activity = { pending: 0, seen: 0 };
    let heap = 100 * MB;
    const collections: number[] = [];
    const stop = startMemoryReducer({
      quietMs: QUIET,
      clock,
      activity: () => activity,
      heapBytes: () => heap,
      collect: () => {
        collections.push(clock.now());
        heap = 40 * MB;
      },
    });
    activity.pending = 3;
    await clock.advance(20_000);
    assert.equal(collections.length, 0, 'collected during work');
    activity.pending = 0;
    activity.seen = 3;
    await clock.advance(60_000);
    assert.equal(collections.length, 1);
    activity.seen = 4; // a periodic requeue that grows nothing
    await clock.advance(60_000);
    assert.equal(collections.length, 1);
    activity.seen = 500;
    heap = 150 * MB;
    await clock.advance(60_000);
    assert.equal(collections.length, 2);
    stop();
    heap = 300 * MB;
    activity.seen = 900;
    await clock.advance(60_000);
    assert.equal(collections.length, 2, 'collected after stop');
  });
});

describe('memoryReducingCollection', () => {
  it('should give back heap that a burst grew and a regular full collection keeps', () => {
    const collect = memoryReducingCollection();
    const regular = runInNewContext('gc') as () => void;
    // Objects that live through a few collections grow old space; then they die.
    let burst: object[][] = [];
    for (let round = 0; round < 8; round++) {
      burst.push(Array.from({ length: 100_000 }, (_, i) => ({ i, s: `x${i}` })));
    }
    burst = [];
    regular();
    const kept = getHeapStatistics().total_heap_size;
    collect();
    const after = getHeapStatistics().total_heap_size;
    assert.ok(burst.length === 0 && after < kept, `heap ${kept} → ${after}`);
  });
});

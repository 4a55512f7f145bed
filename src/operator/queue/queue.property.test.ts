import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sleep } from '../../lib/clock.ts';
import { FakeClock } from '../../lib/testing/fake-clock.ts';
import { WorkQueue } from './queue.ts';
import { runWorkers, type Outcome } from './workers.ts';

const KEYS = ['ns/a', 'ns/b', 'ns/c', 'ns/d'];

const step = fc.record({
  key: fc.constantFrom(...KEYS),
  advanceMs: fc.integer({ min: 0, max: 300 }),
});

const scenario = fc.record({
  workers: fc.integer({ min: 1, max: 4 }),
  steps: fc.array(step, { minLength: 1, maxLength: 40 }),
  durations: fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 20 }),
  failures: fc.array(fc.boolean(), { maxLength: 20 }),
  seed: fc.integer(),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

async function play(input: Scenario): Promise<void> {
  const clock = new FakeClock();
  let seed = input.seed;
  const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  const queue = new WorkQueue({ clock, random, backoff: { baseMs: 50, capMs: 2000 } });
  const inFlight = new Set<string>();
  const lastAdded = new Map<string, number>();
  const lastStarted = new Map<string, number>();
  const failures = [...input.failures];
  const violations: string[] = [];
  let tick = 0;
  let call = 0;
  const handle = async (key: string): Promise<Outcome> => {
    if (inFlight.has(key)) violations.push(`${key} was processed by two workers at once`);
    inFlight.add(key);
    lastStarted.set(key, ++tick);
    await sleep(clock, input.durations[call++ % input.durations.length]!);
    inFlight.delete(key);
    return failures.shift() ? { kind: 'retry' } : { kind: 'done' };
  };
  const running = runWorkers(queue, {
    workers: input.workers,
    handle,
    onUnexpectedError: (key, error) => violations.push(`${key} threw ${String(error)}`),
  });
  for (const { key, advanceMs } of input.steps) {
    lastAdded.set(key, ++tick);
    queue.add(key);
    await clock.advance(advanceMs);
  }
  // Enough time for every pending retry (failures are finite, the backoff cap is 2 s).
  for (let i = 0; i < 60 && (queue.depth > 0 || queue.inFlight > 0 || clock.pending > 0); i++) {
    await clock.advance(1000);
  }
  assert.deepEqual(violations, []);
  for (const [key, added] of lastAdded) {
    assert.ok((lastStarted.get(key) ?? 0) > added, `${key} was added but never processed after`);
  }
  await queue.shutDown();
  await running;
}

describe('work queue properties', () => {
  it('should never process a key concurrently and should process every added key', async () => {
    await fc.assert(fc.asyncProperty(scenario, play), { numRuns: 150 });
  });
});

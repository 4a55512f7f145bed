import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../lib/testing/fake-clock.ts';
import { KeyBackoff, TokenBucket } from './rate-limit.ts';

describe('per-key backoff', () => {
  it('doubles the ceiling with each failure until the cap', () => {
    const backoff = new KeyBackoff({ baseMs: 100, capMs: 1000 }, () => 0.999);
    const delays = Array.from({ length: 6 }, () => backoff.next('ns/a'));
    assert.deepEqual(delays, [99, 199, 399, 799, 999, 999]);
  });
  it('draws a uniformly random delay below the ceiling (full jitter)', () => {
    const backoff = new KeyBackoff({ baseMs: 100, capMs: 1000 }, () => 0.5);
    backoff.next('ns/a');
    assert.equal(backoff.next('ns/a'), 100);
  });
  it('keeps the failures of each key apart', () => {
    const backoff = new KeyBackoff({}, () => 0.5);
    backoff.next('ns/a');
    backoff.next('ns/a');
    assert.equal(backoff.failures('ns/a'), 2);
    assert.equal(backoff.failures('ns/b'), 0);
  });
  it('starts over after forget', () => {
    const backoff = new KeyBackoff({ baseMs: 100 }, () => 0.999);
    backoff.next('ns/a');
    backoff.next('ns/a');
    backoff.forget('ns/a');
    assert.equal(backoff.next('ns/a'), 99);
  });
  it('never exceeds the cap however many failures', () => {
    const backoff = new KeyBackoff({ baseMs: 100, capMs: 5000 }, () => 0.999);
    assert.equal(backoff.ceiling(5000), 5000);
  });
});

describe('global token bucket', () => {
  it('lets a burst through at once and spaces the rest at the sustained rate', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ perSecond: 10, burst: 3 }, clock);
    const delays = Array.from({ length: 5 }, () => bucket.reserve());
    assert.deepEqual(delays, [0, 0, 0, 100, 200]);
  });
  it('refills over time up to the burst', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ perSecond: 10, burst: 2 }, clock);
    bucket.reserve();
    bucket.reserve();
    await clock.advance(60_000);
    assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [0, 0, 100]);
  });
});

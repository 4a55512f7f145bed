import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TIMER_MS, systemClock } from './clock.ts';

describe('systemClock', () => {
  it('should not fire at once for a delay beyond what a Node timer holds', async () => {
    let fired = false;
    const handle = systemClock.setTimeout(
      () => {
        fired = true;
      },
      30 * 24 * 3_600_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    systemClock.clearTimeout(handle);
    assert.equal(fired, false);
    assert.ok(MAX_TIMER_MS < 30 * 24 * 3_600_000);
  });
});

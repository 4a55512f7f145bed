/**
 * Time as a dependency: the queue, the informer's stall detector and leader election take a
 * Clock so unit tests can drive time deterministically instead of sleeping.
 */
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Node's timers hold at most 2^31-1 ms (24.8 days); a longer delay fires after 1 ms, which turned
 * a 30-day requeue into a hot loop. Longer waits are cut to the limit: the callback runs early,
 * and a reconcile that runs early decides again and waits again.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, Math.min(ms, MAX_TIMER_MS));
    // Pending retries and resyncs must not keep a stopping process alive.
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Resolves after `ms` on the given clock, or early (without error) when `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      resolve();
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A source of uniformly distributed numbers in [0, 1); injected for deterministic jitter. */
export type Random = () => number;

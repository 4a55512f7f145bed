import type { Clock, Random } from '../../lib/clock.ts';

export interface BackoffOptions {
  /** Delay ceiling of the first retry; doubles with each failure. @default 200 */
  baseMs?: number;
  /** No retry waits longer than this. @default 300_000 */
  capMs?: number;
}

/**
 * Per-key exponential backoff with full jitter: the n-th consecutive failure of a key waits a
 * uniformly random time in [0, min(cap, base * 2^n)). Full jitter spreads the retries of many
 * keys that failed together (Vault down) instead of sending them back in lockstep.
 */
export class KeyBackoff {
  readonly #failures = new Map<string, number>();
  readonly #baseMs: number;
  readonly #capMs: number;
  readonly #random: Random;

  constructor(options: BackoffOptions, random: Random) {
    this.#baseMs = options.baseMs ?? 200;
    this.#capMs = options.capMs ?? 300_000;
    this.#random = random;
  }

  /** Records one more failure of `key` and returns how long to wait before its retry. */
  next(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    return Math.floor(this.#random() * this.ceiling(failures));
  }

  /** Upper bound of the delay after `failures` earlier failures (exposed for tests). */
  ceiling(failures: number): number {
    // 2^failures overflows to Infinity long after it passed any sane cap; min() handles it.
    return Math.min(this.#capMs, this.#baseMs * 2 ** failures);
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}

export interface RateLimitOptions {
  /** Sustained retries per second across all keys. @default 10 */
  perSecond?: number;
  /** Retries allowed at once before the sustained rate applies. @default 100 */
  burst?: number;
}

/**
 * A global token bucket over all retries, so a thousand keys failing together cannot hammer
 * the apiserver or Vault even when their per-key backoff is still short.
 * `reserve` always takes a token and answers how long the caller must wait for it.
 */
export class TokenBucket {
  readonly #perSecond: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(options: RateLimitOptions, clock: Clock) {
    this.#perSecond = options.perSecond ?? 10;
    this.#burst = options.burst ?? 100;
    this.#clock = clock;
    this.#tokens = this.#burst;
    this.#last = clock.now();
  }

  reserve(): number {
    const now = this.#clock.now();
    const refill = ((now - this.#last) / 1000) * this.#perSecond;
    this.#tokens = Math.min(this.#burst, this.#tokens + refill);
    this.#last = now;
    this.#tokens -= 1;
    if (this.#tokens >= 0) return 0;
    return Math.ceil((-this.#tokens / this.#perSecond) * 1000);
  }
}

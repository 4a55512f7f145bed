import type { Clock } from '../lib/clock.ts';

/** Past this many buckets the idle ones go: a flood of made-up key ids cannot grow memory. */
const MAX_BUCKETS = 10_000;

/**
 * A token bucket per key: `perMinute` tokens, refilled continuously. `wait` says how long until
 * the next token (0: one is there); `take` spends one.
 */
export class RateLimiter {
  readonly #perMinute: number;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(perMinute: number, clock: Pick<Clock, 'now'>) {
    this.#perMinute = perMinute;
    this.#clock = clock;
  }

  #bucket(key: string) {
    const now = this.#clock.now();
    const old = this.#buckets.get(key) ?? { tokens: this.#perMinute, at: now };
    const tokens = Math.min(
      this.#perMinute,
      old.tokens + ((now - old.at) * this.#perMinute) / 60_000,
    );
    const bucket = { tokens, at: now };
    if (!this.#buckets.has(key) && this.#buckets.size >= MAX_BUCKETS) this.#buckets.clear();
    this.#buckets.set(key, bucket);
    return bucket;
  }

  wait(key: string): number {
    const { tokens } = this.#bucket(key);
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) * 60_000) / this.#perMinute);
  }

  take(key: string): void {
    this.#bucket(key).tokens -= 1;
  }
}

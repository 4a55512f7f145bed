import { systemClock, type Clock, type Random, type TimerHandle } from '../../lib/clock.ts';
import {
  KeyBackoff,
  TokenBucket,
  type BackoffOptions,
  type RateLimitOptions,
} from './rate-limit.ts';

export interface QueueOptions {
  clock?: Clock;
  random?: Random;
  backoff?: BackoffOptions;
  rateLimit?: RateLimitOptions;
}

interface Waiting {
  at: number;
  timer: TimerHandle;
}

/**
 * A work queue of keys (namespace/name), shaped like client-go's workqueue:
 * - a key is queued at most once however often it is added (dirty set);
 * - a key handed out by `get` is in flight until `done`; adding it meanwhile marks it dirty
 *   and it is handed out again after `done`, never to two workers at once;
 * - `addRateLimited` waits for max(per-key backoff, global token bucket), `forget` resets the
 *   key's backoff, `addAfter` schedules (the earliest pending schedule of a key wins),
 *   `unschedule` drops a key's pending schedule.
 */
export class WorkQueue {
  readonly #clock: Clock;
  readonly #backoff: KeyBackoff;
  readonly #bucket: TokenBucket;
  #queue: string[] = [];
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #waiting = new Map<string, Waiting>();
  #getters: Array<(key: string | undefined) => void> = [];
  #idle: Array<() => void> = [];
  #shuttingDown = false;

  constructor(options: QueueOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#backoff = new KeyBackoff(options.backoff ?? {}, options.random ?? Math.random);
    this.#bucket = new TokenBucket(options.rateLimit ?? {}, this.#clock);
  }

  /** Keys waiting to be handed out (not in flight, not scheduled for later). */
  get depth(): number {
    return this.#queue.length;
  }

  get inFlight(): number {
    return this.#processing.size;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    this.#enqueue(key);
  }

  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + ms;
    const existing = this.#waiting.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.#clock.clearTimeout(existing.timer);
    const timer = this.#clock.setTimeout(() => {
      this.#waiting.delete(key);
      this.add(key);
    }, ms);
    this.#waiting.set(key, { at, timer });
  }

  /** Drops the schedule `addAfter` left for `key`, if any (queued or in-flight keys stay). */
  unschedule(key: string): void {
    const waiting = this.#waiting.get(key);
    if (!waiting) return;
    this.#clock.clearTimeout(waiting.timer);
    this.#waiting.delete(key);
  }

  /** Schedules a retry of `key` after its backoff and the global rate limit; returns the delay. */
  addRateLimited(key: string): number {
    const delay = Math.max(this.#backoff.next(key), this.#bucket.reserve());
    this.addAfter(key, delay);
    return delay;
  }

  forget(key: string): void {
    this.#backoff.forget(key);
  }

  /** Consecutive failures recorded for `key` since it was last forgotten. */
  retries(key: string): number {
    return this.#backoff.failures(key);
  }

  /** The next key to process, or undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    const key = this.#queue.shift();
    if (key !== undefined) return Promise.resolve(this.#start(key));
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#enqueue(key);
    if (this.#processing.size === 0) this.#wakeIdle();
  }

  /**
   * Stops handing out keys (queued ones are dropped: after shutdown, possibly after losing
   * leadership, nothing new may be written) and resolves once every in-flight key is done.
   */
  shutDown(): Promise<void> {
    this.#shuttingDown = true;
    for (const waiting of this.#waiting.values()) this.#clock.clearTimeout(waiting.timer);
    this.#waiting.clear();
    this.#queue = [];
    const getters = this.#getters;
    this.#getters = [];
    for (const resolve of getters) resolve(undefined);
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #enqueue(key: string): void {
    const getter = this.#getters.shift();
    if (getter) getter(this.#start(key));
    else this.#queue.push(key);
  }

  #start(key: string): string {
    this.#dirty.delete(key);
    this.#processing.add(key);
    return key;
  }

  #wakeIdle(): void {
    const idle = this.#idle;
    this.#idle = [];
    for (const resolve of idle) resolve();
  }
}

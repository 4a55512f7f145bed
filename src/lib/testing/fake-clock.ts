import type { Clock, TimerHandle } from '../clock.ts';

interface Timer {
  id: number;
  at: number;
  callback: () => void;
}

/** Lets pending promise callbacks (and the microtasks they queue) run before time moves on. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A manually driven clock for unit tests. `advance` fires due timers in time order and
 * flushes promise jobs after each, so async loops that sleep on this clock make progress.
 */
export class FakeClock implements Clock {
  #now: number;
  #timers: Timer[] = [];
  #nextId = 1;

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer = { id: this.#nextId++, at: this.#now + Math.max(0, ms), callback };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((timer) => timer.id !== handle);
  }

  /** How many timers are waiting to fire. */
  get pending(): number {
    return this.#timers.length;
  }

  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flush();
    for (let next = this.#due(target); next; next = this.#due(target)) {
      this.#timers = this.#timers.filter((timer) => timer !== next);
      this.#now = next.at;
      next.callback();
      await flush();
    }
    this.#now = target;
    await flush();
  }

  #due(target: number): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.#timers) {
      if (timer.at <= target && (!best || timer.at < best.at)) best = timer;
    }
    return best;
  }
}

/** A deterministic pseudo-random source (mulberry32) for tests of jittered backoff. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

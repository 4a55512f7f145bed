import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Clock, TimerHandle } from '../lib/clock.ts';

/**
 * Giving memory back once a burst of work is over (docs/adr/0066).
 *
 * V8 grows its heap for a burst (a start, a resync, a thousand services applied at once) and
 * keeps what it grew: the young generation stays at its largest, and old-space pages freed by a
 * collection stay committed. A regular full collection does not give them back; one that V8
 * runs to reduce memory does (it shrinks the young generation, compacts and releases free
 * pages). The operator runs one such collection when it has been quiet for a while after work,
 * and only if the heap grew since the last one: a periodic requeue does not buy a collection.
 */

/** What the operator is doing, read once per tick. */
export interface Activity {
  /** Keys queued or in flight in every controller. */
  pending: number;
  /** A count that moves with every watch event and every reconcile. */
  seen: number;
  /** V8's committed heap, in bytes. */
  heapBytes: number;
}

export interface QuietState {
  seen: number;
  /** When the operator last had work. */
  quietSince: number;
  /** The committed heap the last collection left (0: none yet). */
  heapAfter: number;
}

/** How far the heap must have grown past what the last collection left. */
const GROWTH = { bytes: 16 * 2 ** 20, fraction: 0.25 };

export const initialQuiet = (now: number): QuietState => ({
  seen: -1,
  quietSince: now,
  heapAfter: 0,
});

/**
 * One tick's decision: collect when nothing has happened for `quietMs` and the heap grew by more
 * than 16 MiB and a quarter since the last collection. Pure; the caller records the heap the
 * collection left with `collected`.
 */
export function quietTick(
  state: QuietState,
  activity: Activity,
  now: number,
  quietMs: number,
): { state: QuietState; collect: boolean } {
  if (activity.pending > 0 || activity.seen !== state.seen) {
    return { state: { ...state, seen: activity.seen, quietSince: now }, collect: false };
  }
  const grown =
    activity.heapBytes - state.heapAfter >
    Math.max(GROWTH.bytes, state.heapAfter * GROWTH.fraction);
  return { state, collect: now - state.quietSince >= quietMs && grown };
}

/** The state after a collection that left `heapBytes` committed. */
export const collected = (state: QuietState, heapBytes: number): QuietState => ({
  ...state,
  heapAfter: heapBytes,
});

/**
 * A full collection run the way V8 runs one under memory pressure. `gc` is not exposed without
 * a launch flag; setting `--expose-gc` now gives it to new contexts, and the collection is of the
 * whole isolate, whichever context calls it.
 */
export function memoryReducingCollection(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: object) => void;
  return () => gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

export interface MemoryReducerOptions {
  quietMs: number;
  /** Queue and cache activity (the Manager's); the heap size is read here. */
  activity: () => Omit<Activity, 'heapBytes'>;
  collect: () => void;
  clock: Clock;
  heapBytes?: () => number;
  /** After each collection: how long it took and the heap it left. */
  onCollected?: (ms: number, heapBytes: number) => void;
}

/** Ticks four times per quiet period (at most once a second) until the returned stop is called. */
export function startMemoryReducer(options: MemoryReducerOptions): () => void {
  const { clock, quietMs } = options;
  const heapBytes = options.heapBytes ?? (() => getHeapStatistics().total_heap_size);
  const tickMs = Math.max(1000, Math.round(quietMs / 4));
  let state = initialQuiet(clock.now());
  let timer: TimerHandle;
  const tick = (): void => {
    const next = quietTick(
      state,
      { ...options.activity(), heapBytes: heapBytes() },
      clock.now(),
      quietMs,
    );
    state = next.state;
    if (next.collect) {
      const started = clock.now();
      options.collect();
      const left = heapBytes();
      state = collected(state, left);
      options.onCollected?.(clock.now() - started, left);
    }
    timer = clock.setTimeout(tick, tickMs);
  };
  timer = clock.setTimeout(tick, tickMs);
  return () => clock.clearTimeout(timer);
}

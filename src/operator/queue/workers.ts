import type { WorkQueue } from './queue.ts';

/** What processing a key asks the queue to do next. */
export type Outcome = { kind: 'done' } | { kind: 'retry' } | { kind: 'requeueAfter'; ms: number };

export type Handler = (key: string) => Promise<Outcome>;

export interface WorkerOptions {
  /** How many keys are processed at once. */
  workers: number;
  handle: Handler;
  /**
   * Called when `handle` throws instead of returning an outcome; the key is retried with
   * backoff. Reconcilers classify their own errors; this is for bugs, never silenced.
   */
  onUnexpectedError: (key: string, error: unknown) => void;
}

/**
 * A reconcile that finished decides when its key is looked at again: its requeue replaces the
 * one an earlier reconcile of the key asked for, and none drops it. Each reconcile reads the
 * whole current state, so an earlier one's schedule is stale. Keeping the earliest (as
 * client-go does) reconciled every service of a burst once more, 30 s after its first
 * reconcile asked to wait for NATS, though it had been Ready for long (10,000 reconciles at
 * 10,000 services), and the late ones kept an operator at rest busy.
 */
function settle(queue: WorkQueue, key: string, outcome: Outcome): void {
  if (outcome.kind === 'retry') {
    queue.addRateLimited(key);
    return;
  }
  queue.forget(key);
  queue.unschedule(key);
  if (outcome.kind === 'requeueAfter') queue.addAfter(key, outcome.ms);
}

async function work(queue: WorkQueue, options: WorkerOptions): Promise<void> {
  for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
    let outcome: Outcome;
    try {
      outcome = await options.handle(key);
    } catch (error) {
      options.onUnexpectedError(key, error);
      outcome = { kind: 'retry' };
    }
    settle(queue, key, outcome);
    queue.done(key);
  }
}

/**
 * Runs `options.workers` loops that take keys from the queue until it shuts down.
 * The promise resolves when every loop has finished its last key.
 */
export async function runWorkers(queue: WorkQueue, options: WorkerOptions): Promise<void> {
  if (!Number.isInteger(options.workers) || options.workers < 1) {
    throw new Error(`workers must be a positive integer, got ${options.workers}`);
  }
  const loops = Array.from({ length: options.workers }, () => work(queue, options));
  await Promise.all(loops);
}

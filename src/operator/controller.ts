import { systemClock, type Clock, type Random } from '../lib/clock.ts';
import { terminalIn } from './errors.ts';
import type { Informer } from './informer/informer.ts';
import type { Change } from './informer/store.ts';
import { splitKey, type KubeObject } from './kube/types.ts';
import { WorkQueue, type QueueOptions } from './queue/queue.ts';
import { runWorkers, type Outcome } from './queue/workers.ts';
import type { Log } from './telemetry/log.ts';
import type { Metrics } from './telemetry/metrics.ts';

/** The `result` label of posture_reconcile_total. */
const RESULTS = ['success', 'requeue', 'error', 'terminal'] as const;

export interface ReconcileRequest<T extends KubeObject> {
  key: string;
  namespace?: string;
  name: string;
  /** The cached object; undefined once it is gone. Level-based: never the event type. */
  object: T | undefined;
  /** Aborts when leadership is lost or the operator shuts down. */
  signal: AbortSignal;
}

export interface ReconcileResult {
  /** Reconcile again after this long (time-driven work: rotation, key age). */
  requeueAfterMs?: number;
}

export type Reconcile<T extends KubeObject> = (
  request: ReconcileRequest<T>,
) => Promise<ReconcileResult | void>;

/** A secondary informer whose changes enqueue the primary keys they map to. */
export interface Watched {
  informer: Informer<KubeObject>;
  map: (change: Change<KubeObject>) => string[];
}

export interface ControllerOptions<T extends KubeObject> {
  /** Metric label and log field, e.g. "TradingService". */
  kind: string;
  informer: Informer<T>;
  /** Changes of the primary object that need no reconcile (e.g. its own status writes). */
  skip?: (change: Change<T>) => boolean;
  watches?: Watched[];
  /**
   * Keys that are no cached object, queued with every resync (and at the start): work the
   * reconcile does on a period, such as a sweep of state kept outside Kubernetes.
   */
  resyncKeys?: readonly string[];
  /**
   * Called at every resync (and when leadership starts) before the keys are queued: state a
   * controller keeps between reconciles that only a full pass may trust again.
   */
  onResync?: () => void;
  reconcile: Reconcile<T>;
  workers: number;
  resyncPeriodMs: number;
  metrics: Metrics;
  log: Log;
  clock?: Clock;
  random?: Random;
  queue?: Omit<QueueOptions, 'clock' | 'random'>;
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}

/** Maps a change of an owned object to the key of its controlling owner of `kind`. */
export function ownerKeys(kind: string): (change: Change<KubeObject>) => string[] {
  return ({ object }) =>
    (object.metadata.ownerReferences ?? [])
      .filter((owner) => owner.kind === kind && owner.controller === true)
      .map((owner) =>
        object.metadata.namespace ? `${object.metadata.namespace}/${owner.name}` : owner.name,
      );
}

/**
 * informer → queue → reconcile. Informers run all the time (every replica stays ready);
 * `run` runs the workers only while given leadership, and drains in-flight reconciles when
 * its signal aborts.
 */
export class Controller<T extends KubeObject> {
  readonly #o: ControllerOptions<T>;
  readonly #clock: Clock;
  #queue: WorkQueue | undefined;
  #reconciled = 0;

  constructor(options: ControllerOptions<T>) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    const enqueue = (key: string): void => this.#queue?.add(key);
    const { skip } = options;
    options.informer.onChange((change) => {
      if (!skip?.(change)) enqueue(change.key);
    });
    for (const watched of options.watches ?? []) {
      watched.informer.onChange((change) => watched.map(change).forEach(enqueue));
    }
    options.metrics.trackQueueDepth(() => this.#queue?.depth ?? 0);
    // Every series exists from the start at 0 (as controller-runtime does), so a rate() or an
    // alert on errors works before the first error rather than after it.
    const { kind, metrics } = options;
    for (const result of RESULTS) metrics.reconcileTotal.inc({ kind, result }, 0);
    metrics.reconcileErrors.inc({ kind }, 0);
  }

  get kind(): string {
    return this.#o.kind;
  }

  /** Keys queued or in flight (not those scheduled for later). */
  get pending(): number {
    return (this.#queue?.depth ?? 0) + (this.#queue?.inFlight ?? 0);
  }

  /** Reconciles finished since the start, whatever their result. */
  get reconciled(): number {
    return this.#reconciled;
  }

  /** Queues `key` now: something outside Kubernetes it waited for settled. No-op unless leading. */
  enqueue(key: string): void {
    this.#queue?.add(key);
  }

  /** Reconciles until `signal` aborts, then waits for in-flight reconciles to finish. */
  async run(signal: AbortSignal): Promise<void> {
    const queue = new WorkQueue({ ...this.#o.queue, clock: this.#clock, random: this.#o.random });
    this.#queue = queue;
    const informers = [this.#o.informer, ...(this.#o.watches ?? []).map((w) => w.informer)];
    await Promise.race([Promise.all(informers.map((i) => i.waitForSync())), aborted(signal)]);
    // Every cached key now (changes seen before leadership were not queued), then periodically.
    let timer: unknown;
    const resync = (): void => {
      this.#o.onResync?.();
      for (const key of this.#o.informer.store.keys()) queue.add(key);
      for (const key of this.#o.resyncKeys ?? []) queue.add(key);
      timer = this.#clock.setTimeout(resync, this.#o.resyncPeriodMs);
    };
    resync();
    const workers = runWorkers(queue, {
      workers: this.#o.workers,
      handle: (key) => this.#process(key, signal),
      onUnexpectedError: (key, error) =>
        this.#o.log.error({ kind: this.#o.kind, key, err: error }, 'reconcile crashed'),
    });
    await aborted(signal);
    this.#clock.clearTimeout(timer);
    await queue.shutDown();
    await workers;
    if (this.#queue === queue) this.#queue = undefined;
  }

  async #process(key: string, signal: AbortSignal): Promise<Outcome> {
    const { kind, metrics, log } = this.#o;
    const started = this.#clock.now();
    const request = { key, ...splitKey(key), object: this.#o.informer.store.get(key), signal };
    try {
      const result = await this.#o.reconcile(request);
      const requeue = result?.requeueAfterMs;
      metrics.reconcileTotal.inc({ kind, result: requeue === undefined ? 'success' : 'requeue' });
      return requeue === undefined ? { kind: 'done' } : { kind: 'requeueAfter', ms: requeue };
    } catch (error) {
      // Interrupted by shutdown or lost leadership: the next leader reconciles it again.
      if (signal.aborted) return { kind: 'done' };
      metrics.reconcileErrors.inc({ kind });
      const terminal = terminalIn(error);
      metrics.reconcileTotal.inc({ kind, result: terminal ? 'terminal' : 'error' });
      if (terminal)
        log.error(
          { kind, key, reason: terminal.reason, err: error },
          'reconcile failed terminally',
        );
      else log.warn({ kind, key, err: error }, 'reconcile failed, will retry');
      return terminal ? { kind: 'done' } : { kind: 'retry' };
    } finally {
      this.#reconciled++;
      metrics.reconcileDuration.observe({ kind }, (this.#clock.now() - started) / 1000);
    }
  }
}

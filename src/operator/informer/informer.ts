import { sleep, systemClock, type Clock, type Random } from '../../lib/clock.ts';
import type { KubeClient } from '../kube/client.ts';
import { KubeApiError, isGone } from '../kube/errors.ts';
import type { Resource } from '../kube/resources.ts';
import type { KubeObject, WatchEvent } from '../kube/types.ts';
import type { Log } from '../telemetry/log.ts';
import { Store, type Change, type Projection } from './store.ts';

/** Why a watch was started again; counted in posture_watch_restarts_total. */
export type RestartReason = 'stall' | 'gone' | 'error';

/** The part of KubeClient an informer needs (fakes implement it in unit tests). */
export type WatchSource = Pick<KubeClient, 'listAll' | 'watch'> &
  Partial<Pick<KubeClient, 'resetConnections'>>;

export interface InformerOptions {
  source: WatchSource;
  resource: Resource;
  /** Watch one namespace; undefined watches the resource cluster-wide. */
  namespace?: string;
  labelSelector?: string;
  log: Log;
  clock?: Clock;
  random?: Random;
  /** No event and no bookmark for this long restarts the watch. @default 60_000 */
  stallTimeoutMs?: number;
  /**
   * The apiserver closes each watch after this long and the informer continues from the
   * last resourceVersion; kept below the stall timeout so a healthy quiet watch (bookmarks
   * about once a minute) is never mistaken for a stalled one. @default 45
   */
  watchTimeoutSeconds?: number;
  onRestart?: (reason: RestartReason) => void;
  /** Cache only what this field manager owns (plus identity, and status if asked). */
  ownedBy?: Projection;
}

type WatchEnd = 'closed' | 'stall' | 'gone' | 'stopped';

/**
 * List then watch with resourceVersion, into a local cache, reporting changes to handlers.
 * Re-lists on 410 Gone, restarts a watch that went silent, and retries a failing apiserver
 * with capped exponential backoff — it never gives up while running.
 */
export class Informer<T extends KubeObject = KubeObject> {
  readonly store: Store<T>;
  readonly #options: InformerOptions;
  readonly #clock: Clock;
  readonly #handlers: Array<(change: Change<T>) => void> = [];
  #resourceVersion = '';
  #synced = false;
  #syncWaiters: Array<() => void> = [];
  #failures = 0;
  #mustList = true;
  #changes = 0;

  constructor(options: InformerOptions) {
    const { resource, namespace } = options;
    if (resource.group === '' && resource.plural === 'secrets' && !namespace) {
      throw new Error(
        'an informer on Secrets must be limited to one namespace: never cache all Secrets',
      );
    }
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.store = new Store<T>(options.ownedBy);
  }

  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  /** Changes seen since the start (lists and watch events): a measure of activity. */
  get changes(): number {
    return this.#changes;
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves after the first complete list has been cached. */
  waitForSync(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  onChange(handler: (change: Change<T>) => void): void {
    this.#handlers.push(handler);
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.#mustList = true;
    while (!signal.aborted) {
      try {
        await this.#cycle(signal);
      } catch (error) {
        if (signal.aborted) return;
        // Only 410 forces a re-list; after any other failure the watch resumes where it ended.
        if (isGone(error)) this.#mustList = true;
        this.#restarted(isGone(error) ? 'gone' : 'error', error);
        await sleep(this.#clock, this.#backoffMs(), signal);
      }
    }
  }

  /** One (list and) watch. */
  async #cycle(signal: AbortSignal): Promise<void> {
    if (this.#mustList) await this.#list(signal);
    this.#mustList = false;
    const started = this.#clock.now();
    const end = await this.#watch(signal);
    if (end === 'stall' || end === 'gone') this.#restarted(end);
    // A silent watch means a dead connection, and its kept-alive siblings may be dead too.
    if (end === 'stall') this.#options.source.resetConnections?.();
    if (end === 'gone') this.#mustList = true;
    // A watch the apiserver ends at once (it is shutting down) must not become a busy loop.
    if (end !== 'stopped' && this.#clock.now() - started < 1000) {
      await sleep(this.#clock, this.#backoffMs(), signal);
    }
  }

  #restarted(reason: RestartReason, error?: unknown): void {
    const { resource } = this.#options;
    this.#options.log.warn({ resource: resource.plural, reason, err: error }, 'watch restarted');
    this.#options.onRestart?.(reason);
  }

  #backoffMs(): number {
    const ceiling = Math.min(30_000, 500 * 2 ** this.#failures++);
    return Math.floor(ceiling * (0.5 + (this.#options.random ?? Math.random)() / 2));
  }

  async #list(signal: AbortSignal): Promise<void> {
    const { source, resource, namespace, labelSelector } = this.#options;
    const list = await source.listAll<T>(resource, { namespace, labelSelector, signal });
    this.#resourceVersion = list.resourceVersion;
    this.#emit(this.store.replace(list.items));
    this.#failures = 0;
    if (!this.#synced) {
      this.#synced = true;
      for (const resolve of this.#syncWaiters.splice(0)) resolve();
    }
  }

  async #watch(signal: AbortSignal): Promise<WatchEnd> {
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    signal.addEventListener('abort', stop, { once: true });
    const watchdog = new Watchdog(this.#clock, this.#options.stallTimeoutMs ?? 60_000, stop);
    try {
      return await this.#consume(controller.signal, watchdog);
    } catch (error) {
      if (watchdog.fired) return 'stall';
      if (signal.aborted) return 'stopped';
      throw error;
    } finally {
      watchdog.cancel();
      signal.removeEventListener('abort', stop);
      controller.abort();
    }
  }

  async #consume(signal: AbortSignal, watchdog: Watchdog): Promise<WatchEnd> {
    const { source, resource, namespace, labelSelector } = this.#options;
    const timeoutSeconds = this.#options.watchTimeoutSeconds ?? 45;
    const options = {
      namespace,
      labelSelector,
      resourceVersion: this.#resourceVersion,
      timeoutSeconds,
      signal,
    };
    for await (const event of source.watch<T>(resource, options)) {
      watchdog.reset();
      if (event.type === 'ERROR') return this.#watchError(event);
      this.#handle(event);
    }
    return watchdog.fired ? 'stall' : 'closed';
  }

  #watchError(event: Extract<WatchEvent<T>, { type: 'ERROR' }>): WatchEnd {
    if (event.object.code === 410) return 'gone';
    throw new KubeApiError(
      `watch ${this.#options.resource.plural}`,
      event.object.code ?? 500,
      event.object,
    );
  }

  #handle(event: Exclude<WatchEvent<T>, { type: 'ERROR' }>): void {
    const version = event.object.metadata.resourceVersion;
    if (version) this.#resourceVersion = version;
    this.#failures = 0;
    if (event.type === 'BOOKMARK') return;
    const change =
      event.type === 'DELETED' ? this.store.remove(event.object) : this.store.upsert(event.object);
    if (change) this.#emit([change]);
  }

  #emit(changes: Change<T>[]): void {
    this.#changes += changes.length;
    for (const change of changes) {
      for (const handler of this.#handlers) handler(change);
    }
  }
}

/** Fires `onStall` when `reset` was not called for `timeoutMs`. */
class Watchdog {
  fired = false;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #onStall: () => void;
  #timer: unknown;

  constructor(clock: Clock, timeoutMs: number, onStall: () => void) {
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
    this.#onStall = onStall;
    this.reset();
  }

  reset(): void {
    this.cancel();
    this.#timer = this.#clock.setTimeout(() => {
      this.fired = true;
      this.#onStall();
    }, this.#timeoutMs);
  }

  cancel(): void {
    this.#clock.clearTimeout(this.#timer);
  }
}

import { systemClock, type Clock } from '../lib/clock.ts';
import { Controller, type ControllerOptions } from './controller.ts';
import { Informer, type InformerOptions } from './informer/informer.ts';
import type { KubeClient } from './kube/client.ts';
import type { KubeObject } from './kube/types.ts';
import { LeaderElector } from './leader/elector.ts';
import type { Log } from './telemetry/log.ts';
import type { Metrics } from './telemetry/metrics.ts';
import { startHealthServer, type HealthServer } from './telemetry/server.ts';

export interface ManagerOptions {
  client: KubeClient;
  log: Log;
  metrics: Metrics;
  /** Unique per replica (the pod name); the Lease holder identity. */
  identity: string;
  workers: number;
  resyncPeriodMs: number;
  stallTimeoutMs: number;
  leaderElection: { enabled: boolean; namespace: string; name: string };
  /** Port 0 picks a free port; undefined serves nothing (tests). */
  health?: { port: number; host: string };
  clock?: Clock;
  /** Lease timings for tests; production uses the 15/10/2 s defaults. */
  leaseTimings?: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
}

type InformerSpec = Omit<
  InformerOptions,
  'source' | 'log' | 'clock' | 'onRestart' | 'stallTimeoutMs'
>;
/** What makes two informers the same: resource, scope, selector, watch timeout, projection. */
export function informerKey(spec: InformerSpec): string {
  const { group, version, plural } = spec.resource;
  return JSON.stringify([
    group,
    version,
    plural,
    spec.namespace ?? '',
    spec.labelSelector ?? '',
    spec.watchTimeoutSeconds ?? null,
    spec.ownedBy ?? null,
  ]);
}

type ControllerSpec<T extends KubeObject> = Omit<
  ControllerOptions<T>,
  'metrics' | 'log' | 'workers' | 'resyncPeriodMs' | 'clock'
>;

/**
 * Owns the runtime of one operator process: informers (always running, so every replica
 * is ready), controllers (running only while this replica leads), leader election, the
 * health/metrics server, and the order of a graceful shutdown: stop leading → drain
 * in-flight reconciles → release the lease → stop watches → close the server.
 */
export class Manager {
  readonly #o: ManagerOptions;
  readonly #clock: Clock;
  readonly #informers: Informer<KubeObject>[] = [];
  readonly #shared = new Map<string, Informer<KubeObject>>();
  readonly #controllers: Controller<KubeObject>[] = [];
  #elector: LeaderElector | undefined;
  #server: HealthServer | undefined;
  #listening: Promise<number | undefined>;
  #listened: (port: number | undefined) => void = () => {};

  constructor(options: ManagerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#listening = new Promise((resolve) => (this.#listened = resolve));
  }

  get port(): number | undefined {
    return this.#server?.port;
  }

  /** Resolves with the health server's port once it listens (undefined when none is served). */
  listening(): Promise<number | undefined> {
    return this.#listening;
  }

  isLeader(): boolean {
    return this.#o.leaderElection.enabled ? (this.#elector?.isLeader() ?? false) : true;
  }

  /** How busy the process is, for the memory reducer (operator/memory.ts). */
  activity(): { pending: number; seen: number } {
    let pending = 0;
    let seen = 0;
    for (const controller of this.#controllers) {
      pending += controller.pending;
      seen += controller.reconciled;
    }
    for (const informer of this.#informers) seen += informer.changes;
    return { pending, seen };
  }

  synced(): boolean {
    return this.#informers.every((informer) => informer.hasSynced());
  }

  /**
   * The informer of a resource, namespace and label selector: one per distinct spec, shared by
   * every controller that asks (each adds its own handlers), so nothing is listed and watched
   * twice.
   */
  informer<T extends KubeObject>(spec: InformerSpec): Informer<T> {
    const key = informerKey(spec);
    const existing = this.#shared.get(key);
    if (existing) return existing as unknown as Informer<T>;
    const informer = new Informer<T>({
      ...spec,
      source: this.#o.client,
      log: this.#o.log,
      clock: this.#clock,
      stallTimeoutMs: this.#o.stallTimeoutMs,
      onRestart: (reason) =>
        this.#o.metrics.watchRestarts.inc({ resource: spec.resource.plural, reason }),
    });
    this.#informers.push(informer as unknown as Informer<KubeObject>);
    this.#shared.set(key, informer as unknown as Informer<KubeObject>);
    return informer;
  }

  controller<T extends KubeObject>(spec: ControllerSpec<T>): Controller<T> {
    const { metrics, log, workers, resyncPeriodMs } = this.#o;
    const controller = new Controller<T>({
      ...spec,
      metrics,
      log,
      workers,
      resyncPeriodMs,
      clock: this.#clock,
    });
    this.#controllers.push(controller as unknown as Controller<KubeObject>);
    return controller;
  }

  /** Runs until `signal` aborts, then shuts down in order. */
  async run(signal: AbortSignal): Promise<void> {
    const { health, log, metrics } = this.#o;
    if (health) {
      const readiness = { 'informers-synced': () => this.synced() };
      this.#server = await startHealthServer({
        ...health,
        registry: metrics.registry,
        readiness,
        log,
      });
    }
    this.#listened(this.#server?.port);
    const watching = new AbortController();
    const informers = this.#informers.map((informer) => informer.run(watching.signal));
    try {
      await (this.#o.leaderElection.enabled ? this.#lead(signal) : this.#runControllers(signal));
    } finally {
      watching.abort();
      await Promise.all(informers);
      await this.#server?.close();
      log.info({ identity: this.#o.identity }, 'operator stopped');
    }
  }

  async #lead(signal: AbortSignal): Promise<void> {
    const { client, log, identity, leaderElection } = this.#o;
    this.#elector = new LeaderElector({
      client,
      log,
      identity,
      clock: this.#clock,
      namespace: leaderElection.namespace,
      name: leaderElection.name,
      ...this.#o.leaseTimings,
    });
    let running: Promise<void> = Promise.resolve();
    await this.#elector.run(signal, {
      onStartedLeading: (leading) => {
        running = this.#runControllers(leading);
      },
      onStoppedLeading: () => running,
    });
  }

  async #runControllers(signal: AbortSignal): Promise<void> {
    await Promise.all(this.#controllers.map((controller) => controller.run(signal)));
  }
}

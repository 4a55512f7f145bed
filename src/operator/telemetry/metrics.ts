import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The runtime's metrics, on a registry of its own (never prom-client's global one). A kind's
 * own metrics are registered by its controller on the same registry (controllers/kit/metrics.ts).
 */
export interface Metrics {
  registry: Registry;
  reconcileTotal: Counter<'kind' | 'result'>;
  reconcileErrors: Counter<'kind'>;
  reconcileDuration: Histogram<'kind'>;
  watchRestarts: Counter<'resource' | 'reason'>;
  vaultAuthFailures: Counter<'kind'>;
  vaultRequests: Counter<'method' | 'area'>;
  /** Memory-reducing collections once work was over (operator/memory.ts). */
  idleCollections: Counter;
  idleCollectionSeconds: Counter;
  /** Adds a queue whose depth is summed into posture_queue_depth at scrape time. */
  trackQueueDepth(depth: () => number): void;
  /** Adds a client whose request counts (by verb) feed posture_kube_requests_total. */
  trackKubeRequests(counts: () => Partial<Record<string, number>>): void;
}

export type ReconcileResult = 'success' | 'requeue' | 'error' | 'terminal';

export function createMetrics(): Metrics {
  const registry = new Registry();
  const depths: Array<() => number> = [];
  const clients: Array<() => Partial<Record<string, number>>> = [];
  const registers = [registry];
  // process_resident_memory_bytes, heap spaces, event-loop lag, GC: what memory alerts read.
  collectDefaultMetrics({ register: registry });
  new Counter({
    name: 'posture_kube_requests_total',
    help: 'Requests sent to the apiserver, by verb (watch: watches opened).',
    labelNames: ['verb'],
    registers,
    collect() {
      // The clients count; a scrape copies their totals.
      this.reset();
      for (const counts of clients)
        for (const [verb, n] of Object.entries(counts())) this.inc({ verb }, n ?? 0);
    },
  });
  new Gauge({
    name: 'posture_queue_depth',
    help: 'Keys waiting in the work queues.',
    registers,
    collect() {
      this.set(depths.reduce((sum, depth) => sum + depth(), 0));
    },
  });
  return {
    registry,
    reconcileTotal: new Counter({
      name: 'posture_reconcile_total',
      help: 'Reconciles by kind and result (success, requeue, error, terminal).',
      labelNames: ['kind', 'result'],
      registers,
    }),
    reconcileErrors: new Counter({
      name: 'posture_reconcile_errors_total',
      help: 'Reconciles that failed, retryable or terminal, by kind.',
      labelNames: ['kind'],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'posture_reconcile_duration_seconds',
      help: 'Time spent in one reconcile, by kind.',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    watchRestarts: new Counter({
      name: 'posture_watch_restarts_total',
      help: 'Watches restarted, by resource and reason (stall, gone, error).',
      labelNames: ['resource', 'reason'],
      registers,
    }),
    vaultAuthFailures: new Counter({
      name: 'posture_vault_auth_failures_total',
      help: 'Vault refusals of the operator: logins refused (kind=login) and requests answered 403 (kind=permission_denied).',
      labelNames: ['kind'],
      registers,
    }),
    vaultRequests: new Counter({
      name: 'posture_vault_requests_total',
      help: 'Requests sent to Vault, by method and area (sys/<endpoint>, auth, kv/data, kv/metadata, other).',
      labelNames: ['method', 'area'],
      registers,
    }),
    idleCollections: new Counter({
      name: 'posture_idle_collections_total',
      help: 'Memory-reducing collections run once the operator was quiet after work (--idle-gc-seconds).',
      registers,
    }),
    idleCollectionSeconds: new Counter({
      name: 'posture_idle_collection_seconds_total',
      help: 'Time the event loop spent in those collections.',
      registers,
    }),
    trackQueueDepth: (depth) => void depths.push(depth),
    trackKubeRequests: (counts) => void clients.push(counts),
  };
}

import { readPlatformDir } from '../../../gitops/source.ts';
import type { ReconcileRequest, ReconcileResult } from '../../../operator/controller.ts';
import { loadConfig } from '../../../operator/config.ts';
import type { KubeClient, KubeWrites } from '../../../operator/kube/client.ts';
import type { Resource } from '../../../operator/kube/resources.ts';
import { splitKey, type KubeObject } from '../../../operator/kube/types.ts';
import { Manager } from '../../../operator/manager.ts';
import { silentLog } from '../../../operator/telemetry/log.ts';
import { createMetrics } from '../../../operator/telemetry/metrics.ts';
import type { NatsPublisher, PublishState } from '../../../nats/publisher.ts';
import { FakeVault } from '../../../vault/fake.ts';
import { tradingServiceController } from '../reconcile.ts';
import { EXCHANGE_CREDENTIAL } from '../../../api/exchangecredential/kind.ts';
import { HMAC_KEY_RING } from '../../../api/hmackeyring/kind.ts';
import { childCache } from '../../kit/children.ts';
import { TRADING_SERVICE } from '../../../api/tradingservice/kind.ts';

/**
 * The TradingService reconciler with recording fakes: a Kubernetes client that answers every
 * write and notes it, the in-memory FakeVault (its mutating calls noted in the same log, so
 * tests see the order across both), and a NATS publisher whose answer the test sets. The caches
 * are the real informer stores, filled by the test; the reconcile runs as the controller would.
 */

const titan = readPlatformDir('examples/titan');
export const titanObjects = {
  services: titan.resources.tradingServices.map((s) => s.object as unknown as KubeObject),
  credentials: titan.resources.exchangeCredentials.map((s) => s.object as unknown as KubeObject),
  keyRings: titan.resources.hmacKeyRings.map((s) => s.object as unknown as KubeObject),
};

const VAULT_WRITES = new Set([
  'write',
  'delete',
  'writePolicy',
  'deletePolicy',
  'kvWrite',
  'kvDestroy',
  'deleteKubernetesRole',
]);

type Status = { conditions?: { type: string; status: string; reason: string }[] };

export interface Harness {
  /** Kubernetes and Vault writes and NATS asks, in order: `apply Deployment brain`, `vault writePolicy ...`. */
  log: string[];
  /** Every status the reconciler wrote. */
  statuses: Status[];
  /** The last object applied of each `Kind name`: `Deployment brain`. */
  applied: Map<string, KubeObject>;
  vault: FakeVault;
  /** What the NATS publisher answers next. */
  nats: { state: PublishState };
  put: (resource: Resource, object: KubeObject) => void;
  /** Puts a child (a Deployment that rolled) into the controller's own cache of its kind. */
  putChild: (resource: Resource, object: KubeObject) => void;
  reconcile: (object: KubeObject) => Promise<ReconcileResult | undefined>;
  /** Removes the service from the cache and reconciles its key, as after its delete event. */
  reconcileGone: (namespace: string, name: string) => Promise<ReconcileResult | undefined>;
  /** Reconciles a key the cache may not have (the Vault sweep's, say). */
  reconcileKey: (key: string) => Promise<ReconcileResult | undefined>;
  /** Keys the controller queued outside the informers (the sweep's finds). */
  enqueued: string[];
}

function recordingClient(
  log: string[],
  statuses: Status[],
  applied: Map<string, KubeObject>,
): KubeWrites {
  const nameOf = (o: { kind?: string; metadata?: { name?: string } }) =>
    `${o.kind ?? ''} ${o.metadata?.name ?? ''}`.trim();
  return {
    apply: (_r: Resource, object: KubeObject) => {
      log.push(`apply ${nameOf(object)}`);
      applied.set(nameOf(object), object);
      return Promise.resolve(object);
    },
    applyStatus: (_r: Resource, object: KubeObject & { status: Status }) => {
      statuses.push(object.status);
      log.push('status');
      return Promise.resolve(object);
    },
    patch: (_r: Resource, options: { patch: { metadata?: { finalizers?: string[] } } }) => {
      log.push(`finalizers [${(options.patch.metadata?.finalizers ?? []).join(',')}]`);
      return Promise.resolve({ metadata: {} });
    },
    create: (_r: Resource, object: { reason?: string }) => {
      log.push(`event ${object.reason ?? ''}`);
      return Promise.resolve(object);
    },
    get: () => Promise.resolve(undefined),
  } as unknown as KubeWrites;
}

function recordingVault(log: string[], vault = new FakeVault()): FakeVault {
  return new Proxy(vault, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      // FakeVault keeps private fields: its methods must run on the target, not the proxy.
      if (!VAULT_WRITES.has(String(property))) return (value as () => unknown).bind(target);
      return (...args: unknown[]) => {
        const first = args[0] as string | { path?: string };
        log.push(
          `vault ${String(property)} ${typeof first === 'string' ? first : (first.path ?? '')}`,
        );
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

function fakePublisher(nats: { state: PublishState }, log: string[]): NatsPublisher {
  return {
    request: () => {
      log.push(`nats ${nats.state instanceof Error ? 'error' : nats.state}`);
      return nats.state;
    },
    onSettled: () => undefined,
    reloads: 0,
    confirmsLoad: true,
  };
}

export function harness(
  options: { withNats?: boolean; vault?: FakeVault; without?: readonly string[] } = {},
): Harness {
  const log: string[] = [];
  const statuses: Status[] = [];
  const applied = new Map<string, KubeObject>();
  const client = recordingClient(log, statuses, applied);
  // A second harness on the same Vault is the operator restarted: nothing in memory survives.
  const vault = recordingVault(log, options.vault);
  const nats = { state: 'confirmed' as PublishState };
  const metrics = createMetrics();
  const manager = new Manager({
    // The manager's informers never start here (the test fills their stores): it gets no client.
    client: {} as KubeClient,
    log: silentLog,
    metrics,
    identity: 'unit',
    workers: 1,
    resyncPeriodMs: 600_000,
    stallTimeoutMs: 60_000,
    leaderElection: { enabled: false, namespace: 'default', name: 'unused' },
  });
  let captured:
    ((request: ReconcileRequest<KubeObject>) => Promise<ReconcileResult | undefined>) | undefined;
  const controller = manager.controller.bind(manager);
  const enqueued: string[] = [];
  manager.controller = (spec) => {
    const registered = controller(spec);
    if (spec.kind !== 'TradingService') return registered;
    captured = spec.reconcile as typeof captured;
    registered.enqueue = (key) => enqueued.push(key);
    return registered;
  };
  const config = loadConfig({
    argv: ['--vault-addr=http://127.0.0.1:1', '--vault-role=unit'],
    env: {},
  });
  tradingServiceController(titan.platform, {
    ...(options.withNats && { nats: () => fakePublisher(nats, log) }),
  })({ config, client, vault, log: silentLog, metrics, manager });
  const put = (resource: Resource, object: KubeObject) => {
    manager.informer<KubeObject>({ resource }).store.upsert(object);
  };
  for (const s of titanObjects.services)
    if (!options.without?.includes(`${s.metadata.namespace}/${s.metadata.name}`))
      put(TRADING_SERVICE, s);
  for (const c of titanObjects.credentials) put(EXCHANGE_CREDENTIAL, c);
  for (const r of titanObjects.keyRings) put(HMAC_KEY_RING, r);
  const putChild = (resource: Resource, object: KubeObject) => {
    // The controller's own informer spec, so this is the cache it reads.
    manager.informer<KubeObject>({ resource, ...childCache(resource.kind) }).store.upsert(object);
  };
  return {
    log,
    statuses,
    applied,
    // The proxy logs writes; tests that restart share the FakeVault underneath.
    vault,
    nats,
    put,
    putChild,
    enqueued,
    reconcile: (object) => {
      const { namespace = '', name = '' } = object.metadata;
      put(TRADING_SERVICE, object);
      return call(`${namespace}/${name}`, object);
    },
    reconcileGone: (namespace, name) => {
      const services = manager.informer<KubeObject>({ resource: TRADING_SERVICE }).store;
      const cached = services.get(`${namespace}/${name}`);
      if (cached) services.remove(cached);
      return call(`${namespace}/${name}`, undefined);
    },
    reconcileKey: (key) => call(key, undefined),
  };
  function call(key: string, object: KubeObject | undefined) {
    if (!captured) throw new Error('the TradingService controller did not register');
    // The request the controller builds: the key split as #process splits it.
    return captured({ key, ...splitKey(key), object, signal: new AbortController().signal });
  }
}

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { DestinationStream } from 'pino';
import type { Register } from '../controllers/kit/deps.ts';
import { kubernetesLogin, tokenFile, type TokenSource } from '../vault/auth.ts';
import { HttpVaultAdapter, type HttpVaultOptions } from '../vault/http.ts';
import { loadConfig, type OperatorConfig } from '../operator/config.ts';
import { KubeClient } from '../operator/kube/client.ts';
import {
  inClusterAccess,
  loadKubeconfig,
  type ClusterAccess,
} from '../operator/kube/kubeconfig.ts';
import { Manager } from '../operator/manager.ts';
import { memoryReducingCollection, startMemoryReducer } from '../operator/memory.ts';
import { systemClock } from '../lib/clock.ts';
import { startAlertWebhook } from './webhook.ts';

import { createLogger, type Log } from '../operator/telemetry/log.ts';
import { createMetrics, type Metrics } from '../operator/telemetry/metrics.ts';

type VaultAuthFailures = NonNullable<HttpVaultOptions['onAuthFailure']>;

function accessOf(config: OperatorConfig): ClusterAccess {
  return config.kubeconfig ? loadKubeconfig(config.kubeconfig) : inClusterAccess();
}

function vaultToken(
  config: OperatorConfig,
  mount: string | undefined,
  onAuthFailure: VaultAuthFailures,
): TokenSource {
  const { address, tokenFile: file, role, jwtFile, timeoutMs } = config.vault;
  if (file) return tokenFile(file);
  // Login needs no token; this adapter is only ever used for the login call.
  const anonymous = new HttpVaultAdapter({
    address,
    timeoutMs,
    token: () => Promise.reject(new Error('no token')),
    onAuthFailure,
  });
  return kubernetesLogin({
    role: role ?? '',
    ...(mount !== undefined && { mount }),
    ...(jwtFile !== undefined && { jwtFile }),
    login: (mount, r, jwt) => anonymous.kubernetesLogin(mount, r, jwt),
  });
}

/** The controllers, and the Vault auth mount they log in at (the platform's `vault.authMount`). */
export interface Setup {
  register: readonly Register[];
  vaultAuthMount?: string;
}

export interface RunOptions extends Partial<Setup> {
  argv: string[];
  /**
   * Builds the controllers once the Kubernetes client exists: for settings read from the cluster
   * (the PosturePlatform). Takes the place of `register` and `vaultAuthMount`.
   */
  setup?: (client: KubeClient) => Promise<Setup>;
  env?: Record<string, string | undefined>;
  /** Stops the operator like SIGTERM does (tests, embedding). */
  signal?: AbortSignal;
  /** Called once the health server listens (tests use port 0). */
  onListening?: (port: number | undefined) => void;
  /** Where log lines go instead of stdout (tests scan them for secrets). */
  logDestination?: DestinationStream;
}

/** V8 reads this at every full collection, so it works set now (docs/adr/0064). */
function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/** One memory-reducing collection once a burst of work is over (docs/adr/0066). */
function reduceMemoryWhenIdle(
  seconds: number,
  manager: Manager,
  metrics: Metrics,
  log: Log,
): () => void {
  if (seconds === 0) return () => {};
  return startMemoryReducer({
    quietMs: seconds * 1000,
    activity: () => manager.activity(),
    collect: memoryReducingCollection(),
    clock: systemClock,
    onCollected: (ms, heapBytes) => {
      metrics.idleCollections.inc();
      metrics.idleCollectionSeconds.inc(ms / 1000);
      log.info({ ms, heapMb: Math.round(heapBytes / 2 ** 20) }, 'gave back memory once idle');
    },
  });
}

/**
 * `posture operator`: loads the configuration, wires the runtime, lets each reconciler
 * register, and runs until SIGTERM/SIGINT, then shuts down in order (see Manager).
 */
export async function runOperator(options: RunOptions): Promise<void> {
  const { argv, env = process.env } = options;
  const config = loadConfig({ argv, env });
  limitHeapGrowth(config.heapGrowingPercent);
  const log = createLogger({
    level: config.logLevel,
    ...(options.logDestination && { destination: options.logDestination }),
  });
  const client = new KubeClient({ access: accessOf(config) });
  const { register, vaultAuthMount } = options.setup
    ? await options.setup(client)
    : { register: options.register ?? [], vaultAuthMount: options.vaultAuthMount };
  const metrics = createMetrics();
  const onAuthFailure: VaultAuthFailures = (kind) => metrics.vaultAuthFailures.inc({ kind });
  const vault = new HttpVaultAdapter({
    address: config.vault.address,
    token: vaultToken(config, vaultAuthMount, onAuthFailure),
    timeoutMs: config.vault.timeoutMs,
    onAuthFailure,
    onRequest: (method, area) => metrics.vaultRequests.inc({ method, area }),
  });
  metrics.trackKubeRequests(() => client.counts());
  const identity = env.POD_NAME ?? `${hostname()}-${randomBytes(3).toString('hex')}`;
  const manager = new Manager({
    client,
    log,
    metrics,
    identity,
    workers: config.workers,
    resyncPeriodMs: config.resyncPeriodSeconds * 1000,
    stallTimeoutMs: config.stallTimeoutSeconds * 1000,
    leaderElection: config.leaderElection,
    health: config.metrics,
  });
  for (const add of register) add({ config, client, vault, log, metrics, manager });
  const stop = new AbortController();
  options.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info({ signal }, 'shutting down');
    stop.abort();
  };
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
  log.info(
    { identity, workers: config.workers, leaderElection: config.leaderElection.enabled },
    'operator starting',
  );
  // Every replica answers alerts: isolating is a label write, which any of them may make. A bad
  // key file stops the start here, before any controller runs.
  const stopWebhook = await startAlertWebhook(config, client, log);
  const running = manager.run(stop.signal);
  const stopReducer = reduceMemoryWhenIdle(config.idleGcSeconds, manager, metrics, log);
  try {
    options.onListening?.(await manager.listening());
    await running;
  } finally {
    stopReducer();
    process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
    await stopWebhook?.();
  }
}

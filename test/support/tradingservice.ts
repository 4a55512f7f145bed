import assert from 'node:assert/strict';
import type { Register } from '../../src/controllers/kit/deps.ts';
import { tradingServiceController } from '../../src/controllers/tradingservice/reconcile.ts';
import type { JwtAuthority } from '../../src/nats/jwt/authority.ts';
import type { NatsPublisher } from '../../src/nats/publisher.ts';
import { loadConfig } from '../../src/operator/config.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { Manager } from '../../src/operator/manager.ts';
import { createLogger } from '../../src/operator/telemetry/log.ts';
import { createMetrics, type Metrics } from '../../src/operator/telemetry/metrics.ts';
import type { Platform } from '../../src/api/platform/settings.ts';
import type { VaultAdapter } from '../../src/vault/adapter.ts';
import { staticToken } from '../../src/vault/auth.ts';
import { VaultUnavailableError } from '../../src/vault/errors.ts';
import { HttpVaultAdapter } from '../../src/vault/http.ts';
import { kubectl, testEnv } from './env.ts';
import { eventually, testKubeClient } from './operator.ts';
import { capturedLog } from './secrets.ts';

/** A TradingService with a digest-pinned image; `spec` adds to (or replaces) the image. */
export function tradingService(
  namespace: string,
  name: string,
  spec: Record<string, unknown> = {},
) {
  return {
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'TradingService',
    metadata: { name, namespace },
    spec: { image: `ghcr.io/titan-platform/${name}:v1@sha256:${'a'.repeat(64)}`, ...spec },
  };
}

/** An ExchangeCredential whose key lies where its namespace owns it (docs/adr/0037). */
export function exchangeCredential(
  namespace: string,
  options: { name?: string; consumers?: string[]; vaultPath?: string } = {},
) {
  const name = options.name ?? 'binance';
  return {
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'ExchangeCredential',
    metadata: { name, namespace },
    spec: {
      exchange: 'binance',
      vaultPath: options.vaultPath ?? `secret/${namespace}/exchanges/${name}`,
      permissions: { read: true, trade: true, withdraw: false },
      ipWhitelist: ['203.0.113.10/32'],
      consumers: options.consumers ?? ['trader'],
      maxKeyAge: '24h',
    },
  };
}

/** An adapter on the test Vault with the root token (tests check what the operator did). */
/**
 * The test's own Vault calls, as root. Vault's dev server on a loaded CI machine has answered
 * "500: internal error" to single requests of a test's setup; those are asked again (up to three
 * times, 100 ms apart) so a setup step does not fail a test about something else. The operator's
 * adapter is never wrapped: its retries are the controllers' backoff, which tests prove.
 */
export function rootVault(): HttpVaultAdapter {
  const env = testEnv().vault;
  if (!env) throw new Error('the test environment has no Vault');
  const adapter = new HttpVaultAdapter({ address: env.addr, token: staticToken(env.token) });
  const retried = async (call: () => Promise<unknown>, first: Promise<unknown>) => {
    let pending = first;
    for (let attempt = 1; ; attempt++) {
      try {
        return await pending;
      } catch (error) {
        const serverError =
          error instanceof VaultUnavailableError && /: 5\d\d: /.test(error.message);
        if (!serverError || attempt >= 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
        pending = call();
      }
    }
  };
  return new Proxy(adapter, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const call = () => (value as (...a: unknown[]) => unknown).apply(target, args);
        const first = call();
        return first instanceof Promise ? retried(call as () => Promise<unknown>, first) : first;
      };
    },
  });
}

export async function installPostureCrds(): Promise<void> {
  const applied = await kubectl(['apply', '--server-side', '-f', 'charts/posture/crds/']);
  assert.equal(applied.code, 0, applied.stderr);
  await eventually(
    'the CRDs to be served',
    async () => (await kubectl(['get', 'tradingservices', '-A'])).code === 0 || undefined,
  );
}

type Conditions = { status?: { conditions?: { type: string; status: string; reason: string }[] } };

export const conditionOf = (o: KubeObject | undefined, type: string) =>
  (o as Conditions | undefined)?.status?.conditions?.find((c) => c.type === type);

/** Ready True for the object's current generation. */
export function isReady(o: KubeObject | undefined): boolean {
  const observed = (o as { status?: { observedGeneration?: number } } | undefined)?.status
    ?.observedGeneration;
  return conditionOf(o, 'Ready')?.status === 'True' && observed === o?.metadata.generation;
}

/**
 * Everything applied for the current generation, Ready False only because nothing confirms
 * nats-server loaded the user (an operator without --nats-monitor-url).
 */
export function isNatsUnconfirmed(o: KubeObject | undefined): boolean {
  const observed = (o as { status?: { observedGeneration?: number } } | undefined)?.status
    ?.observedGeneration;
  const ready = conditionOf(o, 'Ready');
  return observed === o?.metadata.generation && ready?.reason === 'NatsNotConfirmed';
}

export interface RunningOperator {
  /** The operator's own client: its request counters are the operator's. */
  client: KubeClient;
  /** Every line it logged (debug level), for the secret scan. */
  log: () => string;
  /** Its metrics registry (reconcile results by kind). */
  metrics: Metrics;
  stop: () => Promise<void>;
}

/** The TradingService reconciler on a Manager against the test apiserver, resync every second. */
export function startTradingServiceOperator(options: {
  namespace: string;
  platform: Platform;
  vault: VaultAdapter;
  nats?: NatsPublisher;
  /** With `nats.auth: jwt`: the authority that signs user JWTs (the publisher pushes accounts). */
  jwt?: JwtAuthority;
  /** @default 1000: tests see drift repaired quickly; benchmarks pass a long one. */
  resyncPeriodMs?: number;
  /** Other controllers on the same manager (the HmacKeyRing controller for rotation tests). */
  also?: readonly Register[];
}): RunningOperator {
  const { namespace, platform, vault } = options;
  const client = testKubeClient({ logWrites: true });
  const captured = capturedLog();
  const log = createLogger({ level: 'debug', destination: captured.destination });
  const metrics = createMetrics();
  const manager = new Manager({
    client,
    log,
    metrics,
    identity: `ts-test-${namespace}`,
    workers: 2,
    resyncPeriodMs: options.resyncPeriodMs ?? 1000,
    stallTimeoutMs: 60_000,
    leaderElection: { enabled: false, namespace, name: 'unused' },
    health: { port: 0, host: '127.0.0.1' },
  });
  const config = loadConfig({
    argv: [
      `--vault-addr=${testEnv().vault?.addr}`,
      `--kubeconfig=${testEnv().kube.kubeconfig}`,
      '--vault-role=unused',
    ],
    env: {},
  });
  const register = tradingServiceController(platform, {
    namespace,
    ...(options.nats && { nats: () => options.nats! }),
    ...(options.jwt && { jwt: () => options.jwt! }),
  });
  for (const add of [register, ...(options.also ?? [])])
    add({ config, client, vault, log, metrics, manager });
  const stop = new AbortController();
  const running = manager.run(stop.signal);
  return {
    client,
    log: captured.text,
    metrics,
    stop: async () => {
      stop.abort();
      await running;
    },
  };
}

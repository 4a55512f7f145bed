import { EXCHANGE_CREDENTIAL } from '../../api/exchangecredential/kind.ts';
import {
  ExchangeCredentialSchema,
  type ExchangeCredential,
} from '../../api/exchangecredential/schema.ts';
import { HttpExchanges } from '../../exchanges/client.ts';
import type { ExchangeApi } from '../../exchanges/types.ts';
import type { ReconcileRequest, ReconcileResult } from '../../operator/controller.ts';
import { EventRecorder } from '../../operator/kube/events.ts';
import type { Platform } from '../../api/platform/settings.ts';
import type { VaultAdapter } from '../../vault/adapter.ts';
import type { OperatorDeps, Register } from '../kit/deps.ts';
import { parseObject, rejectSpec } from '../kit/invalid-spec.ts';
import { registerGauge } from '../kit/metrics.ts';
import { StatusWriter, type Cached } from '../kit/status-writer.ts';
import { vaultFailure } from '../kit/vault.ts';
import { askExchange } from './check.ts';
import {
  decideExchangeCredential,
  planFor,
  type ExchangeCredentialDecision,
  type KeyObservation,
} from './decide.ts';
import { conditionEvents } from './events.ts';
import { newest, storedAnswer, type CheckResult, type StoredAnswer } from './verify.ts';

/** Gather: the key's KV metadata only (its age), never the key. */
export async function observeKey(vault: VaultAdapter, vaultPath: string): Promise<KeyObservation> {
  try {
    const metadata = await vault.kvMetadata(vaultPath);
    if (!metadata) return { state: 'missing' };
    const current = metadata.versions[metadata.currentVersion];
    return {
      state: 'present',
      createdTime: current?.createdTime ?? metadata.updatedTime,
      version: metadata.currentVersion,
    };
  } catch (error) {
    const failure = vaultFailure(error);
    if (failure) return failure;
    throw error;
  }
}

export interface ExchangeCredentialOptions {
  namespace?: string;
  /** The exchanges' APIs. @default HttpExchanges from the operator's `exchange` settings */
  exchanges?: (deps: OperatorDeps) => ExchangeApi;
}

function httpExchanges(deps: OperatorDeps): ExchangeApi {
  const { endpoints, timeoutMs } = deps.config.exchange;
  return new HttpExchanges({ endpoints, timeoutMs });
}

/** What gather has seen when it decides whether to ask the exchange. */
interface Seen {
  credential: ExchangeCredential;
  object: Cached;
  key: KeyObservation;
  now: Date;
}

/** Vault or the exchange could not answer now: the queue's backoff asks again. */
function retryReason(key: KeyObservation, result: CheckResult | undefined): string | undefined {
  if (key.state === 'unavailable') return `Vault is unavailable: ${key.message}`;
  if (result?.state === 'unreachable') return result.message;
  if (result?.state === 'vault' && result.vault.state === 'unavailable')
    return result.vault.message;
  return undefined;
}

/**
 * The ExchangeCredential reconciler: gather (KV metadata; when due, the key and the exchange's
 * answer about it) → decide (pure) → status, Events and the key-age and withdraw gauges. Vault
 * or the exchange not answering is a condition, retried with backoff; an exchange's refusal
 * stands until the key, the spec or the day changes. Consumers' read access itself is part of
 * each consumer's Vault policy (TradingService), granted only to listed consumers.
 */
export function exchangeCredentialController(
  platform: Platform,
  options: ExchangeCredentialOptions = {},
): Register {
  return (deps) => {
    const informer = deps.manager.informer<Cached>({
      resource: EXCHANGE_CREDENTIAL,
      ...(options.namespace && { namespace: options.namespace }),
    });
    const keyAge = registerGauge(deps.metrics.registry, {
      name: 'posture_exchange_key_age_seconds',
      help: 'Age of the exchange API key in Vault (KV v2 created_time), by ExchangeCredential.',
      labelNames: ['namespace', 'name'],
    });
    const withdraw = registerGauge(deps.metrics.registry, {
      name: 'posture_exchange_withdraw_enabled',
      help: 'Whether the exchange says the key may withdraw (1; the platform requires 0), by ExchangeCredential.',
      labelNames: ['namespace', 'name'],
    });
    const exchanges = (options.exchanges ?? httpExchanges)(deps);
    const intervalMs = deps.config.exchange.checkIntervalSeconds * 1000;
    const status = new StatusWriter({
      client: deps.client,
      events: new EventRecorder(deps.client, Date.now),
      log: deps.log,
      resource: EXCHANGE_CREDENTIAL,
      now: () => new Date(),
      announce: conditionEvents,
    });
    // The answers this process got, by namespace/name and uid: a reconcile that runs before the
    // cache holds the status just written must not ask the exchange a second time.
    const answers = new Map<string, { uid: string | undefined; answer: StoredAnswer }>();
    const keyOf = ({ metadata }: Cached) => `${metadata.namespace ?? ''}/${metadata.name ?? ''}`;
    const remembered = (object: Cached) => {
      const entry = answers.get(keyOf(object));
      return entry?.uid === object.metadata.uid ? entry?.answer : undefined;
    };
    /** Asks the exchange when planCheck says so, with the same clock decide then uses. */
    const ask = async (seen: Seen, signal: AbortSignal) => {
      const { credential, object, key, now } = seen;
      const previous = newest(storedAnswer(object.status), remembered(object));
      const { plan } = planFor({ credential, platform, key, now, previous, intervalMs });
      if (!plan.ask) return { previous, result: undefined };
      const io = { vault: deps.vault, exchanges };
      const result = await askExchange(io, credential, plan.version, signal);
      const outcome = result.state === 'answered' ? result.answer.outcome : result.state;
      const { namespace, name } = object.metadata;
      const { exchange } = credential.spec;
      deps.log.info(
        { namespace, name, exchange, keyVersion: plan.version, outcome },
        'asked the exchange about the key',
      );
      return { previous, result };
    };
    const remember = (object: Cached, { fields }: ExchangeCredentialDecision) => {
      const { lastVerifiedTime: time, exchangeKey: key } = fields;
      if (time && key)
        answers.set(keyOf(object), { uid: object.metadata.uid, answer: { time, key } });
    };
    const gauges = (
      labels: { namespace: string; name: string },
      decision: ExchangeCredentialDecision,
    ) => {
      if (decision.keyAgeSeconds !== undefined) keyAge.set(labels, decision.keyAgeSeconds);
      if (decision.withdrawEnabled === undefined) withdraw.remove(labels);
      else withdraw.set(labels, decision.withdrawEnabled);
    };
    const reconcile = async ({
      object,
      signal,
      namespace = '',
      name,
    }: ReconcileRequest<Cached>): Promise<ReconcileResult | undefined> => {
      if (!object || object.metadata.deletionTimestamp) {
        withdraw.remove({ namespace, name });
        answers.delete(`${namespace}/${name}`);
        return undefined;
      }
      const parsed = parseObject(ExchangeCredentialSchema, object);
      if (!parsed.ok) return rejectSpec(status, object, parsed.message, signal);
      const credential = parsed.value;
      const now = new Date();
      const key = await observeKey(deps.vault, credential.spec.vaultPath);
      const { previous, result } = await ask({ credential, object, key, now }, signal);
      const exchange = { ...(previous && { previous }), ...(result && { result }), intervalMs };
      const decision = decideExchangeCredential({ credential, platform, key, now, exchange });
      remember(object, decision);
      gauges({ namespace, name }, decision);
      await status.write(object, decision, signal);
      const retry = retryReason(key, result);
      // Status already says why; the queue's backoff asks again.
      if (retry) throw new Error(`retrying: ${retry}`);
      return { requeueAfterMs: decision.requeueAfterMs };
    };
    deps.manager.controller<Cached>({ kind: 'ExchangeCredential', informer, reconcile });
  };
}

import { EXCHANGE_CREDENTIAL } from '../../api/exchangecredential/kind.ts';
import { ExchangeCredentialSchema } from '../../api/exchangecredential/schema.ts';
import type { ReconcileRequest, ReconcileResult } from '../../operator/controller.ts';
import { EventRecorder } from '../../operator/kube/events.ts';
import type { Platform } from '../../render/platform.ts';
import type { VaultAdapter } from '../../vault/adapter.ts';
import { VaultRequestError, VaultUnavailableError } from '../../vault/errors.ts';
import type { Register } from '../kit/deps.ts';
import { parseObject, rejectSpec } from '../kit/invalid-spec.ts';
import { registerGauge } from '../kit/metrics.ts';
import { StatusWriter, type Cached } from '../kit/status-writer.ts';
import { refusalMessage } from '../kit/vault.ts';
import { decideExchangeCredential, type KeyObservation } from './decide.ts';
import { conditionEvents } from './events.ts';

/** Gather: the key's KV metadata only (its age), never the key. */
export async function observeKey(vault: VaultAdapter, vaultPath: string): Promise<KeyObservation> {
  try {
    const metadata = await vault.kvMetadata(vaultPath);
    if (!metadata) return { state: 'missing' };
    const current = metadata.versions[metadata.currentVersion];
    return { state: 'present', createdTime: current?.createdTime ?? metadata.updatedTime };
  } catch (error) {
    if (error instanceof VaultUnavailableError)
      return { state: 'unavailable', message: error.message };
    if (error instanceof VaultRequestError)
      return { state: 'refused', message: refusalMessage(error) };
    throw error;
  }
}

/**
 * The ExchangeCredential reconciler: gather (KV metadata) → decide (pure) → status and the
 * key-age gauge. Vault being down is a condition, retried; consumers' read access itself is
 * part of each consumer's Vault policy (TradingService), granted only to listed consumers.
 */
export function exchangeCredentialController(
  platform: Platform,
  options: { namespace?: string } = {},
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
    const status = new StatusWriter({
      client: deps.client,
      events: new EventRecorder(deps.client, Date.now),
      log: deps.log,
      resource: EXCHANGE_CREDENTIAL,
      now: () => new Date(),
      announce: conditionEvents,
    });
    const reconcile = async ({
      object,
      signal,
    }: ReconcileRequest<Cached>): Promise<ReconcileResult | undefined> => {
      if (!object || object.metadata.deletionTimestamp) return undefined;
      const parsed = parseObject(ExchangeCredentialSchema, object);
      if (!parsed.ok) return rejectSpec(status, object, parsed.message, signal);
      const key = await observeKey(deps.vault, parsed.value.spec.vaultPath);
      const now = new Date();
      const decision = decideExchangeCredential({ credential: parsed.value, platform, key, now });
      const { namespace = '', name = '' } = object.metadata;
      if (decision.keyAgeSeconds !== undefined)
        keyAge.set({ namespace, name }, decision.keyAgeSeconds);
      await status.write(object, decision, signal);
      // Vault down: retry with the queue's backoff, status already says why.
      if (key.state === 'unavailable')
        throw new Error(`retrying while Vault is unavailable: ${key.message}`);
      return { requeueAfterMs: decision.requeueAfterMs };
    };
    deps.manager.controller<Cached>({ kind: 'ExchangeCredential', informer, reconcile });
  };
}

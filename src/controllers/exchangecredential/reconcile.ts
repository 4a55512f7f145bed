import { EXCHANGE_CREDENTIAL } from '../../api/exchangecredential/kind.ts';
import type { ReconcileRequest, ReconcileResult } from '../../operator/controller.ts';
import { TerminalError } from '../../operator/errors.ts';
import { EventRecorder } from '../../operator/kube/events.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import type { OperatorDeps, Register } from '../kit/deps.ts';
import {
  ConditionType,
  Reason,
  nextStatus,
  statusEqual,
  type ObjectStatus,
} from '../kit/conditions.ts';
import type { Platform } from '../../render/platform.ts';
import type { VaultAdapter } from '../../vault/adapter.ts';
import { VaultRequestError, VaultUnavailableError } from '../../vault/errors.ts';
import { issueLines } from '../../api/validate/issues.ts';
import { decideExchangeCredential, type KeyObservation } from './decide.ts';
import { conditionEvents } from './events.ts';
import { ExchangeCredentialSchema } from '../../api/exchangecredential/schema.ts';

type Cached = KubeObject & { status?: ObjectStatus };

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
      return {
        state: 'refused',
        message: `${error.message} (the operator's Vault policy does not allow reading this key's metadata: compare it with \`posture vault operator-policy\`)`,
      };
    throw error;
  }
}

async function writeStatus(
  deps: OperatorDeps,
  object: Cached,
  status: ObjectStatus,
  signal: AbortSignal,
) {
  if (statusEqual(object.status, status)) return;
  const { name, namespace } = object.metadata;
  await deps.client.applyStatus(
    EXCHANGE_CREDENTIAL,
    { metadata: { name, namespace }, status },
    signal,
  );
  await announce(deps, object, status);
}

/** An Event for each RotationDue / WhitelistMismatch flip, after the status holding it. */
async function announce(deps: OperatorDeps, object: Cached, status: ObjectStatus) {
  const events = new EventRecorder(deps.client, Date.now);
  for (const note of conditionEvents(object.status?.conditions, status.conditions)) {
    try {
      await events.record({ resource: EXCHANGE_CREDENTIAL, object }, note);
    } catch (error) {
      // The condition is in status already; an Event is a courtesy and must not fail the
      // reconcile (a terminating namespace refuses them).
      deps.log.warn({ err: error, name: object.metadata.name }, 'event not recorded');
    }
  }
}

async function reportInvalid(
  deps: OperatorDeps,
  object: Cached,
  message: string,
  signal: AbortSignal,
): Promise<never> {
  const condition = {
    type: ConditionType.InvalidSpec,
    status: 'True' as const,
    reason: Reason.InvalidSpec,
    message,
  };
  const ready = { ...condition, type: ConditionType.Ready, status: 'False' as const };
  const generation = object.metadata.generation ?? 0;
  await writeStatus(
    deps,
    object,
    nextStatus(object.status, { generation, conditions: [condition, ready] }, new Date()),
    signal,
  );
  throw new TerminalError(Reason.InvalidSpec, message);
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
    const reconcile = async ({
      object,
      signal,
    }: ReconcileRequest<Cached>): Promise<ReconcileResult | undefined> => {
      if (!object || object.metadata.deletionTimestamp) return undefined;
      const parsed = ExchangeCredentialSchema.safeParse(object);
      if (!parsed.success)
        return reportInvalid(deps, object, issueLines(parsed.error).join('; '), signal);
      const key = await observeKey(deps.vault, parsed.data.spec.vaultPath);
      const now = new Date();
      const decision = decideExchangeCredential({ credential: parsed.data, platform, key, now });
      const labels = {
        namespace: object.metadata.namespace ?? '',
        name: object.metadata.name ?? '',
      };
      if (decision.keyAgeSeconds !== undefined)
        deps.metrics.exchangeKeyAge.set(labels, decision.keyAgeSeconds);
      const generation = object.metadata.generation ?? 0;
      const status = nextStatus(
        object.status,
        { generation, conditions: decision.conditions, fields: decision.fields },
        now,
      );
      await writeStatus(deps, object, status, signal);
      // Vault down: retry with the queue's backoff, status already says why.
      if (key.state === 'unavailable')
        throw new Error(`retrying while Vault is unavailable: ${key.message}`);
      return { requeueAfterMs: decision.requeueAfterMs };
    };
    deps.manager.controller<Cached>({ kind: 'ExchangeCredential', informer, reconcile });
  };
}

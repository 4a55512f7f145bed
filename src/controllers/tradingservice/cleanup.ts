import type { ReconcileResult } from '../../operator/controller.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { REVOKED_FOREVER } from '../../render/nats/jwt.ts';
import type { JwtAuthority } from '../../nats/jwt/authority.ts';
import { VaultUnavailableError } from '../../vault/errors.ts';
import type { Cached } from '../kit/status-writer.ts';
import { NATS_POLL_MS, refOf, type Context } from './apply.ts';
import type { TradingServiceDecision } from './decide.ts';
import { vaultDown } from './failures.ts';
import { statusUsers } from './nats.ts';
import { setFinalizer, hasFinalizer } from './status.ts';
import { retirableKeys, vaultScope, type ServiceRef } from './vault.ts';
import { removeAccess } from './vault-access.ts';

/**
 * What a deleted TradingService leaves behind, removed level-based (docs/adr/0063): whenever
 * the queue holds a key the cache no longer has (the informer's delete, or the Vault sweep
 * finding state nobody declares), whatever Vault and NATS still hold for it goes, in the order
 * the grant must end: the NATS user first, then the Vault access, then the NKey and creds.
 */

export const emptyDecision: TradingServiceDecision = {
  terminal: false,
  objects: [],
  needsNkey: false,
  conditions: [],
  fields: {},
};

/**
 * With JWTs, the account that issued the creds revokes every key the service could log in
 * with, for good, kept in the account's Vault entry before anything is pushed: the creds' key,
 * the one a rotation in flight replaces (kept beside it), and what status named.
 */
async function retireAll(
  ctx: Context,
  jwt: JwtAuthority,
  ref: ServiceRef,
  named: readonly string[],
): Promise<void> {
  const { creds, keys } = await retirableKeys(ctx.deps.vault, ctx.platform, ref);
  // No creds: no JWT was ever issued, so no key of it can log in.
  if (!creds) return;
  const all = new Set([...named, ...keys, creds.publicKey].filter((k) => k !== ''));
  const changes = jwt.changes;
  await jwt.retire(creds.accountName ?? ctx.platform.nats.account, [...all], REVOKED_FOREVER);
  // A retirement just written is a new version to push, even when this service's part of the
  // config was already empty; a pass that retired nothing new waits for the version it asked.
  if (jwt.changes !== changes) ctx.nats?.forget(`${ref.namespace}/${ref.name}`);
}

/**
 * Removes what Vault and NATS hold for `ref`: the user leaves NATS (confirmed by nats-server)
 * before its trace in Vault goes. Idempotent: a second pass finds nothing and writes nothing.
 */
export async function cleanUp(
  ctx: Context,
  ref: ServiceRef,
  named: readonly string[] = [],
): Promise<ReconcileResult | undefined> {
  const key = `${ref.namespace}/${ref.name}`;
  if (ctx.jwt) await retireAll(ctx, ctx.jwt, ref, named);
  const nats = ctx.nats?.request({ key }) ?? 'confirmed';
  if (nats === 'pending') return { requeueAfterMs: NATS_POLL_MS };
  if (nats instanceof Error) throw nats;
  await removeAccess(vaultScope(ctx), ref);
  ctx.nats?.forget(key);
  return undefined;
}

/** The keys status names (the current user, and the previous one during a rotation). */
function statusKeys(object: KubeObject): string[] {
  const { natsUser, previousNatsUser } = statusUsers(object);
  return [natsUser, previousNatsUser].filter((k): k is string => k !== undefined && k !== '');
}

/**
 * A service created before posture stopped adding its finalizer and deleted since: the same
 * cleanup, then the finalizer goes so Kubernetes can let it go. New services carry none.
 */
export async function finalizeLegacy(
  ctx: Context,
  object: Cached,
  signal: AbortSignal,
): Promise<ReconcileResult | undefined> {
  if (!hasFinalizer(object)) return undefined;
  try {
    const result = await cleanUp(ctx, refOf(object), statusKeys(object));
    if (result) return result;
  } catch (error) {
    if (error instanceof VaultUnavailableError)
      await ctx.status.write(object, vaultDown(error, { ...emptyDecision }), signal);
    throw error;
  }
  await setFinalizer(ctx.deps.client, object, false, signal);
  return undefined;
}

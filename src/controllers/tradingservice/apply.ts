import type { ReconcileResult } from '../../operator/controller.ts';
import type { Informer } from '../../operator/informer/informer.ts';
import { applyIfChanged } from '../../operator/kube/apply.ts';
import { RESOURCES, type Resource } from '../../operator/kube/resources.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { NATS_AUTH_SECRET } from '../../nats/publisher.ts';
import type { Platform } from '../../api/platform/settings.ts';
import type { OperatorDeps } from '../kit/deps.ts';
import type { Cached, StatusWriter } from '../kit/status-writer.ts';
import type { TradingServiceDecision } from './decide.ts';
import type { Dependencies, ParsedCache } from './gather.ts';
import type { TradingService } from '../../api/tradingservice/schema.ts';
import { natsFailed, natsUnconfirmed } from './failures.ts';
import type { NatsAuth } from './nats.ts';
import type { NatsUsers } from './nkey-rotation.ts';
import { issueUserJwt, vaultScope, writeNkey, type ServiceRef } from './vault.ts';
import { dropAccess, ensureAccess } from './vault-access.ts';
import type { VaultMemo } from './vault-memo.ts';
import type { JwtAuthority } from '../../nats/jwt/authority.ts';
import { newUserNkey } from '../../nats/nkey.ts';

/** Apply and finish of a TradingService reconcile: Vault, children, then NATS and status. */

/** The kinds a TradingService renders, and where each is served. */
export const CHILD_RESOURCES: Record<string, Resource> = {
  ServiceAccount: RESOURCES.serviceAccount,
  Service: RESOURCES.service,
  Deployment: RESOURCES.deployment,
  CiliumNetworkPolicy: RESOURCES.ciliumNetworkPolicy,
};

/** Dependencies missing: look again soon, beside the watches that re-trigger on changes. */
export const DEGRADED_REQUEUE_MS = 30_000;
/**
 * A reconcile waiting for nats-server's confirmation is queued again when a write that holds
 * its state settles; this is only the safety net. At 5 s it fired for every service of a
 * 1,000-service burst before the confirming write came: a wasted reconcile each.
 */
export const NATS_POLL_MS = 30_000;

export interface Context {
  deps: OperatorDeps;
  platform: Platform;
  children: Map<string, Informer<KubeObject>>;
  dependencies: (object: KubeObject) => Dependencies;
  status: StatusWriter;
  nats?: NatsAuth;
  /** With `nats.auth: jwt`: the keys that sign the services' user JWTs. */
  jwt?: JwtAuthority;
  /** Whether a namespace is isolated now: its services get no Vault access (docs/adr/0047). */
  isolated: (namespace: string) => boolean;
  /** What posture wrote to Vault itself, until the next resync (docs/adr/0067). */
  memo: VaultMemo;
  /** The TradingServices parsed, shared with the dependency reader and NATS. */
  parsed: ParsedCache<TradingService>;
}

export const refOf = (object: KubeObject): ServiceRef => ({
  namespace: object.metadata.namespace ?? '',
  name: object.metadata.name ?? '',
});

/** The service's live Deployment, from the cache. */
export function deploymentOf(ctx: Context, object: KubeObject): KubeObject | undefined {
  const { namespace, name } = object.metadata;
  return ctx.children.get('Deployment')?.store.get(`${namespace}/${name}`);
}

/** Children are independent objects: applied concurrently, each only when it differs. */
async function applyChildren(ctx: Context, objects: KubeObject[]): Promise<void> {
  const apply = async (desired: KubeObject) => {
    const kind = (desired as { kind?: string }).kind ?? '';
    const resource = CHILD_RESOURCES[kind];
    if (!resource)
      throw new Error(`TradingService renders ${kind}, which the operator cannot apply`);
    const { namespace, name } = desired.metadata;
    const live = ctx.children.get(kind)?.store.get(`${namespace}/${name}`);
    await applyIfChanged(ctx.deps.client, resource, desired, live);
  };
  await Promise.all(objects.map(apply));
}

/**
 * With `nats.auth: jwt`: each account that issued a JWT whose grant was withdrawn revokes it,
 * kept in the account's Vault entry before anything else happens, so a crash cannot lose it.
 * The accounts are pushed with the next NATS request (this reconcile's, which waits for it).
 */
export async function retireWithdrawn(
  ctx: Context,
  decision: TradingServiceDecision,
): Promise<void> {
  if (!ctx.jwt) return;
  for (const { account, publicKey, at } of decision.retire ?? [])
    await ctx.jwt.retire(account, [publicKey], at);
}

/**
 * With `nats.auth: jwt`: the creds, in the seed's entry (docs/adr/0071). A new key (the first,
 * or a rotation's) is written with its first JWT, one version; a JWT for the same key is the
 * entry's next version (decide names it in status). Fills in what the write decides.
 */
async function writeCreds(
  ctx: Context,
  object: Cached,
  decision: TradingServiceDecision,
  fields: TradingServiceDecision['fields'],
): Promise<void> {
  const jwt = decision.userJwt;
  const authority = ctx.jwt;
  if (!jwt?.write || !authority) return;
  const newKey = decision.nkey?.write;
  const nkey = newKey && newUserNkey();
  const write = newKey ? { ...jwt.write, cas: newKey.cas } : jwt.write;
  const previous = decision.nkey?.fields.previousNatsUser;
  const issued = await issueUserJwt({ ...vaultScope(ctx), authority }, refOf(object), write, {
    ...jwt,
    nkey,
    previous,
  });
  fields.natsJwtVersion = issued.version;
  fields.natsJwtRevokedBefore = issued.revokedBefore;
  if (nkey) {
    fields.natsUser = issued.publicKey;
    fields.nkeyVersion = issued.version;
  }
}

/**
 * Vault first (fail closed: no workload without its access; a new NKey seed before status or
 * any template names it), then the Kubernetes objects.
 */
export async function applyDecision(
  ctx: Context,
  object: Cached,
  decision: TradingServiceDecision,
): Promise<TradingServiceDecision['fields']> {
  const fields = { ...decision.fields };
  const scope = vaultScope(ctx);
  if (decision.userJwt?.write && ctx.jwt) await writeCreds(ctx, object, decision, fields);
  else if (decision.nkey?.write) {
    const nkey = await writeNkey(scope, refOf(object), decision.nkey.write.cas);
    fields.natsUser = nkey.publicKey;
    fields.nkeyVersion = nkey.version;
  }
  // Never reconciled (no status): nothing of it in Vault to compare with first.
  const unseen = (object as { status?: unknown }).status === undefined;
  if (decision.access) await ensureAccess(scope.vault, decision.access, { memo: ctx.memo, unseen });
  else await dropAccess(scope, refOf(object));
  await applyChildren(ctx, decision.objects);
  return fields;
}

/**
 * Ready only once nats-server confirmed a config with this service's users in it (during an NKey
 * rotation, both keys). The worker does not wait for the reload: it looks again shortly, so a
 * burst of changes shares few reloads.
 */
export async function finish(
  ctx: Context,
  object: Cached,
  decision: TradingServiceDecision,
  signal: AbortSignal,
): Promise<ReconcileResult | undefined> {
  const users = usersOf(decision);
  const nats = ctx.nats?.request({ key: keyOf(object), ...users }) ?? 'confirmed';
  if (nats === 'pending') return { requeueAfterMs: NATS_POLL_MS };
  if (nats instanceof Error) {
    await ctx.status.write(object, natsFailed(nats, decision), signal);
    throw nats;
  }
  await ctx.status.write(object, withNatsLoad(ctx, users.natsUser, decision), signal);
  // Rollouts and reloads re-trigger the reconcile; this is only the safety net.
  const rotating = decision.nkey !== undefined && decision.nkey.phase !== 'Stable';
  return decision.degraded || rotating ? { requeueAfterMs: DEGRADED_REQUEUE_MS } : undefined;
}

const keyOf = (object: KubeObject) => `${object.metadata.namespace}/${object.metadata.name}`;

/** The NATS users the decision wants in the config: its key, and the previous one if any. */
function usersOf(decision: TradingServiceDecision): NatsUsers {
  const { natsUser, previousNatsUser, natsJwtRevokedBefore } = decision.needsNkey
    ? decision.fields
    : {};
  if (!natsUser) return {};
  return {
    natsUser,
    ...(previousNatsUser && { previousNatsUser }),
    ...(natsJwtRevokedBefore !== undefined && { revokedBefore: natsJwtRevokedBefore }),
  };
}

/** The decision, or NatsNotConfirmed when nothing can show nats-server loaded the user. */
function withNatsLoad(
  ctx: Context,
  natsUser: string | undefined,
  decision: TradingServiceDecision,
): TradingServiceDecision {
  if (!natsUser || !ctx.nats || ctx.nats.confirmsLoad) return decision;
  return natsUnconfirmed(decision, `${ctx.platform.nats.namespace}/${NATS_AUTH_SECRET}`);
}

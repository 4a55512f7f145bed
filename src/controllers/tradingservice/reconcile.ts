import { HMAC_KEY_RING } from '../../api/hmackeyring/kind.ts';
import { type ReconcileRequest, type ReconcileResult } from '../../operator/controller.ts';
import { RESOURCES, type Resource } from '../../operator/kube/resources.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import type { OperatorDeps, Register } from '../kit/deps.ts';
import { rejectSpec } from '../kit/invalid-spec.ts';
import type { Cached } from '../kit/status-writer.ts';
import type { Platform } from '../../api/platform/settings.ts';
import { VaultRequestError, VaultUnavailableError } from '../../vault/errors.ts';
import {
  applyDecision,
  CHILD_RESOURCES,
  deploymentOf,
  finish,
  refOf,
  retireWithdrawn,
  type Context,
} from './apply.ts';
import {
  decideTradingService,
  type TradingServiceDecision,
  type TradingServiceSnapshot,
} from './decide.ts';
import { vaultDown, vaultRefused } from './failures.ts';
import {
  cachedOnly,
  childOwners,
  credentialConsumers,
  dependencyReader,
  parsedServices,
  keyRingMembers,
  namedPeers,
  servicesOfNamespace,
} from './gather.ts';
import { namespaceBaselineController } from './baseline.ts';
import { accountNamed, NatsAuth, statusUsers } from './nats.ts';
import { statusOnly } from '../kit/changes.ts';
import { childCache } from '../kit/children.ts';
import { namespaceIsolationController } from './isolation.ts';
import { isIsolated } from './isolation-state.ts';
import type { NatsPublisher } from '../../nats/publisher.ts';
import { versionedPaths } from './pins.ts';
import { tradingServiceStatus } from './status.ts';
import { observeUserJwt, observeVault } from './vault.ts';
import { memoKey, serviceKeys, VaultMemo } from './vault-memo.ts';
import { vaultRoleName } from '../../render/service/index.ts';
import { cleanUp, emptyDecision, finalizeLegacy } from './cleanup.ts';
import { SWEEP_KEY, sweepVault } from './sweep.ts';
import type { JwtAuthority } from '../../nats/jwt/authority.ts';
import { jwtMode } from './nats-jwt.ts';
import type { UserJwtObservation } from './user-jwt.ts';
import { EXCHANGE_CREDENTIAL } from '../../api/exchangecredential/kind.ts';
import { TRADING_SERVICE } from '../../api/tradingservice/kind.ts';

export { FINALIZER } from './status.ts';

/**
 * Vault refused a call (its answer will not change until someone changes a policy): look again
 * slowly, never in a hot loop.
 */
const VAULT_REFUSED_REQUEUE_MS = 300_000;

/**
 * Gather: the CRs it depends on and its Deployment (caches), the NKey and the current KV version
 * of each secret it reads (Vault, metadata only: read again at every reconcile and resync, since
 * Vault has no watch), and the users nats-server confirmed for it.
 */
async function gather(ctx: Context, object: Cached): Promise<TradingServiceSnapshot> {
  const dependencies = ctx.dependencies(object);
  // Never reconciled: no NKey or creds of its own yet (its writes check that; vault-memo.ts).
  if (object.status === undefined)
    ctx.memo.assumeAbsent(memoKey.nkey(refOf(object)), memoKey.creds(refOf(object)));
  const paths = versionedPaths(object, dependencies.credentials, ctx.platform);
  const vault = await observeVault(ctx.deps.vault, ctx.platform, refOf(object), {
    versioned: paths,
    memo: ctx.memo,
  });
  const deployment = deploymentOf(ctx, object);
  const { namespace, name } = refOf(object);
  const jwt: { userJwt?: UserJwtObservation | undefined; accountKey?: string } =
    ctx.jwt && vault.state === 'reachable' ? await observeJwt(ctx, ctx.jwt, object) : {};
  return {
    object,
    ...dependencies,
    platform: ctx.platform,
    vault: vault.state === 'reachable' && jwt.userJwt ? { ...vault, userJwt: jwt.userJwt } : vault,
    ...(deployment && { deployment }),
    natsLoaded: ctx.nats ? ctx.nats.loaded(`${namespace}/${name}`) : 'unmanaged',
    ...(jwt.accountKey && { natsAccountKey: jwt.accountKey }),
    parsed: ctx.parsed.exact(object),
  };
}

/** With `nats.auth: jwt`: the creds Vault holds and the account's key (created on first use). */
async function observeJwt(ctx: Context, jwt: JwtAuthority, object: KubeObject) {
  const [userJwt, account] = await Promise.all([
    ctx.memo.read(memoKey.creds(refOf(object)), () =>
      observeUserJwt(ctx.deps.vault, ctx.platform, refOf(object)),
    ),
    jwt.account(accountNamed(ctx.platform, object)),
  ]);
  return {
    userJwt: userJwt && (await withRetired(jwt, userJwt)),
    accountKey: account.identity.getPublicKey(),
  };
}

/** Whether the account that issued the creds' JWT has revoked it (its key retired since). */
async function withRetired(
  jwt: JwtAuthority,
  observed: UserJwtObservation,
): Promise<UserJwtObservation> {
  if (!observed.accountName) return observed;
  await jwt.account(observed.accountName);
  const at = jwt.retired(observed.accountName)?.[observed.publicKey];
  return at !== undefined && at >= observed.iat ? { ...observed, retired: true } : observed;
}

/** The decision, with no Vault access in an isolated namespace (docs/adr/0047). */
function withIsolation(
  ctx: Context,
  object: Cached,
  decision: TradingServiceDecision,
): TradingServiceDecision {
  return ctx.isolated(object.metadata.namespace ?? '')
    ? { ...decision, access: undefined }
    : decision;
}

async function reconcileLive(
  ctx: Context,
  object: Cached,
  signal: AbortSignal,
): Promise<ReconcileResult | undefined> {
  const snapshot = await gather(ctx, object);
  const { vault } = snapshot;
  const decision = withIsolation(ctx, object, decideTradingService(snapshot));
  if (decision.terminal)
    return rejectSpec(
      ctx.status,
      object,
      decision.conditions[0]?.message ?? 'invalid spec',
      signal,
    );
  if (vault.state === 'unavailable') {
    await ctx.status.write(object, decision, signal);
    throw new Error(`retrying while Vault is unavailable: ${vault.message}`);
  }
  await retireWithdrawn(ctx, decision);
  // Nothing to apply (no render model): NATS still drops its user before status says so.
  if (decision.objects.length === 0) return finish(ctx, object, decision, signal);
  let fields: TradingServiceDecision['fields'];
  try {
    fields = await applyDecision(ctx, object, decision);
  } catch (error) {
    if (error instanceof VaultUnavailableError)
      await ctx.status.write(object, vaultDown(error, decision), signal);
    throw error;
  }
  return finish(ctx, object, { ...decision, fields }, signal);
}

/**
 * The TradingService reconciler: gather (caches, the NKey and secret versions from Vault) →
 * decide (pure, shared render, NKey rotation, version pins) → apply (NKey seed, Vault policy and
 * role; children by server-side apply, only what differs) → NATS → status only when it changed.
 * A key the cache does not have (deleted, or found by the Vault sweep) has what it left in NATS
 * and Vault removed, level-based: no finalizer (docs/adr/0063).
 */
export function tradingServiceController(
  platform: Platform,
  options: {
    namespace?: string;
    nats?: (deps: OperatorDeps) => NatsPublisher;
    /** With `nats.auth: jwt`: the keys in Vault (the publisher then pushes accounts). */
    jwt?: (deps: OperatorDeps) => JwtAuthority;
  } = {},
): Register {
  return (deps) => {
    const scope = options.namespace ? { namespace: options.namespace } : {};
    const informer = (resource: Resource, cache: Partial<ReturnType<typeof childCache>> = {}) =>
      deps.manager.informer<KubeObject>({ resource, ...scope, ...cache });
    const services = informer(TRADING_SERVICE);
    const credentials = informer(EXCHANGE_CREDENTIAL);
    const keyRings = informer(HMAC_KEY_RING);
    const children = new Map(
      Object.entries(CHILD_RESOURCES).map(([kind, r]) => [kind, informer(r, childCache(kind))]),
    );
    const namespaces = deps.manager.informer<KubeObject>({ resource: RESOURCES.namespace });
    const isolated = (ns: string) => isIsolated(namespaces.store.get(ns));
    const jwt = options.jwt?.(deps);
    const mode =
      jwt &&
      jwtMode(
        (name) => jwt.retired(name),
        () => jwt.changes,
      );
    // Each service parsed once for the render's dependencies and the NATS users (a copy each
    // was 2 KB per service).
    const parsed = parsedServices();
    const memo = new VaultMemo();
    const ctx: Context = {
      deps,
      platform,
      memo,
      parsed,
      isolated,
      children,
      dependencies: dependencyReader({ services, credentials, keyRings }, parsed),
      status: tradingServiceStatus(deps, (o) =>
        children.get('Deployment')?.store.get(`${o.metadata.namespace}/${o.metadata.name}`),
      ),
      ...(options.nats && {
        nats: new NatsAuth(platform, services, options.nats(deps), { isolated, mode, parsed }),
      }),
      ...(jwt && { jwt }),
    };
    const sweep = async () => {
      const cached = new Set(services.store.keys());
      const orphans = await sweepVault(deps.vault, platform, cached, {
        namespace: options.namespace,
        ownRole: deps.config.vault.role,
      });
      if (orphans.length > 0)
        deps.log.info(
          { services: orphans.length },
          'vault sweep: removing what deleted services left',
        );
      orphans.forEach((key) => controller.enqueue(key));
      return undefined;
    };
    const reconcile = async ({
      key,
      namespace = '',
      name,
      object,
      signal,
    }: ReconcileRequest<Cached>) => {
      if (key === SWEEP_KEY) return sweep();
      if (!object) return cleanUp(ctx, { namespace, name });
      try {
        if (object.metadata.deletionTimestamp) return await finalizeLegacy(ctx, object, signal);
        return await reconcileLive(ctx, object, signal);
      } catch (error) {
        if (!(error instanceof VaultRequestError)) throw error;
        await ctx.status.write(object, vaultRefused(error, emptyDecision), signal);
        deps.log.warn({ key, err: error }, 'vault refused a call');
        return { requeueAfterMs: VAULT_REFUSED_REQUEUE_MS };
      }
    };
    /** An NKey rotation in progress: it waits for the Deployment's rollout. */
    const rotating = (key: string) => {
      const object = services.store.get(key);
      return object !== undefined && statusUsers(object).previousNatsUser !== undefined;
    };
    // A change of the service itself is read against Vault whole (docs/adr/0067).
    services.onChange((change) => {
      if (statusOnly(change)) return;
      const ref = refOf(change.object);
      memo.forget(...serviceKeys(ref, vaultRoleName(ref)));
    });
    const controller = deps.manager.controller<Cached>({
      kind: 'TradingService',
      informer: services,
      // Its own status writes change nothing it reads.
      skip: statusOnly,
      resyncKeys: [SWEEP_KEY],
      // Every resync reads Vault again, as every reconcile did before the memo.
      onResync: () => memo.clear(),
      watches: [
        ...[...children].map(([kind, i]) => ({ informer: i, map: childOwners(kind, rotating) })),
        { informer: credentials, map: credentialConsumers },
        { informer: keyRings, map: keyRingMembers },
        { informer: services, map: namedPeers },
        { informer: namespaces, map: servicesOfNamespace(services) },
      ].map(({ informer, map }) => ({ informer, map: cachedOnly(services, map) })),
      reconcile,
    });
    ctx.nats?.onSettled((key) => controller.enqueue(key));
    const policies = children.get('CiliumNetworkPolicy');
    if (!policies) return;
    namespaceBaselineController(deps, { services, policies });
    namespaceIsolationController(deps, {
      platform,
      caches: { services, policies, namespaces },
      nats: ctx.nats,
      wake: (key) => controller.enqueue(key),
      memo,
      scope: options.namespace,
    });
  };
}

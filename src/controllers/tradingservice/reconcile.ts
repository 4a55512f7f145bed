import { HMAC_KEY_RING } from '../../api/hmackeyring/kind.ts';
import {
  ownerKeys,
  type ReconcileRequest,
  type ReconcileResult,
} from '../../operator/controller.ts';
import type { Informer } from '../../operator/informer/informer.ts';
import { applyIfChanged } from '../../operator/kube/apply.ts';
import { RESOURCES, type Resource } from '../../operator/kube/resources.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import type { OperatorDeps, Register } from '../kit/deps.ts';
import { rejectSpec } from '../kit/invalid-spec.ts';
import type { Cached, StatusWriter } from '../kit/status-writer.ts';
import type { Platform } from '../../render/platform.ts';
import { VaultRequestError, VaultUnavailableError } from '../../vault/errors.ts';
import {
  decideTradingService,
  type TradingServiceDecision,
  type VaultObservation,
} from './decide.ts';
import { natsFailed, natsUnconfirmed, vaultDown, vaultRefused } from './failures.ts';
import {
  credentialConsumers,
  dependencyReader,
  keyRingMembers,
  namedPeers,
  servicesOfNamespace,
  type Dependencies,
} from './gather.ts';
import { namespaceBaselineController } from './baseline.ts';
import { NatsAuth } from './nats.ts';
import { namespaceIsolationController } from './isolation.ts';
import { isIsolated } from './isolation-state.ts';
import { NATS_AUTH_SECRET, type NatsPublisher } from '../../nats/publisher.ts';
import { hasFinalizer, setFinalizer, tradingServiceStatus } from './status.ts';
import {
  createNkey,
  dropAccess,
  ensureAccess,
  observeVault,
  removeAccess,
  type ServiceRef,
} from './vault.ts';
import { EXCHANGE_CREDENTIAL } from '../../api/exchangecredential/kind.ts';
import { TRADING_SERVICE } from '../../api/tradingservice/kind.ts';

export { FINALIZER } from './status.ts';

/** The kinds a TradingService renders, and where each is served. */
const CHILD_RESOURCES: Record<string, Resource> = {
  ServiceAccount: RESOURCES.serviceAccount,
  Service: RESOURCES.service,
  Deployment: RESOURCES.deployment,
  CiliumNetworkPolicy: RESOURCES.ciliumNetworkPolicy,
};

/**
 * Vault refused a call (its answer will not change until someone changes a policy): look again
 * slowly, never in a hot loop.
 */
const VAULT_REFUSED_REQUEUE_MS = 300_000;
/** Dependencies missing: look again soon, beside the watches that re-trigger on changes. */
const DEGRADED_REQUEUE_MS = 30_000;
/**
 * A reconcile waiting for nats-server's confirmation is queued again when the write settles;
 * this is only the safety net.
 */
const NATS_POLL_MS = 5_000;

interface Context {
  deps: OperatorDeps;
  platform: Platform;
  children: Map<string, Informer<KubeObject>>;
  dependencies: (object: KubeObject) => Dependencies;
  status: StatusWriter;
  nats?: NatsAuth;
  isolated: (namespace: string) => boolean;
}

const refOf = (object: KubeObject): ServiceRef => ({
  namespace: object.metadata.namespace ?? '',
  name: object.metadata.name ?? '',
});

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

/** Vault first (fail closed: no workload without its access), then the Kubernetes objects. */
async function applyDecision(
  ctx: Context,
  object: Cached,
  decision: TradingServiceDecision,
): Promise<TradingServiceDecision['fields']> {
  const fields = { ...decision.fields };
  const { vault } = ctx.deps;
  if (decision.needsNkey && !fields.natsUser)
    fields.natsUser = await createNkey(vault, ctx.platform, refOf(object));
  if (decision.access) await ensureAccess(vault, decision.access);
  else await dropAccess(vault, ctx.platform, refOf(object));
  await applyChildren(ctx, decision.objects);
  return fields;
}

async function finalize(
  ctx: Context,
  object: Cached,
  signal: AbortSignal,
): Promise<ReconcileResult | undefined> {
  if (!hasFinalizer(object)) return undefined;
  const ref = refOf(object);
  // The NATS user goes first: nats-server must stop accepting it before its trace is gone.
  const nats = ctx.nats?.request({ key: `${ref.namespace}/${ref.name}` }) ?? 'confirmed';
  if (nats === 'pending') return { requeueAfterMs: NATS_POLL_MS };
  if (nats instanceof Error) throw nats;
  try {
    await removeAccess(ctx.deps.vault, ctx.platform, refOf(object));
  } catch (error) {
    if (error instanceof VaultUnavailableError)
      await ctx.status.write(
        object,
        vaultDown(error, { ...emptyDecision, conditions: [] }),
        signal,
      );
    throw error;
  }
  await setFinalizer(ctx.deps.client, object, false, signal);
  return undefined;
}

const emptyDecision: TradingServiceDecision = {
  terminal: false,
  objects: [],
  needsNkey: false,
  conditions: [],
  fields: {},
};

/** The decision, with no Vault access in an isolated namespace (docs/adr/0047). */
function decide(ctx: Context, object: Cached, vault: VaultObservation): TradingServiceDecision {
  const decision = decideTradingService({
    object,
    ...ctx.dependencies(object),
    platform: ctx.platform,
    vault,
  });
  return ctx.isolated(object.metadata.namespace ?? '')
    ? { ...decision, access: undefined }
    : decision;
}

async function reconcileLive(
  ctx: Context,
  object: Cached,
  signal: AbortSignal,
): Promise<ReconcileResult | undefined> {
  if (!hasFinalizer(object)) await setFinalizer(ctx.deps.client, object, true, signal);
  const vault = await observeVault(ctx.deps.vault, ctx.platform, refOf(object));
  const decision = decide(ctx, object, vault);
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
  if (decision.objects.length === 0) {
    await ctx.status.write(object, decision, signal);
    return { requeueAfterMs: DEGRADED_REQUEUE_MS };
  }
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
 * Ready only once nats-server confirmed a config with this service's user in it. The worker does
 * not wait for the reload: it looks again shortly, so a burst of changes shares few reloads.
 */
async function finish(
  ctx: Context,
  object: Cached,
  decision: TradingServiceDecision,
  signal: AbortSignal,
): Promise<ReconcileResult | undefined> {
  const { namespace, name } = refOf(object);
  const natsUser = decision.needsNkey ? decision.fields.natsUser : undefined;
  const nats =
    ctx.nats?.request({ key: `${namespace}/${name}`, ...(natsUser && { natsUser }) }) ??
    'confirmed';
  if (nats === 'pending') return { requeueAfterMs: NATS_POLL_MS };
  if (nats instanceof Error) {
    await ctx.status.write(object, natsFailed(nats, decision), signal);
    throw nats;
  }
  await ctx.status.write(object, withNatsLoad(ctx, natsUser, decision), signal);
  return decision.degraded ? { requeueAfterMs: DEGRADED_REQUEUE_MS } : undefined;
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

/**
 * The TradingService reconciler: gather (caches, the NKey's public key from Vault) → decide
 * (pure, shared render) → apply (Vault policy, role and NKey; children by server-side apply,
 * only what differs) → status only when it changed. The finalizer removes what lives in Vault.
 */
export function tradingServiceController(
  platform: Platform,
  options: { namespace?: string; nats?: (deps: OperatorDeps) => NatsPublisher } = {},
): Register {
  return (deps) => {
    const scope = options.namespace ? { namespace: options.namespace } : {};
    const informer = (resource: Resource, labelSelector?: string) =>
      deps.manager.informer<KubeObject>({
        resource,
        ...scope,
        ...(labelSelector && { labelSelector }),
      });
    const services = informer(TRADING_SERVICE);
    const credentials = informer(EXCHANGE_CREDENTIAL);
    const keyRings = informer(HMAC_KEY_RING);
    const children = new Map(
      Object.entries(CHILD_RESOURCES).map(([kind, r]) => [
        kind,
        informer(r, 'app.kubernetes.io/managed-by=posture'),
      ]),
    );
    const namespaces = deps.manager.informer<KubeObject>({ resource: RESOURCES.namespace });
    const isolated = (ns: string) => isIsolated(namespaces.store.get(ns));
    const ctx: Context = {
      deps,
      platform,
      isolated,
      children,
      dependencies: dependencyReader({ services, credentials, keyRings }),
      status: tradingServiceStatus(deps, (o) =>
        children.get('Deployment')?.store.get(`${o.metadata.namespace}/${o.metadata.name}`),
      ),
      ...(options.nats && {
        nats: new NatsAuth(platform, services, options.nats(deps), isolated),
      }),
    };
    const reconcile = async ({ key, object, signal }: ReconcileRequest<Cached>) => {
      if (!object) {
        ctx.nats?.forget(key);
        return undefined;
      }
      try {
        if (object.metadata.deletionTimestamp) return await finalize(ctx, object, signal);
        return await reconcileLive(ctx, object, signal);
      } catch (error) {
        if (!(error instanceof VaultRequestError)) throw error;
        await ctx.status.write(object, vaultRefused(error, emptyDecision), signal);
        deps.log.warn({ key, err: error }, 'vault refused a call');
        return { requeueAfterMs: VAULT_REFUSED_REQUEUE_MS };
      }
    };
    const controller = deps.manager.controller<Cached>({
      kind: 'TradingService',
      informer: services,
      watches: [
        ...[...children.values()].map((i) => ({ informer: i, map: ownerKeys('TradingService') })),
        { informer: credentials, map: credentialConsumers },
        { informer: keyRings, map: keyRingMembers },
        { informer: services, map: namedPeers },
        { informer: namespaces, map: servicesOfNamespace(services) },
      ],
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
      scope: options.namespace,
    });
  };
}

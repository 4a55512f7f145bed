import type { ReconcileRequest, ReconcileResult } from '../../operator/controller.ts';
import type { Informer } from '../../operator/informer/informer.ts';
import type { Change } from '../../operator/informer/store.ts';
import { applyIfChanged } from '../../operator/kube/apply.ts';
import { isNotFound } from '../../operator/kube/errors.ts';
import { EventRecorder } from '../../operator/kube/events.ts';
import { RESOURCES } from '../../operator/kube/resources.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { QUARANTINE, quarantinePart } from '../../render/namespace.ts';
import { partManifest } from '../../render/objects.ts';
import type { Platform } from '../../api/platform/settings.ts';
import type { OperatorDeps } from '../kit/deps.ts';
import { registerGauge, registerHistogram } from '../kit/metrics.ts';
import {
  ISOLATION_ACTOR,
  ISOLATION_REASON,
  ISOLATION_STATUS,
  isolationStatus,
  wantsIsolation,
  type IsolationStatus,
} from './isolation-state.ts';
import type { NatsAuth } from './nats.ts';
import { revokeNamespaceTokens } from './tokens.ts';
import { statusOnly } from '../kit/changes.ts';
import { deleteAccess } from './vault-access.ts';
import { vaultScope } from './vault.ts';
import type { VaultMemo } from './vault-memo.ts';

/**
 * Namespace isolation (incident playbook steps 1 and 2, docs/adr/0047): the label
 * `posture.dev/isolation=isolated` cuts a namespace off, in order: the quarantine policy (deny
 * all, which wins over every allow in Cilium), its services' Vault roles and policies (no new
 * login), every Vault token its ServiceAccounts hold, and its NATS users (left out of the config,
 * reload confirmed). Removing the label (or `released`) restores in reverse and restarts the
 * workloads so they log in afresh. Progress is written to the Namespace after every step; a step
 * that fails is retried and reported, and the namespace stays isolated meanwhile (fail closed:
 * TradingServices there get access back only when the release is complete).
 */

export interface IsolationCaches {
  services: Informer<KubeObject>;
  policies: Informer<KubeObject>;
  namespaces: Informer<KubeObject>;
}

interface Context {
  deps: OperatorDeps;
  platform: Platform;
  caches: IsolationCaches;
  nats?: NatsAuth | undefined;
  events: EventRecorder;
  isolated: ReturnType<typeof registerGauge<never>>;
  seconds: ReturnType<typeof registerHistogram<never>>;
  /** The TradingServices of a namespace are reconciled again (access back after a release). */
  wake: (key: string) => void;
  /** The TradingService controller's memo of its Vault writes: the deletes here update it. */
  memo: VaultMemo;
}

/** While nats-server has not confirmed, look again shortly (a settled write also wakes it). */
const NATS_POLL_MS = 250;

const servicesIn = (ctx: Context, namespace: string) =>
  ctx.caches.services.store.inNamespace(namespace);

async function writeStatus(ctx: Context, namespace: string, status: IsolationStatus) {
  await ctx.deps.client.patch(RESOURCES.namespace, {
    name: namespace,
    type: 'merge',
    patch: { metadata: { annotations: { [ISOLATION_STATUS]: JSON.stringify(status) } } },
  });
}

/** What a step reports: done (with a detail for the status), or waiting for nats-server. */
type Outcome = { detail?: string } | 'pending';
type Step = { name: string; run: () => Promise<Outcome> };
const done = (detail?: string): Outcome => (detail ? { detail } : {});

/** Runs the steps not done yet in this isolation/release, writing progress after each. */
async function runSteps(
  ctx: Context,
  namespace: string,
  status: IsolationStatus,
  steps: readonly Step[],
): Promise<'done' | 'pending'> {
  const started = Date.parse(status.since);
  for (const step of steps) {
    if (status.steps.some((s) => s.step === step.name)) continue;
    const outcome = await step.run();
    if (outcome === 'pending') return 'pending';
    status.steps.push({ step: step.name, atMs: Date.now() - started, ...outcome });
    await writeStatus(ctx, namespace, status);
  }
  return 'done';
}

function isolationSteps(ctx: Context, namespace: string): Step[] {
  const { vault } = ctx.deps;
  return [
    {
      name: 'quarantine',
      run: async () => {
        const desired = partManifest(quarantinePart(namespace)) as unknown as KubeObject;
        const live = ctx.caches.policies.store.get(`${namespace}/${QUARANTINE}`);
        await applyIfChanged(ctx.deps.client, RESOURCES.ciliumNetworkPolicy, desired, live);
        return done('all ingress and egress denied');
      },
    },
    {
      name: 'vault-logins',
      run: async () => {
        const services = servicesIn(ctx, namespace);
        for (const s of services)
          await deleteAccess(vaultScope(ctx), { namespace, name: s.metadata.name ?? '' });
        return done(`${services.length} roles removed`);
      },
    },
    {
      name: 'vault-tokens',
      run: async () => {
        const revoked = await revokeNamespaceTokens(vault, namespace, ctx.deps.config.vault.role);
        return done(`${revoked} tokens revoked`);
      },
    },
    {
      name: 'nats',
      run: () => Promise.resolve(natsStep(ctx, namespace, true)),
    },
  ];
}

function natsStep(ctx: Context, namespace: string, isolated: boolean): Outcome {
  const state = ctx.nats?.requestNamespace(namespace, isolated) ?? 'confirmed';
  if (state === 'pending') return 'pending';
  if (state instanceof Error) throw state;
  if (!ctx.nats) return done('no NATS publisher configured');
  return done(isolated ? 'users disabled, reload confirmed' : 'users back, reload confirmed');
}

function releaseSteps(ctx: Context, namespace: string, status: IsolationStatus): Step[] {
  return [
    {
      name: 'quarantine-removed',
      run: async () => {
        try {
          await ctx.deps.client.delete(RESOURCES.ciliumNetworkPolicy, {
            name: QUARANTINE,
            namespace,
          });
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
        return done();
      },
    },
    {
      // Lifts the fail-closed gate: services get their Vault role and NATS user again.
      name: 'access-restored',
      run: async () => {
        status.state = 'released';
        await writeStatus(ctx, namespace, status);
        for (const s of servicesIn(ctx, namespace)) ctx.wake(`${namespace}/${s.metadata.name}`);
        return done();
      },
    },
    { name: 'nats', run: () => Promise.resolve(natsStep(ctx, namespace, false)) },
    {
      name: 'restarted',
      run: async () => {
        const at = new Date().toISOString();
        const services = servicesIn(ctx, namespace);
        for (const s of services) await restart(ctx, namespace, s.metadata.name ?? '', at);
        return done(`${services.length} Deployments restarted`);
      },
    },
  ];
}

/** A rollout, so every pod logs in to Vault and NATS afresh (like kubectl rollout restart). */
async function restart(ctx: Context, namespace: string, name: string, at: string) {
  try {
    await ctx.deps.client.patch(RESOURCES.deployment, {
      name,
      namespace,
      type: 'merge',
      patch: {
        spec: { template: { metadata: { annotations: { 'posture.dev/restarted-at': at } } } },
      },
    });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

function fresh(object: KubeObject, state: IsolationStatus['state']): IsolationStatus {
  const annotations = object.metadata.annotations ?? {};
  return {
    state,
    since: new Date().toISOString(),
    ...(annotations[ISOLATION_ACTOR] && { actor: annotations[ISOLATION_ACTOR] }),
    ...(annotations[ISOLATION_REASON] && { reason: annotations[ISOLATION_REASON] }),
    steps: [],
  };
}

async function note(ctx: Context, object: KubeObject, reason: string, message: string) {
  try {
    await ctx.events.record(
      { resource: RESOURCES.namespace, object },
      { type: 'Warning', reason, message, action: 'Isolate' },
    );
  } catch (error) {
    ctx.deps.log.warn({ err: error, namespace: object.metadata.name }, 'event not recorded');
  }
}

function countIsolated(ctx: Context): void {
  ctx.isolated.set(ctx.caches.namespaces.store.list().filter(wantsIsolation).length);
}

async function isolate(ctx: Context, object: KubeObject): Promise<ReconcileResult | undefined> {
  const namespace = object.metadata.name ?? '';
  const current = isolationStatus(object);
  if (current?.state === 'isolated') return undefined;
  const status = current?.state === 'isolating' ? current : fresh(object, 'isolating');
  if (!current || current.state !== 'isolating') {
    await writeStatus(ctx, namespace, status);
    await note(
      ctx,
      object,
      'Isolating',
      `isolation started${status.reason ? `: ${status.reason}` : ''}`,
    );
  }
  if ((await runSteps(ctx, namespace, status, isolationSteps(ctx, namespace))) === 'pending')
    return { requeueAfterMs: NATS_POLL_MS };
  await writeStatus(ctx, namespace, { ...status, state: 'isolated' });
  ctx.seconds.observe((Date.now() - Date.parse(status.since)) / 1000);
  await note(ctx, object, 'Isolated', `isolated in ${Date.now() - Date.parse(status.since)} ms`);
  return undefined;
}

/** Nothing to release: never isolated, or released and restarted already. */
function releaseDone(object: KubeObject, current: IsolationStatus | undefined): boolean {
  if (object.metadata.annotations?.[ISOLATION_STATUS] === undefined) return true;
  return current?.state === 'released' && current.steps.some((s) => s.step === 'restarted');
}

async function release(ctx: Context, object: KubeObject): Promise<ReconcileResult | undefined> {
  const namespace = object.metadata.name ?? '';
  const current = isolationStatus(object);
  if (releaseDone(object, current)) return undefined;
  const resumable = current?.state === 'releasing' || current?.state === 'released';
  const status = resumable && current ? current : fresh(object, 'releasing');
  if (status !== current) await writeStatus(ctx, namespace, status);
  if ((await runSteps(ctx, namespace, status, releaseSteps(ctx, namespace, status))) === 'pending')
    return { requeueAfterMs: NATS_POLL_MS };
  await writeStatus(ctx, namespace, { ...status, state: 'released' });
  await note(ctx, object, 'Released', `released in ${Date.now() - Date.parse(status.since)} ms`);
  return undefined;
}

/**
 * A TradingService appearing in an isolated namespace re-checks the namespace (fail closed): so
 * does one in a namespace with an isolation or release on record, or one not cached yet. A
 * namespace never isolated has nothing to check, and a burst of new services queued it once
 * each (1,045 reconciles for 1,000 services in 10 namespaces).
 */
export const namespaceOfService =
  (namespaces: Pick<Informer<KubeObject>, 'store'>) =>
  (change: Change<KubeObject>): string[] => {
    const namespace = change.object.metadata.namespace;
    if (statusOnly(change) || !namespace) return [];
    const object = namespaces.store.get(namespace);
    const onRecord = object?.metadata.annotations?.[ISOLATION_STATUS] !== undefined;
    return object === undefined || wantsIsolation(object) || onRecord ? [namespace] : [];
  };

export function namespaceIsolationController(
  deps: OperatorDeps,
  options: {
    platform: Platform;
    caches: IsolationCaches;
    nats?: NatsAuth | undefined;
    wake: (key: string) => void;
    memo: VaultMemo;
    /** The one namespace this operator watches, if it watches one: others are not its own. */
    scope?: string | undefined;
  },
): void {
  const ctx: Context = {
    deps,
    ...options,
    events: new EventRecorder(deps.client, Date.now),
    isolated: registerGauge(deps.metrics.registry, {
      name: 'posture_isolated_namespaces',
      help: 'Namespaces labelled posture.dev/isolation=isolated.',
    }),
    seconds: registerHistogram(deps.metrics.registry, {
      name: 'posture_isolation_seconds',
      help: 'Time from the start of an isolation to its last step done (Vault tokens revoked, NATS reload confirmed).',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    }),
  };
  const reconcile = async ({ object }: ReconcileRequest<KubeObject>) => {
    countIsolated(ctx);
    if (!object || object.metadata.deletionTimestamp) return undefined;
    if (options.scope !== undefined && object.metadata.name !== options.scope) return undefined;
    return wantsIsolation(object) ? isolate(ctx, object) : release(ctx, object);
  };
  deps.manager.controller<KubeObject>({
    kind: 'NamespaceIsolation',
    informer: options.caches.namespaces,
    watches: [
      { informer: options.caches.services, map: namespaceOfService(options.caches.namespaces) },
    ],
    reconcile,
  });
}

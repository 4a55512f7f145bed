import { randomBytes } from 'node:crypto';
import { HMAC_KEY_RING } from '../../api/hmackeyring/kind.ts';
import { HmacKeyRingSchema, ROTATE_ANNOTATION } from '../../api/hmackeyring/schema.ts';
import type { ReconcileRequest, ReconcileResult } from '../../operator/controller.ts';
import type { Informer } from '../../operator/informer/informer.ts';
import { EventRecorder } from '../../operator/kube/events.ts';
import { RESOURCES } from '../../operator/kube/resources.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import type { Platform } from '../../api/platform/settings.ts';
import { pathRefusal } from '../../render/tenancy.ts';
import type { OperatorDeps, Register } from '../kit/deps.ts';
import { parseObject, rejectSpec } from '../kit/invalid-spec.ts';
import { registerGauge } from '../kit/metrics.ts';
import { StatusWriter, type Cached } from '../kit/status-writer.ts';
import { decideHmacKeyRing, type RingDecision, type RingFields } from './decide.ts';
import { ringEvents } from './events.ts';
import { memberRollouts, readRing, ringsOfDeployment } from './gather.ts';
import { kvFields } from './ring-data.ts';
import { childCache } from '../kit/children.ts';

/** Every status field this controller owns: one the decision leaves out is removed. */
const RING_FIELDS: readonly (keyof RingFields)[] = [
  'phase',
  'keyId',
  'secondaryKeyId',
  'listenerVersion',
  'signerVersion',
  'lastRotationTime',
  'nextRotationTime',
  'graceEndTime',
  'rotationRequest',
];

function statusFields(decision: RingDecision): Record<string, unknown> {
  const cleared = Object.fromEntries(RING_FIELDS.map((field) => [field, undefined]));
  return { ...cleared, ...decision.fields };
}

const newKey = () => randomBytes(32).toString('base64');

interface Context {
  deps: OperatorDeps;
  platform: Platform;
  deployments: Informer<KubeObject>;
  status: StatusWriter;
  keyAge: ReturnType<typeof registerGauge<'namespace' | 'name'>>;
}

async function reconcileRing(
  ctx: Context,
  object: Cached,
  signal: AbortSignal,
): Promise<ReconcileResult | undefined> {
  const parsed = parseObject(HmacKeyRingSchema, object);
  if (!parsed.ok) return rejectSpec(ctx.status, object, parsed.message, signal);
  const ring = parsed.value;
  const { namespace = '', name } = ring.metadata;
  const forbidden = pathRefusal(ctx.platform, namespace, ring.spec.vaultPath, 'owned');
  const vault = forbidden
    ? ({ state: 'missing' } as const)
    : await readRing(ctx.deps.vault, ring.spec.vaultPath);
  const rotateRequest = object.metadata.annotations?.[ROTATE_ANNOTATION];
  const decision = decideHmacKeyRing({
    ring,
    vault,
    ...memberRollouts(ring, ctx.deployments),
    ...(forbidden && { forbidden }),
    ...(rotateRequest !== undefined && { rotateRequest }),
    now: new Date(),
    freshKey: newKey(),
  });
  // Vault first: status never names a version that does not exist. A conflict (someone wrote
  // since the read) fails the write; the retry reads again.
  if (decision.write)
    await ctx.deps.vault.kvWrite(
      ring.spec.vaultPath,
      kvFields(decision.write.data),
      decision.write.cas,
    );
  await ctx.status.write(
    object,
    { conditions: decision.conditions, fields: statusFields(decision) },
    signal,
  );
  if (decision.keyAgeSeconds !== undefined)
    ctx.keyAge.set({ namespace, name }, decision.keyAgeSeconds);
  if (vault.state === 'unavailable')
    throw new Error(`retrying while Vault is unavailable: ${vault.message}`);
  return { requeueAfterMs: decision.requeueAfterMs };
}

/**
 * The HmacKeyRing controller: gather (the ring in Vault, members' Deployments from the cache) →
 * decide (the pure rotation state machine) → Vault write, then status. Members' pod templates
 * follow status.listenerVersion / signerVersion through the TradingService controller.
 */
export function hmacKeyRingController(
  platform: Platform,
  options: { namespace?: string } = {},
): Register {
  return (deps) => {
    const scope = options.namespace ? { namespace: options.namespace } : {};
    const rings = deps.manager.informer<Cached>({ resource: HMAC_KEY_RING, ...scope });
    const deployments = deps.manager.informer<KubeObject>({
      resource: RESOURCES.deployment,
      ...scope,
      ...childCache('Deployment'),
    });
    const ctx: Context = {
      deps,
      platform,
      deployments,
      status: new StatusWriter({
        client: deps.client,
        events: new EventRecorder(deps.client, Date.now),
        log: deps.log,
        resource: HMAC_KEY_RING,
        now: () => new Date(),
        announce: ringEvents,
      }),
      keyAge: registerGauge(deps.metrics.registry, {
        name: 'posture_hmac_key_age_seconds',
        help: 'Age of the primary HMAC key of each HmacKeyRing (since its rotation started).',
        labelNames: ['namespace', 'name'],
      }),
    };
    const reconcile = async ({ object, signal }: ReconcileRequest<Cached>) => {
      if (!object || object.metadata.deletionTimestamp) return undefined;
      return reconcileRing(ctx, object, signal);
    };
    deps.manager.controller<Cached>({
      kind: 'HmacKeyRing',
      informer: rings,
      watches: [{ informer: deployments, map: ringsOfDeployment(rings) }],
      reconcile,
    });
  };
}

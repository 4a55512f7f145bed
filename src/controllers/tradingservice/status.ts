import { TRADING_SERVICE } from '../../api/tradingservice/kind.ts';
import type { KubeClient } from '../../operator/kube/client.ts';
import { EventRecorder, type EventNote } from '../../operator/kube/events.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import type { OperatorDeps } from '../kit/deps.ts';
import { TradingServiceConditionType } from '../../api/tradingservice/schema.ts';
import { ConditionType, findCondition } from '../kit/conditions.ts';
import { readyFlips, StatusWriter, type Announce } from '../kit/status-writer.ts';
import { TradingServiceReason } from './reasons.ts';

/** Held on every TradingService until its Vault policy, role and NKey are gone. */
export const FINALIZER = 'posture.dev/cleanup';

export function hasFinalizer(object: KubeObject): boolean {
  return object.metadata.finalizers?.includes(FINALIZER) ?? false;
}

/**
 * Adds or removes the finalizer with a merge patch carrying the resourceVersion: a concurrent
 * change makes it fail with a conflict (retried) instead of dropping someone else's finalizer.
 */
export async function setFinalizer(
  client: Pick<KubeClient, 'patch'>,
  object: KubeObject,
  present: boolean,
  signal: AbortSignal,
): Promise<void> {
  const others = (object.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
  const { name = '', namespace, resourceVersion } = object.metadata;
  await client.patch(TRADING_SERVICE, {
    name,
    ...(namespace && { namespace }),
    type: 'merge',
    patch: { metadata: { resourceVersion, finalizers: present ? [...others, FINALIZER] : others } },
    signal,
  });
}

/** Reads the live Deployment of a service (the informer cache), undefined when there is none. */
export type DeploymentOf = (object: KubeObject) => KubeObject | undefined;

/**
 * Pods of the service's Deployment that are ready (the AVAILABLE printer column); 0 without a
 * Deployment. Read at each status write: a Deployment change re-triggers the reconcile.
 */
export function readyReplicasOf(deployment: KubeObject | undefined): number {
  const ready = (deployment as { status?: { readyReplicas?: unknown } } | undefined)?.status
    ?.readyReplicas;
  return typeof ready === 'number' ? ready : 0;
}

/**
 * The kit's status writer for TradingServices: readyReplicas is read from the Deployment at
 * every write, and an Event records each Ready flip.
 */
export function tradingServiceStatus(deps: OperatorDeps, deployment: DeploymentOf): StatusWriter {
  return new StatusWriter({
    client: deps.client,
    events: new EventRecorder(deps.client, Date.now),
    log: deps.log,
    resource: TRADING_SERVICE,
    now: () => new Date(),
    announce: serviceEvents,
    observed: (object) => ({ readyReplicas: readyReplicasOf(deployment(object)) }),
  });
}

/**
 * A new service's first Ready False for NatsNotConfirmed is the operator's configuration (no
 * --nats-monitor-url), the same for every service, not news about this one: no Event for it.
 */
function firstUnconfirmed(
  before: Parameters<Announce>[0],
  after: Parameters<Announce>[1],
): boolean {
  const now = findCondition(after, ConditionType.Ready);
  const first = !findCondition(before, ConditionType.Ready);
  return first && now?.reason === TradingServiceReason.NatsNotConfirmed;
}

/**
 * Pure: an Event when Ready flips (not for a new service's first Ready, see `readyFlips` and
 * `firstUnconfirmed`), and one for each step of an NKey rotation (NkeyRotating's reason
 * changes), a Warning when its rollout failed.
 */
export const serviceEvents: Announce = (before, after) => {
  const notes = firstUnconfirmed(before, after) ? [] : readyFlips(before, after);
  const type = TradingServiceConditionType.NkeyRotating;
  const was = findCondition(before, type);
  const now = findCondition(after, type);
  if (!now || !was || now.reason === was.reason) return notes;
  const failed = now.reason === TradingServiceReason.NkeyRolloutFailed;
  const note: EventNote = {
    type: failed ? 'Warning' : 'Normal',
    reason: now.reason,
    message: now.message,
    action: 'RotateNkey',
  };
  return [...notes, note];
};

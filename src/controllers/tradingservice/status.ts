import { TRADING_SERVICE } from '../../api/tradingservice/kind.ts';
import type { KubeClient } from '../../operator/kube/client.ts';
import type { EventRecorder } from '../../operator/kube/events.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import type { OperatorDeps } from '../kit/deps.ts';
import {
  ConditionType,
  findCondition,
  nextStatus,
  statusEqual,
  type ObjectStatus,
} from '../kit/conditions.ts';
import type { TradingServiceDecision } from './decide.ts';

/** Held on every TradingService until its Vault policy, role and NKey are gone. */
export const FINALIZER = 'posture.dev/cleanup';

type Cached = KubeObject & { status?: ObjectStatus };

export function hasFinalizer(object: KubeObject): boolean {
  return object.metadata.finalizers?.includes(FINALIZER) ?? false;
}

/**
 * Adds or removes the finalizer with a merge patch carrying the resourceVersion: a concurrent
 * change makes it fail with a conflict (retried) instead of dropping someone else's finalizer.
 */
export async function setFinalizer(
  client: KubeClient,
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

/** Writes status through the subresource only when it changed; an Event when Ready flips. */
export class StatusWriter {
  readonly #deps: OperatorDeps;
  readonly #events: EventRecorder;
  readonly #deployment: DeploymentOf;

  constructor(
    deps: OperatorDeps,
    events: EventRecorder,
    deployment: DeploymentOf = () => undefined,
  ) {
    this.#deps = deps;
    this.#events = events;
    this.#deployment = deployment;
  }

  async write(object: Cached, decision: TradingServiceDecision, signal: AbortSignal) {
    const generation = object.metadata.generation ?? 0;
    const readyReplicas = readyReplicasOf(this.#deployment(object));
    const fields = { ...decision.fields, readyReplicas };
    const update = { generation, conditions: decision.conditions, fields };
    const status = nextStatus(object.status, update, new Date());
    if (statusEqual(object.status, status)) return;
    const { name, namespace } = object.metadata;
    await this.#deps.client.applyStatus(
      TRADING_SERVICE,
      { metadata: { name, namespace }, status },
      signal,
    );
    await this.#recordTransition(object, status);
  }

  async #recordTransition(object: Cached, status: ObjectStatus): Promise<void> {
    const before = findCondition(object.status?.conditions, ConditionType.Ready);
    const after = findCondition(status.conditions, ConditionType.Ready);
    if (!after || before?.status === after.status) return;
    const ready = after.status === 'True';
    try {
      await this.#events.record(
        { resource: TRADING_SERVICE, object },
        {
          type: ready ? 'Normal' : 'Warning',
          reason: after.reason,
          message: after.message,
          action: 'Reconcile',
        },
      );
    } catch (error) {
      // The transition is in status already; an Event is a courtesy (a terminating
      // namespace refuses them) and must not fail the reconcile.
      this.#deps.log.warn({ err: error, name: object.metadata.name }, 'event not recorded');
    }
  }
}

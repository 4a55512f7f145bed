import type { KubeClient } from '../../operator/kube/client.ts';
import type { EventNote, EventRecorder } from '../../operator/kube/events.ts';
import type { Resource } from '../../operator/kube/resources.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import type { Log } from '../../operator/telemetry/log.ts';
import {
  ConditionType,
  findCondition,
  nextStatus,
  statusEqual,
  type Condition,
  type ConditionInput,
  type ObjectStatus,
} from './conditions.ts';

/** A posture object as the informer caches it. */
export type Cached = KubeObject & { status?: ObjectStatus };

/** What a reconcile wants in status: conditions to set and fields to merge. */
export interface StatusUpdate {
  conditions: readonly ConditionInput[];
  fields?: Record<string, unknown>;
}

/** Pure: the Events one status change deserves (kubectl describe shows them). */
export type Announce = (
  before: readonly Condition[] | undefined,
  after: readonly Condition[] | undefined,
) => EventNote[];

/**
 * An Event when Ready flips: Normal when it turns True again, a Warning when it turns False. A
 * first Ready is announced only when False: a new object becoming Ready is no news, and that
 * Event cost one apiserver write per object on every converge.
 */
export const readyFlips: Announce = (before, after) => {
  const was = findCondition(before, ConditionType.Ready);
  const now = findCondition(after, ConditionType.Ready);
  if (!now || was?.status === now.status) return [];
  const ready = now.status === 'True';
  if (!was && ready) return [];
  return [
    {
      type: ready ? 'Normal' : 'Warning',
      reason: now.reason,
      message: now.message,
      action: 'Reconcile',
    },
  ];
};

export interface StatusWriterOptions {
  client: Pick<KubeClient, 'applyStatus'>;
  events: Pick<EventRecorder, 'record'>;
  log: Log;
  resource: Resource;
  now: () => Date;
  announce?: Announce;
  /** Fields read from the cluster at each write (a TradingService's readyReplicas). */
  observed?: (object: Cached) => Record<string, unknown>;
}

/**
 * The one status writer of every kind: computes the next status (lastTransitionTime moves only
 * on a flip), writes it through the status subresource only when it differs from the cached
 * one, then records the Events its change deserves. A no-op resync sends nothing.
 */
export class StatusWriter {
  readonly #options: StatusWriterOptions;

  constructor(options: StatusWriterOptions) {
    this.#options = options;
  }

  async write(object: Cached, update: StatusUpdate, signal?: AbortSignal): Promise<void> {
    const { client, resource, now, observed } = this.#options;
    const generation = object.metadata.generation ?? 0;
    const fields = { ...update.fields, ...observed?.(object) };
    const status = nextStatus(
      object.status,
      { generation, conditions: [...update.conditions], fields },
      now(),
    );
    if (statusEqual(object.status, status)) return;
    const { name, namespace } = object.metadata;
    await client.applyStatus(resource, { metadata: { name, namespace }, status }, signal);
    await this.#announce(object, status);
  }

  async #announce(object: Cached, status: ObjectStatus): Promise<void> {
    const { events, resource, log, announce = readyFlips } = this.#options;
    for (const note of announce(object.status?.conditions, status.conditions)) {
      try {
        await events.record({ resource, object }, note);
      } catch (error) {
        // The change is in status already; an Event is a courtesy (a terminating namespace
        // refuses them) and must not fail the reconcile.
        log.warn({ err: error, name: object.metadata.name }, 'event not recorded');
      }
    }
  }
}

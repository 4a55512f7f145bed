import type { KubeClient } from './client.ts';
import { RESOURCES, type Resource, apiVersionOf } from './resources.ts';
import type { KubeObject } from './types.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventNote {
  type: EventType;
  /** UpperCamelCase constant, like a condition reason. */
  reason: string;
  /** Human-readable; never a secret value. */
  message: string;
  /** What the operator did or failed to do, e.g. "Apply", "Revoke". */
  action: string;
}

/** A core/v1 Event about `involved` (what `kubectl describe` shows). */
export function buildEvent(
  involved: { resource: Resource; object: KubeObject },
  note: EventNote,
  now: Date,
  component = 'posture',
): KubeObject {
  const { metadata } = involved.object;
  const time = now.toISOString();
  return {
    metadata: {
      generateName: `${metadata.name ?? 'object'}.`,
      namespace: metadata.namespace ?? 'default',
    },
    involvedObject: {
      apiVersion: apiVersionOf(involved.resource),
      kind: involved.resource.kind,
      name: metadata.name,
      namespace: metadata.namespace,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
    },
    type: note.type,
    reason: note.reason,
    message: note.message.slice(0, 1024),
    action: note.action,
    source: { component },
    reportingComponent: component,
    reportingInstance: component,
    firstTimestamp: time,
    lastTimestamp: time,
    eventTime: null,
    count: 1,
  };
}

/** Records Events through the client; the clock is injected like everywhere else. */
export class EventRecorder {
  readonly #client: Pick<KubeClient, 'create'>;
  readonly #now: () => number;

  constructor(client: Pick<KubeClient, 'create'>, now: () => number) {
    this.#client = client;
    this.#now = now;
  }

  async record(
    involved: { resource: Resource; object: KubeObject },
    note: EventNote,
  ): Promise<void> {
    await this.#client.create(RESOURCES.event, buildEvent(involved, note, new Date(this.#now())));
  }
}

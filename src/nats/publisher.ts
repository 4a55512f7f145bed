import { applyIfChanged } from '../operator/kube/apply.ts';
import type { KubeClient } from '../operator/kube/client.ts';
import { RESOURCES } from '../operator/kube/resources.ts';
import type { KubeObject } from '../operator/kube/types.ts';
import { MANAGED_BY } from '../render/labels.ts';
import { CoalescingReloader, type ReloadTarget } from './reloader.ts';

/** The Secret in the NATS namespace holding the aggregated auth config (key `auth.conf`). */
export const NATS_AUTH_SECRET = 'posture-nats-auth';
export const NATS_AUTH_KEY = 'auth.conf';
/** The apiserver refuses a Secret whose data exceeds 1 MiB. */
export const SECRET_DATA_LIMIT = 1024 * 1024;

/** The aggregated config outgrew one Secret (docs/adr/0034-nats-auth-config-size.md). */
export class NatsConfigTooLargeError extends Error {
  constructor(bytes: number) {
    const mib = (bytes / 1024 / 1024).toFixed(2);
    super(
      `the aggregated NATS auth config is ${mib} MiB, over the 1 MiB a Kubernetes Secret holds ` +
        '(about 3,000 users with a few subjects each): the config in nats-server stays as it was; ' +
        'a platform this large needs NATS decentralized (JWT) auth, see docs/adr/0034',
    );
    this.name = 'NatsConfigTooLargeError';
  }
}

/** Where a config text stands: loaded and confirmed by nats-server, on its way, or failed. */
export type PublishState = 'confirmed' | 'pending' | Error;

/** What reconcilers call; never blocks a worker while nats-server reloads. */
export interface NatsPublisher {
  /**
   * Asks for `text` to be loaded (once; repeated asks while pending are free) and says where it
   * stands. A failure is reported once, then the next ask tries again.
   */
  request: (text: string) => PublishState;
  /** Writes and reloads so far (tests, metrics). */
  readonly reloads: number;
}

export interface PublisherOptions {
  /** A burst ends after this long without a new text. @default 1000 */
  quietMs?: number;
  /** A steady stream of changes still reloads this often. @default 10_000 */
  maxWaitMs?: number;
  /** How long to wait for nats-server to confirm a reload. @default 10_000 */
  confirmTimeoutMs?: number;
}

/**
 * Publishes the aggregated NATS auth config: new texts are held until a burst goes quiet (or
 * maxWaitMs passed), then the newest is written once through a CoalescingReloader and
 * confirmed. A text the server already confirmed is never written again, so a resync that
 * changes nothing writes and reloads nothing.
 */
export class ConfirmedPublisher implements NatsPublisher {
  readonly #reloader: CoalescingReloader;
  readonly #quietMs: number;
  readonly #maxWaitMs: number;
  /** Texts asked for and not yet confirmed or failed. */
  #pending = new Set<string>();
  /** Texts of the round being written and confirmed. */
  #inflight = new Set<string>();
  #queued: { text: string; since: number; timer?: NodeJS.Timeout } | undefined;
  #written: string | undefined;
  #confirmed: string | undefined;
  #failure: { texts: Set<string>; error: Error } | undefined;

  constructor(target: ReloadTarget, options: PublisherOptions = {}) {
    const tracked: ReloadTarget = {
      ...target,
      write: async (text) => {
        this.#written = text;
        await target.write(text);
      },
    };
    this.#quietMs = options.quietMs ?? 1000;
    this.#maxWaitMs = options.maxWaitMs ?? 10_000;
    this.#reloader = new CoalescingReloader({
      target: tracked,
      windowMs: 0,
      ...(options.confirmTimeoutMs !== undefined && { confirmTimeoutMs: options.confirmTimeoutMs }),
    });
  }

  get reloads(): number {
    return this.#reloader.reloads;
  }

  request(text: string): PublishState {
    if (text === this.#confirmed) return 'confirmed';
    if (this.#failure?.texts.delete(text)) return this.#failure.error;
    if (this.#pending.has(text) || this.#inflight.has(text)) return 'pending';
    this.#pending.add(text);
    this.#queue(text);
    return 'pending';
  }

  #queue(text: string): void {
    const now = Date.now();
    const since = this.#queued?.since ?? now;
    clearTimeout(this.#queued?.timer);
    const wait = Math.max(0, Math.min(this.#quietMs, since + this.#maxWaitMs - now));
    this.#queued = { text, since, timer: setTimeout(() => this.#flush(), wait) };
  }

  #flush(): void {
    const round = this.#pending;
    const text = this.#queued?.text ?? '';
    this.#pending = new Set();
    this.#inflight = round;
    this.#queued = undefined;
    const settled = () => {
      if (this.#inflight === round) this.#inflight = new Set();
    };
    this.#reloader.apply(text).then(
      () => {
        // Waiters resolve right after their round's confirmation, before the next write.
        this.#confirmed = this.#written;
        settled();
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        this.#failure = { texts: round, error: failure };
        settled();
      },
    );
  }
}

/** The desired Secret: one object in the NATS namespace, owned by nobody (many CRs feed it). */
export function natsAuthSecret(namespace: string, text: string): KubeObject {
  return {
    metadata: { name: NATS_AUTH_SECRET, namespace, labels: { ...MANAGED_BY } },
    type: 'Opaque',
    data: { [NATS_AUTH_KEY]: Buffer.from(text).toString('base64') },
  };
}

/**
 * Writes the Secret by server-side apply when it differs from the live one (read here, since
 * the operator never caches Secrets cluster-wide).
 */
export function secretWriter(
  client: KubeClient,
  namespace: string,
): (text: string) => Promise<void> {
  return async (text) => {
    // Checked here, not left to the apiserver: its 413 would not say what to do.
    const bytes = Buffer.byteLength(text);
    if (bytes > SECRET_DATA_LIMIT) throw new NatsConfigTooLargeError(bytes);
    const live = await client.get(RESOURCES.secret, { name: NATS_AUTH_SECRET, namespace });
    await applyIfChanged(client, RESOURCES.secret, natsAuthSecret(namespace, text), live);
  };
}

/**
 * In a cluster, a config-reloader sidecar signals nats-server when the mounted Secret changes;
 * without a monitoring URL to confirm through, a write counts as confirmed.
 */
export function unconfirmedTarget(write: (text: string) => Promise<void>): ReloadTarget {
  let generation = 0;
  return {
    write,
    reload: () => {
      generation += 1;
      return Promise.resolve();
    },
    loadedMarker: () => Promise.resolve(String(generation)),
  };
}

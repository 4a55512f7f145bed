import { applyIfChanged } from '../operator/kube/apply.ts';
import type { KubeClient } from '../operator/kube/client.ts';
import { RESOURCES } from '../operator/kube/resources.ts';
import type { KubeObject } from '../operator/kube/types.ts';
import { NATS_AUTH_SECRET, natsAuthPart } from '../render/nats-auth.ts';
import { partManifest } from '../render/objects.ts';
import { CoalescingReloader, type ReloadTarget } from './reloader.ts';

export { NATS_AUTH_KEY, NATS_AUTH_SECRET } from '../render/nats-auth.ts';
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

/** Where a requested config version stands: loaded and confirmed, on its way, or failed. */
export type PublishState = 'confirmed' | 'pending' | Error;

/** The config as it stands now, and the newest version of the inputs it holds. */
export interface ConfigSnapshot {
  text: string;
  version: number;
}

/** What reconcilers call; never blocks a worker while nats-server reloads. */
export interface NatsPublisher {
  /**
   * Asks for config `version` (or a newer one) to be loaded, and says where it stands. The text
   * is rendered by `render` once per write, not per ask: a burst of a thousand asks renders and
   * writes once. A failure is reported to every ask up to the failed version until a later
   * write settles; each such ask also schedules a retry (coalesced like any other write).
   */
  request: (version: number, render: () => ConfigSnapshot) => PublishState;
  /**
   * Called after every confirmed write, with the version now confirmed: the reconciles waiting
   * for that version or an older one look again. Not after a failed one:
   * waking every waiter on each failure bypassed their backoff, and with thousands waiting
   * (a config over the Secret limit) the queue did nothing else. They learn of a failure at
   * their next look and back off.
   */
  onSettled: (listener: (confirmed: number) => void) => void;
  /** Writes and reloads so far (tests, metrics). */
  readonly reloads: number;
  /**
   * Whether 'confirmed' means nats-server loaded the config (its /varz said so) or only that it
   * was written (no monitoring URL): then a service must not be reported Ready for it.
   */
  readonly confirmsLoad: boolean;
  /**
   * The config nats-server last confirmed, and its version; undefined before the first. A
   * request whose needs that text already meets is confirmed without a write (NatsAuthMode.holds).
   */
  running?: () => ConfigSnapshot | undefined;
}

export interface PublisherOptions {
  /** A burst ends after this long without a new version. @default 500 */
  quietMs?: number;
  /**
   * A steady stream of changes still reloads this often: the longest a new service waits for
   * its NATS user beyond the stream (1,000 services applied at once: ~10 reloads). @default 2000
   */
  maxWaitMs?: number;
  /** How long to wait for nats-server to confirm a reload. @default 10_000 */
  confirmTimeoutMs?: number;
  /** False when the target cannot see nats-server load a config (unconfirmedTarget). @default true */
  confirmsLoad?: boolean;
}

/**
 * Publishes the aggregated NATS auth config: asks for newer versions are held until a burst
 * goes quiet (or maxWaitMs passed), then the config is rendered once, written once through a
 * CoalescingReloader and confirmed. A text the server already confirmed is never written
 * again, so a resync that changes nothing writes and reloads nothing.
 */
export class ConfirmedPublisher implements NatsPublisher {
  readonly #reloader: CoalescingReloader;
  readonly #quietMs: number;
  readonly #maxWaitMs: number;
  readonly #listeners: ((confirmed: number) => void)[] = [];
  #confirmed = { version: 0, text: undefined as string | undefined };
  #failure: { version: number; error: Error } | undefined;
  #render: (() => ConfigSnapshot) | undefined;
  #queued: { since: number; timer?: NodeJS.Timeout } | undefined;
  #inflight: number | undefined;
  #wanted = 0;
  readonly confirmsLoad: boolean;

  constructor(target: ReloadTarget, options: PublisherOptions = {}) {
    this.confirmsLoad = options.confirmsLoad ?? true;
    this.#quietMs = options.quietMs ?? 500;
    this.#maxWaitMs = options.maxWaitMs ?? 2000;
    this.#reloader = new CoalescingReloader({
      target,
      windowMs: 0,
      ...(options.confirmTimeoutMs !== undefined && { confirmTimeoutMs: options.confirmTimeoutMs }),
    });
  }

  get reloads(): number {
    return this.#reloader.reloads;
  }

  onSettled(listener: (confirmed: number) => void): void {
    this.#listeners.push(listener);
  }

  running(): ConfigSnapshot | undefined {
    const { text, version } = this.#confirmed;
    return text === undefined ? undefined : { text, version };
  }

  request(version: number, render: () => ConfigSnapshot): PublishState {
    this.#render = render;
    if (version <= this.#confirmed.version) return 'confirmed';
    // Every ask up to a failed version hears of the failure (and writes its status), not just
    // the first: at 10,000 services over the Secret limit, reporting it once per failed write
    // left thousands waiting for minutes. Asking also schedules one coalesced retry.
    this.#ask(version);
    const failure = this.#failure;
    if (failure && version <= failure.version) return failure.error;
    return 'pending';
  }

  #ask(version: number): void {
    if (this.#inflight !== undefined && version <= this.#inflight) return;
    const newer = version > this.#wanted;
    this.#wanted = Math.max(this.#wanted, version);
    // Asking again for a version already queued must not postpone its write.
    if (this.#queued && !newer) return;
    const now = Date.now();
    const since = this.#queued?.since ?? now;
    clearTimeout(this.#queued?.timer);
    const wait = Math.max(0, Math.min(this.#quietMs, since + this.#maxWaitMs - now));
    this.#queued = { since, timer: setTimeout(() => this.#flush(), wait) };
  }

  #flush(): void {
    this.#queued = undefined;
    if (this.#inflight !== undefined) {
      // One write at a time: the next round starts when this one settles.
      this.#queued = { since: Date.now() };
      return;
    }
    const { text, version } = (this.#render ?? (() => ({ text: '', version: 0 })))();
    if (text === this.#confirmed.text) {
      this.#confirmed = { version, text };
      this.#settled(true);
      return;
    }
    this.#inflight = version;
    this.#reloader.apply(text).then(
      () => {
        this.#confirmed = { version, text };
        this.#settled(true);
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        this.#failure = { version, error: failure };
        this.#settled(false);
      },
    );
  }

  #settled(confirmed: boolean): void {
    this.#inflight = undefined;
    // A confirmed config (written, or already running) ends whatever failure came before it.
    if (confirmed) this.#failure = undefined;
    if (this.#queued && this.#queued.timer === undefined) {
      this.#queued = undefined;
      if (this.#wanted > this.#confirmed.version) this.#ask(this.#wanted);
    }
    if (confirmed) for (const listener of this.#listeners) listener(this.#confirmed.version);
  }
}

/**
 * The desired Secret: one object in the NATS namespace, owned by nobody (many CRs feed it);
 * the same object `posture synth` renders.
 */
export function natsAuthSecret(namespace: string, text: string): KubeObject {
  return partManifest(natsAuthPart(namespace, text)) as unknown as KubeObject;
}

/**
 * Writes the Secret by server-side apply when it differs from the live one (read here, since
 * the operator never caches Secrets cluster-wide).
 */
export function secretWriter(
  client: Pick<KubeClient, 'get' | 'apply'>,
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
 * without a monitoring URL to confirm through, a write settles the request, and the publisher
 * using this target must say `confirmsLoad: false` (its services are then NatsNotConfirmed).
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

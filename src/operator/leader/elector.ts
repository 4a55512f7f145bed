import { sleep, systemClock, type Clock } from '../../lib/clock.ts';
import type { KubeClient } from '../kube/client.ts';
import { isConflict } from '../kube/errors.ts';
import { RESOURCES } from '../kube/resources.ts';
import type { Log } from '../telemetry/log.ts';
import { heldBy, recordOf, released, takeable, type Lease } from './lease.ts';

export type LeaseClient = Pick<KubeClient, 'get' | 'create' | 'replace'>;

export interface LeaderCallbacks {
  /** Leadership gained; `signal` aborts the moment it is lost or given up. */
  onStartedLeading(signal: AbortSignal): void;
  /** Leadership ended; awaited (stop writers) before the lease is released on shutdown. */
  onStoppedLeading(): Promise<void> | void;
}

export interface ElectorOptions {
  client: LeaseClient;
  namespace: string;
  name: string;
  identity: string;
  log: Log;
  clock?: Clock;
  /** @default 15_000 */
  leaseDurationMs?: number;
  /** A leader that could not renew for this long stops leading. @default 10_000 */
  renewDeadlineMs?: number;
  /** @default 2_000 */
  retryPeriodMs?: number;
}

type Attempt = 'held' | 'taken' | 'failed';

/**
 * Leader election on a coordination.k8s.io/v1 Lease with optimistic concurrency
 * (resourceVersion): candidates retry every retryPeriod; the leader renews every retryPeriod
 * and stops leading when it could not renew within renewDeadline — before the lease expires
 * for others — so two leaders never write at once.
 */
export class LeaderElector {
  readonly #o: Required<Omit<ElectorOptions, 'clock'>> & { clock: Clock };
  #observed = { record: '', at: 0 };
  #leading = false;

  constructor(options: ElectorOptions) {
    this.#o = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      clock: systemClock,
      ...options,
    };
  }

  isLeader(): boolean {
    return this.#leading;
  }

  /** Campaigns and leads until `signal` aborts; releases the lease if it held it then. */
  async run(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<void> {
    while (!signal.aborted) {
      const acquiredAt = await this.#acquire(signal);
      if (acquiredAt === undefined) return;
      const leading = new AbortController();
      this.#leading = true;
      this.#o.log.info({ lease: this.#o.name, identity: this.#o.identity }, 'started leading');
      callbacks.onStartedLeading(leading.signal);
      await this.#renew(signal, acquiredAt);
      this.#leading = false;
      leading.abort();
      this.#o.log.info({ lease: this.#o.name, identity: this.#o.identity }, 'stopped leading');
      await callbacks.onStoppedLeading();
      if (signal.aborted) await this.#release();
    }
  }

  /** Campaigns until it holds the lease; answers when the winning attempt started. */
  async #acquire(signal: AbortSignal): Promise<number | undefined> {
    while (!signal.aborted) {
      const started = this.#o.clock.now();
      if ((await this.#attempt(signal)) === 'held') return started;
      await sleep(this.#o.clock, this.#o.retryPeriodMs, signal);
    }
    return undefined;
  }

  /**
   * Renews every retryPeriod until a renewal is refused, or none succeeded for renewDeadline
   * counted from the *start* of the last successful one (when the apiserver may have stamped
   * it): a hanging request is aborted at the deadline, never allowed to overrun it.
   */
  async #renew(signal: AbortSignal, renewedAt: number): Promise<void> {
    const { clock, renewDeadlineMs, retryPeriodMs } = this.#o;
    const expired = new AbortController();
    const arm = (from: number): unknown =>
      clock.setTimeout(() => expired.abort(), renewDeadlineMs - (clock.now() - from));
    let timer = arm(renewedAt);
    const stop = AbortSignal.any([signal, expired.signal]);
    try {
      while (!stop.aborted) {
        await sleep(clock, retryPeriodMs, stop);
        if (stop.aborted) return;
        const started = clock.now();
        const attempt = await this.#attempt(stop);
        if (attempt === 'taken') return;
        if (attempt !== 'held') continue;
        clock.clearTimeout(timer);
        timer = arm(started);
      }
    } finally {
      clock.clearTimeout(timer);
    }
  }

  /** One try to create, renew or take over the lease. */
  async #attempt(signal: AbortSignal): Promise<Attempt> {
    const { client, namespace, name, identity, clock } = this.#o;
    const call = AbortSignal.any([signal, AbortSignal.timeout(this.#o.retryPeriodMs * 2)]);
    try {
      const lease = await client.get<Lease>(RESOURCES.lease, { name, namespace, signal: call });
      const now = clock.now();
      if (!lease) {
        await client.create(
          RESOURCES.lease,
          heldBy({ metadata: { name, namespace } }, identity, now, this.#seconds()),
          call,
        );
        return 'held';
      }
      if (!this.#mayHold(lease, now)) return 'taken';
      await client.replace(RESOURCES.lease, heldBy(lease, identity, now, this.#seconds()), call);
      return 'held';
    } catch (error) {
      if (!isConflict(error) && !signal.aborted)
        this.#o.log.warn({ lease: name, err: error }, 'lease request failed');
      return isConflict(error) ? 'taken' : 'failed';
    }
  }

  #mayHold(lease: Lease, now: number): boolean {
    const record = recordOf(lease);
    if (record !== this.#observed.record) this.#observed = { record, at: now };
    if (lease.spec?.holderIdentity === this.#o.identity) return true;
    return takeable(lease, this.#observed.at, now);
  }

  async #release(): Promise<void> {
    const { client, namespace, name, identity, clock } = this.#o;
    try {
      const lease = await client.get<Lease>(RESOURCES.lease, { name, namespace });
      if (lease?.spec?.holderIdentity !== identity) return;
      await client.replace(RESOURCES.lease, released(lease, clock.now()));
      this.#o.log.info({ lease: name, identity }, 'released lease');
    } catch (error) {
      this.#o.log.warn({ lease: name, err: error }, 'lease release failed');
    }
  }

  #seconds(): number {
    return Math.ceil(this.#o.leaseDurationMs / 1000);
  }
}

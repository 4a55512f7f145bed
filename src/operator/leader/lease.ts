import type { KubeObject } from '../kube/types.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** metav1.MicroTime wants exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Who holds the lease, and the record that changes whenever the holder renews. */
export function recordOf(lease: Lease): string {
  const spec = lease.spec ?? {};
  return `${spec.holderIdentity ?? ''}|${spec.renewTime ?? ''}|${lease.metadata.resourceVersion ?? ''}`;
}

/**
 * The lease as `identity` holding it at `now`: a renewal keeps acquireTime and the
 * transition count, a takeover sets both afresh.
 */
export function heldBy(
  lease: Lease,
  identity: string,
  now: number,
  durationSeconds: number,
): Lease {
  const spec = lease.spec ?? {};
  const renewing = spec.holderIdentity === identity;
  const time = microTime(now);
  return {
    ...lease,
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: renewing ? (spec.acquireTime ?? time) : time,
      renewTime: time,
      leaseTransitions: renewing ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? -1) + 1,
    },
  };
}

/**
 * A lease given up on shutdown: no holder and a one-second duration, so another candidate
 * takes over at its next retry instead of waiting out the full lease duration.
 */
export function released(lease: Lease, now: number): Lease {
  return {
    ...lease,
    spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(now) },
  };
}

/**
 * Whether another holder's lease may be taken. Expiry is judged by when *this* process last
 * saw the record change (as client-go does), so clock skew between holders does not matter.
 */
export function takeable(lease: Lease, observedAt: number, now: number): boolean {
  const spec = lease.spec ?? {};
  if (!spec.holderIdentity) return true;
  return observedAt + (spec.leaseDurationSeconds ?? 15) * 1000 <= now;
}

import type { RolloutState } from '../kit/rollout.ts';

/**
 * The NKey rotation of one TradingService as a pure state machine (docs/adr/0045). Its state
 * lives in Vault (the seed's KV versions) and in status (public keys and versions, never a
 * seed), so a restart anywhere resumes:
 *
 * - Stable: nats-server accepts `natsUser`; the pod template reads its seed's version.
 * - Authorizing: a new seed is in Vault; nats-server is asked to accept the new and the previous
 *   key (two users, same permissions); pods still read the previous seed.
 * - Rolling: nats-server confirmed both keys; the pod template now reads the new seed and the
 *   Deployment rolls. Once every pod runs it and is available, the previous key is dropped.
 *
 * So every pod's seed is accepted at every instant: a pod gets the new seed only after
 * nats-server confirmed it, and the old key goes only after no pod reads it any more.
 */

/** The NKey status fields this machine owns (a type, so it is a status field record). */
export type NkeyFields = {
  natsUser?: string;
  nkeyVersion?: number;
  previousNatsUser?: string;
  nkeyPinnedVersion?: number;
  nkeyRotationRequest?: string;
};

/** Every field named, an absent one as undefined: the status writer then removes it. */
export type AllNkeyFields = {
  natsUser: string | undefined;
  nkeyVersion: number | undefined;
  previousNatsUser: string | undefined;
  nkeyPinnedVersion: number | undefined;
  nkeyRotationRequest: string | undefined;
};

/** The service's users as nats-server confirmed it runs them (current and previous key). */
export interface NatsUsers {
  natsUser?: string | undefined;
  previousNatsUser?: string | undefined;
  /** With `nats.auth: jwt`: the account revokes this user's JWTs issued at or before it. */
  revokedBefore?: number | undefined;
}

export interface NkeySnapshot {
  /** The seed's newest KV version and its public key; undefined: no seed in Vault yet. */
  vault: { version: number; publicKey: string } | undefined;
  status: NkeyFields;
  /** The posture.dev/rotate-nkey annotation, if any. */
  rotateRequest?: string;
  /** The Deployment's rollout towards status.nkeyPinnedVersion. */
  rollout: { state: RolloutState; detail?: string };
  /**
   * What nats-server confirmed it runs for this service; `{}`: nothing confirmed (yet, or ever:
   * a publisher that cannot see the load); 'unmanaged': this operator publishes no NATS config
   * at all, so there is nothing to wait for.
   */
  loaded: NatsUsers | 'unmanaged';
}

export type NkeyPhase = 'Stable' | 'Authorizing' | 'Rolling';

export interface NkeyDecision {
  phase: NkeyPhase;
  /**
   * A new seed to write before anything else, only if Vault's newest version is still `cas`
   * (0: none yet); the write fills in natsUser and nkeyVersion.
   */
  write?: { cas: number };
  /** The status after this step; every field is listed (undefined ones are removed). */
  fields: AllNkeyFields;
  /** The KV version of the seed the pod template reads. */
  pin: number;
  /** What the step waits for, for the condition message. */
  waiting?: string;
  /** The Deployment's rollout to the new seed failed: the rotation holds both keys. */
  failed?: string;
}

type Fields = NkeyDecision['fields'];
type Vault = NonNullable<NkeySnapshot['vault']>;

const fields = (over: NkeyFields): Fields => ({
  natsUser: over.natsUser,
  nkeyVersion: over.nkeyVersion,
  previousNatsUser: over.previousNatsUser,
  nkeyPinnedVersion: over.nkeyPinnedVersion,
  nkeyRotationRequest: over.nkeyRotationRequest,
});

function requested(s: NkeySnapshot): boolean {
  const request = s.rotateRequest;
  return request !== undefined && request !== '' && request !== s.status.nkeyRotationRequest;
}

/** The answered request: the annotation when this step answers it, else what status holds. */
const answered = (s: NkeySnapshot) =>
  requested(s) ? s.rotateRequest : s.status.nkeyRotationRequest;

function stable(s: NkeySnapshot, kv: Vault, request = s.status.nkeyRotationRequest): NkeyDecision {
  return {
    phase: 'Stable',
    fields: fields({
      natsUser: kv.publicKey,
      nkeyVersion: kv.version,
      nkeyPinnedVersion: kv.version,
      nkeyRotationRequest: request,
    }),
    pin: kv.version,
  };
}

/** No seed yet: the first one is version 1, which answers any request already made. */
function firstSeed(s: NkeySnapshot): NkeyDecision {
  return {
    phase: 'Stable',
    write: { cas: 0 },
    fields: fields({ nkeyPinnedVersion: 1, nkeyRotationRequest: answered(s) }),
    pin: 1,
  };
}

/** Whether nats-server runs exactly these users for the service. */
function runs(loaded: NkeySnapshot['loaded'], users: NatsUsers): boolean {
  if (loaded === 'unmanaged') return true;
  return loaded.natsUser === users.natsUser && loaded.previousNatsUser === users.previousNatsUser;
}

/** Both keys asked for; the pods move to the new seed once nats-server confirmed both. */
function authorizing(s: NkeySnapshot, next: Fields): NkeyDecision {
  const pinned = next.nkeyPinnedVersion ?? 1;
  if (!runs(s.loaded, next))
    return {
      phase: 'Authorizing',
      fields: next,
      pin: pinned,
      waiting: `nats-server to accept NKey version ${next.nkeyVersion} beside version ${pinned}`,
    };
  const version = next.nkeyVersion ?? pinned;
  return {
    phase: 'Rolling',
    fields: { ...next, nkeyPinnedVersion: version },
    pin: version,
    waiting: `the Deployment to roll to NKey seed version ${version}`,
  };
}

/** A new seed found in Vault (this operator wrote it and stopped before status, or a person). */
function vaultAhead(s: NkeySnapshot, kv: Vault): NkeyDecision {
  const { natsUser, nkeyPinnedVersion } = s.status;
  if (natsUser === kv.publicKey) return stable(s, kv);
  return authorizing(
    s,
    fields({
      natsUser: kv.publicKey,
      nkeyVersion: kv.version,
      previousNatsUser: natsUser,
      nkeyPinnedVersion,
      nkeyRotationRequest: answered(s),
    }),
  );
}

function fromStable(s: NkeySnapshot, kv: Vault): NkeyDecision {
  if (kv.version > (s.status.nkeyVersion ?? 0)) return vaultAhead(s, kv);
  if (!requested(s)) return stable(s, kv);
  return {
    phase: 'Authorizing',
    write: { cas: kv.version },
    fields: fields({
      previousNatsUser: kv.publicKey,
      nkeyPinnedVersion: kv.version,
      nkeyRotationRequest: s.rotateRequest,
    }),
    pin: kv.version,
    waiting: 'nats-server to accept the new NKey beside the previous one',
  };
}

/** Pods roll to the new seed; the previous key goes once none can hold it. */
function fromRolling(s: NkeySnapshot): NkeyDecision {
  const current = fields(s.status);
  const pin = current.nkeyPinnedVersion ?? 1;
  const hold = { phase: 'Rolling' as const, fields: current, pin };
  const { state, detail } = s.rollout;
  if (state === 'failed')
    return { ...hold, failed: `the Deployment's rollout to NKey seed version ${pin}: ${detail}` };
  if (state === 'pending')
    return { ...hold, waiting: `the Deployment to roll to NKey seed version ${pin} (${detail})` };
  // This controller applies the Deployment itself: absent is a cache that has not seen it yet,
  // or one deleted while its pods may still terminate, never a sign that nothing holds the key.
  if (state === 'absent')
    return { ...hold, waiting: `the Deployment pinned to NKey seed version ${pin}` };
  if (!runs(s.loaded, current) && !runs(s.loaded, { natsUser: current.natsUser }))
    return { ...hold, waiting: `nats-server to confirm NKey version ${pin}` };
  return { phase: 'Stable', fields: { ...current, previousNatsUser: undefined }, pin };
}

/**
 * Pure: the next step of the service's NKey rotation. Vault is written (check-and-set) before
 * status names the new key; a version found ahead of status is taken up where it stands; a
 * rotation is answered only from Stable, and a seed written during a rollout waits for it.
 */
export function decideNkey(s: NkeySnapshot): NkeyDecision {
  const kv = s.vault;
  if (!kv) return firstSeed(s);
  const { nkeyVersion, nkeyPinnedVersion, natsUser, previousNatsUser } = s.status;
  // No state of ours (a new status, an older operator) or Vault older than status: take Vault's.
  const known = natsUser && nkeyVersion !== undefined && nkeyPinnedVersion !== undefined;
  if (!known || kv.version < nkeyVersion) return stable(s, kv);
  if (previousNatsUser === undefined) return fromStable(s, kv);
  if (nkeyPinnedVersion < nkeyVersion)
    return kv.version > nkeyVersion
      ? vaultAheadWhileAuthorizing(s, kv)
      : authorizing(s, fields(s.status));
  return fromRolling(s);
}

/** Another seed before the pods moved: they still hold the previous key, which stays. */
function vaultAheadWhileAuthorizing(s: NkeySnapshot, kv: Vault): NkeyDecision {
  return authorizing(s, fields({ ...s.status, natsUser: kv.publicKey, nkeyVersion: kv.version }));
}

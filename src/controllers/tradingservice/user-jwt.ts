import { REVOKED_FOREVER, sameUserClaims, type UserClaims } from '../../render/nats/jwt.ts';

/**
 * A service's NATS user JWT with `nats.auth: jwt` (docs/adr/0060-nats-jwt-auth.md), decided
 * purely. The creds (JWT and seed) live in the seed's own Vault entry (docs/adr/0071), one KV
 * version per issue, and the pod template pins that version: new permissions are a new version,
 * so the pods roll and reconnect with them. The JWT they replace is revoked by the account
 * (`revokedBefore`, the new JWT's issue time minus one second), written in the same KV version
 * as the JWT, so a crash between Vault and status never loses it.
 */

/** What gather read: the creds' newest version and the claims of its JWT (never the seed). */
export interface UserJwtObservation {
  version: number;
  /** The user the JWT is for (its subject). */
  publicKey: string;
  /** The JWT's account (issuer_account) and permissions. */
  account: string;
  claims: Partial<UserClaims>;
  /** When it was issued (Unix seconds). */
  iat: number;
  revokedBefore?: number;
  /** The account's name, as written with the creds (undefined: written before it was kept). */
  accountName?: string;
  /** Its account revoked this JWT (it retired the key at or after `iat`): it must be replaced. */
  retired?: boolean;
}

export interface UserJwtWant {
  /** The service's key; undefined when its first seed is written in this reconcile. */
  publicKey: string | undefined;
  /** Account public key the JWT must name. */
  account: string | undefined;
  claims: UserClaims;
}

export interface UserJwtDecision {
  /** Issue a new JWT and write it as the version after `cas` (0: the first). */
  write?: { cas: number; replaces?: { publicKey: string; iat: number } };
  /** The creds version the pod template reads. */
  pin: number;
  /** Revocation of older JWTs, as the newest creds state it (undefined: none). */
  revokedBefore: number | undefined;
}

/** The JWT Vault holds is for this key and account and grants exactly what is wanted. */
function isCurrent(observed: UserJwtObservation, want: UserJwtWant): boolean {
  const account = want.account === undefined || observed.account === want.account;
  return (
    !observed.retired &&
    observed.publicKey === want.publicKey &&
    account &&
    sameUserClaims(observed.claims, want.claims)
  );
}

/**
 * `entry` is the newest version of the entry the creds are written to (0: none yet): the seed's,
 * which holds a new key's seed before its first JWT, so the next JWT follows that version.
 */
export function decideUserJwt(
  observed: UserJwtObservation | undefined,
  want: UserJwtWant,
  entry: number = observed?.version ?? 0,
): UserJwtDecision {
  if (observed && isCurrent(observed, want))
    return { pin: observed.version, revokedBefore: observed.revokedBefore };
  const cas = Math.max(entry, observed?.version ?? 0);
  return {
    write: {
      cas,
      ...(observed && { replaces: { publicKey: observed.publicKey, iat: observed.iat } }),
    },
    pin: cas + 1,
    revokedBefore: observed?.revokedBefore,
  };
}

/**
 * The revocation a new JWT issued at `iat` brings: every older JWT of the same key goes. A
 * JWT of another key (its seed was replaced) is left to that key, which no pod can use any more.
 */
export function revocationFor(
  replaces: { publicKey: string; iat: number } | undefined,
  publicKey: string,
  iat: number,
  before: number | undefined,
): number | undefined {
  if (!replaces || replaces.publicKey !== publicKey) return before;
  return Math.max(before ?? 0, iat - 1);
}

/** A JWT to revoke in the account that issued it: every JWT of `publicKey` issued up to `at`. */
export interface JwtRetirement {
  account: string;
  publicKey: string;
  at: number;
}

/**
 * What the account that issued them must revoke now, so no grant outlives the CR that gave it:
 * - the creds in Vault, when the service no longer has a NATS user in their account (its
 *   `spec.nats` was removed, it names an account it may not use, or it moved to another one).
 *   The JWT stays valid where it was issued until that account revokes it; it is revoked up to
 *   its issue time, so a JWT issued later (NATS declared again) is not touched;
 * - the key an NKey rotation replaced, once the rotation lets go of it: for good.
 * `pinned` is the account of the JWT this reconcile pins (undefined: none); `previous` the key
 * status names as the rotation's previous one, and the one the decision keeps.
 */
export function jwtRetirements(
  observed: UserJwtObservation | undefined,
  pinned: string | undefined,
  previous: { was?: string | undefined; now?: string | undefined },
): JwtRetirement[] {
  const retirements: JwtRetirement[] = [];
  const account = observed?.accountName;
  if (observed && account && !observed.retired && pinned !== account)
    retirements.push({ account, publicKey: observed.publicKey, at: observed.iat });
  const from = account ?? pinned;
  if (previous.was && previous.was !== previous.now && from)
    retirements.push({ account: from, publicKey: previous.was, at: REVOKED_FOREVER });
  return retirements;
}

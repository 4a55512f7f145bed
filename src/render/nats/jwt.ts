import type { NatsUser } from './model.ts';

/**
 * The claims of NATS decentralized auth (docs/adr/0060-nats-jwt-auth.md), as plain data: what a
 * service's user may do and what an account revokes. Signing is the NATS adapter's; these
 * functions are pure, so synth, the operator and the tests agree on them byte for byte.
 */

/** A revocation that outlives every JWT: `revoked if entry >= iat`, for any iat before 2100. */
export const REVOKED_FOREVER = 4_102_444_800;

/** No limit: nats-server reads 0 as "none allowed", so an account states -1 for each. */
export const UNLIMITED_ACCOUNT = {
  subs: -1,
  conn: -1,
  leaf: -1,
  imports: -1,
  exports: -1,
  data: -1,
  payload: -1,
  wildcards: true,
} as const;

interface Permission {
  allow?: string[];
  deny?: string[];
}

/** The `nats` part of a user JWT: the same allow lists the static config writes. */
export interface UserClaims {
  pub: Permission;
  sub: Permission;
  resp?: { max: number; ttl: number };
}

/** An empty allow list means "anything" to nats-server, so nothing is `deny: [">"]`. */
function direction(subjects: readonly string[]): Permission {
  const unique = [...new Set(subjects)];
  return unique.length === 0 ? { deny: ['>'] } : { allow: unique };
}

/** Go durations in nanoseconds, as the JWT's `resp.ttl` holds them. */
const UNIT_NS: Record<string, number> = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

function nanoseconds(duration: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(duration);
  if (!match) throw new Error(`allowResponses.expires ${duration}: use a duration such as 5s`);
  return Number(match[1]) * (UNIT_NS[match[2] ?? 's'] ?? 1e9);
}

/** A user's claims from the model's user: publish, subscribe and response permissions. */
export function userClaims(user: NatsUser): UserClaims {
  const { publish, subscribe, allowResponses } = user.permissions;
  const claims: UserClaims = { pub: direction(publish), sub: direction(subscribe) };
  if (allowResponses === true) claims.resp = { max: 1, ttl: 0 };
  else if (allowResponses)
    claims.resp = {
      max: allowResponses.max ?? 1,
      ttl: allowResponses.expires ? nanoseconds(allowResponses.expires) : 0,
    };
  return claims;
}

/** Whether a signed user JWT's claims grant exactly `want` (fields posture does not set ignored). */
export function sameUserClaims(have: Partial<UserClaims>, want: UserClaims): boolean {
  const norm = (p: Permission | undefined) =>
    JSON.stringify({ allow: p?.allow ?? [], deny: p?.deny ?? [] });
  const resp = (r: UserClaims['resp']) =>
    r && (r.max !== 0 || r.ttl !== 0) ? `${r.max}/${r.ttl}` : '';
  return (
    norm(have.pub) === norm(want.pub) &&
    norm(have.sub) === norm(want.sub) &&
    resp(have.resp) === resp(want.resp)
  );
}

/** An account as posture pushes it: its name, who may sign its users, what it revokes. */
export interface AccountClaims {
  name: string;
  /** Revoked user public keys → revoke JWTs issued at or before this time (Unix seconds). */
  revocations: Record<string, number>;
}

/**
 * The accounts' canonical text: sorted, so an equal set of claims is an equal string (the
 * publisher compares texts to skip pushing what nats-server already holds).
 */
export function accountsText(accounts: readonly AccountClaims[]): string {
  const sorted = [...accounts]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((a) => ({
      name: a.name,
      revocations: Object.fromEntries(
        Object.entries(a.revocations).sort(([x], [y]) => x.localeCompare(y)),
      ),
    }));
  return JSON.stringify({ accounts: sorted });
}

/** The inverse of accountsText. */
export function parseAccountsText(text: string): AccountClaims[] {
  const parsed = JSON.parse(text) as { accounts?: AccountClaims[] };
  return parsed.accounts ?? [];
}

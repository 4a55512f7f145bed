import type { TradingService } from '../../api/tradingservice/schema.ts';
import { keyOf } from '../../render/build-model.ts';
import {
  accountsText,
  parseAccountsText,
  REVOKED_FOREVER,
  type AccountClaims,
} from '../../render/nats/jwt.ts';
import type { Platform } from '../../api/platform/settings.ts';
import type { NatsAuthExtras, NatsAuthMode } from './nats.ts';
import type { NatsUsers } from './nkey-rotation.ts';

/**
 * `nats.auth: jwt` (docs/adr/0060-nats-jwt-auth.md): what nats-server must run is each account's
 * revocation list, not a list of users. Users carry their own JWTs (issued into Vault by the
 * service's reconcile); an account revokes:
 * - a user whose permissions changed: its JWTs issued before the current one;
 * - every user of an isolated namespace: all its JWTs, until the namespace is released;
 * - a deleted service's users, for good (kept in Vault by the account: `retired`).
 * Only accounts whose keys are loaded are rendered: an account's retired users are known only
 * once read from Vault, and pushing it without them would let a deleted service back in.
 */

/** Retired users of an account, or undefined while its keys are not loaded. */
export type RetiredLookup = (account: string) => Readonly<Record<string, number>> | undefined;

function revoke(into: Record<string, number>, key: string, at: number): void {
  into[key] = Math.max(into[key] ?? 0, at);
}

/** What the accounts are rendered from: the services, their keys and what NatsAuth adds. */
export interface JwtAccountsInput {
  services: readonly TradingService[];
  nkeys: ReadonlyMap<string, string>;
  extras: NatsAuthExtras;
}

/** A service's revocations: all its JWTs while isolated, else those older than its newest. */
function serviceRevocations(
  service: TradingService,
  user: string,
  { extras }: JwtAccountsInput,
): [string, number][] {
  const key = keyOf(service);
  if (extras.isolated?.has(service.metadata.namespace ?? '')) {
    const previous = extras.previous?.get(key);
    return [user, ...(previous ? [previous] : [])].map((k) => [k, REVOKED_FOREVER]);
  }
  const before = extras.revokedBefore?.get(key);
  return before === undefined ? [] : [[user, before]];
}

export function jwtAccounts(
  platform: Platform,
  input: JwtAccountsInput,
  retired: RetiredLookup,
): AccountClaims[] {
  const accounts = new Map<string, Record<string, number>>();
  const accountOf = (name: string) => {
    const known = accounts.get(name);
    if (known) return known;
    const gone = retired(name);
    if (!gone) return undefined;
    const revocations = { ...gone };
    accounts.set(name, revocations);
    return revocations;
  };
  accountOf(platform.nats.account);
  for (const service of input.services) {
    const name = service.spec.nats?.account ?? platform.nats.account;
    const user = input.nkeys.get(keyOf(service));
    if (!service.spec.nats || !user || name === platform.nats.systemAccount) continue;
    const revocations = accountOf(name);
    if (!revocations) continue;
    for (const [k, at] of serviceRevocations(service, user, input)) revoke(revocations, k, at);
  }
  return [...accounts].map(([name, revocations]) => ({ name, revocations }));
}

/**
 * Whether accounts `text` give a (not isolated) service's `users` in `account` what they need:
 * the account is there, its current user is revoked exactly as its state says (before its
 * newest JWT, or not at all) and a previous key of a rotation not at all. Anything else, and
 * the service waits for a write of its own.
 */
export function accountsHold(
  accounts: readonly AccountClaims[],
  account: string,
  users: NatsUsers,
): boolean {
  const claims = accounts.find((a) => a.name === account);
  if (!claims || !users.natsUser) return false;
  const revoked = (key: string): number | undefined => claims.revocations[key];
  if (revoked(users.natsUser) !== users.revokedBefore) return false;
  return !users.previousNatsUser || revoked(users.previousNatsUser) === undefined;
}

/** The NatsAuth mode of decentralized auth over an authority's retired users. */
export function jwtMode(retired: RetiredLookup, version: () => number): NatsAuthMode {
  // The running text is parsed once, not once per service that asks.
  let parsed: { text: string; accounts: AccountClaims[] } | undefined;
  const accountsOf = (text: string) => {
    if (parsed?.text !== text) parsed = { text, accounts: parseAccountsText(text) };
    return parsed.accounts;
  };
  return {
    text: (platform, services, nkeys, extras) =>
      accountsText(jwtAccounts(platform, { services, nkeys, extras }, retired)),
    fingerprint: () => String(version()),
    holds: (text, account, users) => accountsHold(accountsOf(text), account, users),
  };
}

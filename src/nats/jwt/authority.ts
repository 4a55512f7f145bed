import { encodeAccount, encodeOperator, encodeUser, fmtCreds } from '@nats-io/jwt';
import type { KeyPair } from '@nats-io/nkeys';
import { UNLIMITED_ACCOUNT, type AccountClaims, type UserClaims } from '../../render/nats/jwt.ts';
import { jwtClaims } from '../../render/nats/resolver.ts';
import { fromSeed, newKey, type NkeyKind } from './keys.ts';

/**
 * The keys of NATS decentralized auth and what they sign (docs/adr/0060-nats-jwt-auth.md). The
 * seeds live in Vault KV under `<kvMount>/posture/nats/_jwt/` (`_jwt` is no namespace name, so it
 * never meets a service's seed at `posture/nats/<namespace>/<name>`), read once and held in
 * memory; every key is created by check-and-set on version 0, so two operators starting at once
 * end with one key. An account keeps, beside its keys, the users it revoked for good (deleted
 * services): nothing in the cluster remembers them once their CR is gone.
 */

/** The part of the Vault adapter this needs (injected; the Vault adapter satisfies it). */
export interface KeyStore {
  kvRead(path: string): Promise<{ data: Record<string, string>; version: number } | undefined>;
  kvWrite(path: string, data: Record<string, string>, cas?: number): Promise<{ version: number }>;
}

export const jwtKeysPath = (kvMount: string, name: string) =>
  `${kvMount}/posture/nats/_jwt/${name}`;

const OPERATOR = 'operator';
const accountEntry = (name: string) => `account-${name}`;

interface AccountKeys {
  name: string;
  identity: KeyPair;
  signing: KeyPair;
  /** Users revoked for good, by public key → time (Unix seconds); persisted in Vault. */
  retired: Record<string, number>;
  version: number;
}

function isCasConflict(error: unknown): boolean {
  return error instanceof Error && /check-and-set/i.test(error.message);
}

/** Reads the entry, or creates it with `make()` by check-and-set; a lost race reads the winner's. */
async function readOrCreate(
  store: KeyStore,
  path: string,
  make: () => Record<string, string>,
): Promise<{ data: Record<string, string>; version: number }> {
  const found = await store.kvRead(path);
  if (found) return found;
  try {
    const data = make();
    const { version } = await store.kvWrite(path, data, 0);
    return { data, version };
  } catch (error) {
    if (!isCasConflict(error)) throw error;
    const winner = await store.kvRead(path);
    if (!winner) throw error;
    return winner;
  }
}

function seedOf(data: Record<string, string>, field: string, kind: NkeyKind, path: string) {
  const seed = data[field];
  if (!seed) throw new Error(`${path} has no ${field}: it was not written by posture`);
  return fromSeed(seed, kind);
}

function parseRetired(text: string | undefined): Record<string, number> {
  if (!text) return {};
  const parsed = JSON.parse(text) as unknown;
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, number>) : {};
}

export interface AuthorityOptions {
  /** Create the operator key when Vault holds none (`posture nats init`); else it must exist. */
  create?: boolean;
  /** The operator JWT the platform settings name: Vault's key must be its subject. */
  expectOperatorJwt?: string;
  /**
   * The system account: its keys sign the operator's own pushes, and no service is rendered in
   * it, so loading them is no change of the accounts' render (`changes`).
   */
  systemAccount?: string;
}

export class JwtAuthority {
  readonly #store: KeyStore;
  readonly #kvMount: string;
  readonly #options: AuthorityOptions;
  #operator: Promise<KeyPair> | undefined;
  readonly #accounts = new Map<string, AccountKeys>();
  readonly #loading = new Map<string, Promise<AccountKeys>>();
  #changes = 0;

  /** Reads nothing yet: the operator key is read (and checked) at first use, or by `ready`. */
  constructor(store: KeyStore, kvMount: string, options: AuthorityOptions = {}) {
    this.#store = store;
    this.#kvMount = kvMount;
    this.#options = options;
  }

  /** Reads and checks the operator key; a failure is reported again at the next use. */
  async ready(): Promise<void> {
    await this.#operatorKey();
  }

  #operatorKey(): Promise<KeyPair> {
    this.#operator ??= this.#loadOperator().catch((error: unknown) => {
      this.#operator = undefined;
      throw error;
    });
    return this.#operator;
  }

  async #loadOperator(): Promise<KeyPair> {
    const path = jwtKeysPath(this.#kvMount, OPERATOR);
    const entry = this.#options.create
      ? await readOrCreate(this.#store, path, () => ({ seed: newKey('operator').seed }))
      : await this.#store.kvRead(path);
    if (!entry)
      throw new Error(
        `no NATS operator key at ${path}: run \`posture nats init\` once (it creates the keys in Vault and prints the platform settings)`,
      );
    const operator = seedOf(entry.data, 'seed', 'operator', path);
    const expectedJwt = this.#options.expectOperatorJwt;
    const expected = expectedJwt && jwtClaims(expectedJwt).sub;
    if (expected && expected !== operator.getPublicKey())
      throw new Error(
        `nats.jwt.operator names operator ${expected}, but Vault holds the key of ${operator.getPublicKey()} at ${path}: the platform settings and Vault belong to different NATS operators`,
      );
    return operator;
  }

  /** Counts loaded accounts and retirements: what the accounts' render depends on besides the cache. */
  get changes(): number {
    return this.#changes;
  }

  async operatorPublicKey(): Promise<string> {
    return (await this.#operatorKey()).getPublicKey();
  }

  /** An account's keys, created in Vault on first use. */
  account(name: string): Promise<AccountKeys> {
    const known = this.#accounts.get(name);
    if (known) return Promise.resolve(known);
    let loading = this.#loading.get(name);
    if (!loading) {
      loading = this.#loadAccount(name).finally(() => this.#loading.delete(name));
      this.#loading.set(name, loading);
    }
    return loading;
  }

  async #loadAccount(name: string): Promise<AccountKeys> {
    const path = jwtKeysPath(this.#kvMount, accountEntry(name));
    const { data, version } = await readOrCreate(this.#store, path, () => ({
      seed: newKey('account').seed,
      signingSeed: newKey('account').seed,
    }));
    const keys: AccountKeys = {
      name,
      identity: seedOf(data, 'seed', 'account', path),
      signing: seedOf(data, 'signingSeed', 'account', path),
      retired: parseRetired(data.retired),
      version,
    };
    this.#accounts.set(name, keys);
    if (name !== this.#options.systemAccount) this.#changes += 1;
    return keys;
  }

  /** The users an account revoked for good (loaded accounts only: the render is synchronous). */
  retired(name: string): Readonly<Record<string, number>> | undefined {
    return this.#accounts.get(name)?.retired;
  }

  /**
   * Revokes users for good (a deleted service's keys): written to Vault before anything is
   * pushed, so no restart forgets them. Check-and-set; a conflict reads Vault and tries again.
   */
  async retire(name: string, publicKeys: readonly string[], at: number): Promise<void> {
    const path = jwtKeysPath(this.#kvMount, accountEntry(name));
    for (let attempt = 0; ; attempt += 1) {
      const keys = await this.account(name);
      if (publicKeys.every((k) => (keys.retired[k] ?? 0) >= at)) return;
      const retired = { ...keys.retired };
      for (const key of publicKeys) retired[key] = Math.max(retired[key] ?? 0, at);
      const data = {
        seed: new TextDecoder().decode(keys.identity.getSeed()),
        signingSeed: new TextDecoder().decode(keys.signing.getSeed()),
        retired: JSON.stringify(retired),
      };
      try {
        const { version } = await this.#store.kvWrite(path, data, keys.version);
        this.#accounts.set(name, { ...keys, retired, version });
        this.#changes += 1;
        return;
      } catch (error) {
        if (!isCasConflict(error) || attempt >= 3) throw error;
        this.#accounts.delete(name);
      }
    }
  }

  /** The operator JWT nats-server trusts; names the system account. */
  async operatorJwt(systemAccount: string): Promise<string> {
    const operator = await this.#operatorKey();
    return encodeOperator('posture', operator, { system_account: systemAccount });
  }

  /** An account JWT signed by the operator: its signing key, revocations, no limits. */
  async accountJwt(claims: AccountClaims): Promise<string> {
    const keys = await this.account(claims.name);
    return encodeAccount(
      claims.name,
      keys.identity,
      {
        signing_keys: [keys.signing.getPublicKey()],
        limits: { ...UNLIMITED_ACCOUNT },
        ...(Object.keys(claims.revocations).length > 0 && { revocations: claims.revocations }),
      },
      { signer: await this.#operatorKey() },
    );
  }

  /** A user JWT signed by the account's signing key (never its identity key). */
  async userJwt(
    account: string,
    user: { id: string; publicKey: string },
    claims: UserClaims,
  ): Promise<string> {
    const keys = await this.account(account);
    return encodeUser(
      user.id,
      user.publicKey,
      keys.identity.getPublicKey(),
      { ...claims },
      { signer: keys.signing },
    );
  }

  /** Creds for a fresh user of `account` with every permission: posture's own system user. */
  async creds(account: string, id: string): Promise<Uint8Array> {
    const user = newKey('user').pair;
    const jwt = await this.userJwt(
      account,
      { id, publicKey: user.getPublicKey() },
      { pub: { allow: ['>'] }, sub: { allow: ['>'] } },
    );
    return fmtCreds(jwt, user);
  }
}

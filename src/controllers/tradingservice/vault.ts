import { fromSeed } from '@nats-io/nkeys';
import { fmtCreds } from '@nats-io/jwt';
import type { KeyPair } from '@nats-io/nkeys';
import type { JwtAuthority } from '../../nats/jwt/authority.ts';
import { fromSeed as userKey } from '../../nats/jwt/keys.ts';
import type { UserClaims } from '../../render/nats/jwt.ts';
import { jwtClaims } from '../../render/nats/resolver.ts';
import { revocationFor, type UserJwtDecision, type UserJwtObservation } from './user-jwt.ts';
import { newUserNkey } from '../../nats/nkey.ts';
import type { VaultAdapter } from '../../vault/adapter.ts';
import { isCasMismatch, VaultUnavailableError } from '../../vault/errors.ts';
import type { Platform } from '../../api/platform/settings.ts';
import { NATS_SEED } from '../../render/build-model.ts';
import type { VaultObservation } from './decide.ts';
import { ABSENT, memoKey, type VaultMemo } from './vault-memo.ts';

/**
 * The Vault side of a TradingService: its NKey pair (seed in KV, never in Kubernetes, one KV
 * version per rotation) and, with `nats.auth: jwt`, its creds in the same entry (one KV version
 * per JWT issued, docs/adr/0071), and the KV versions of what it reads (metadata only). Its
 * policy and role are vault-access.ts. What posture itself wrote is remembered until the next
 * resync (vault-memo.ts); what others write (the pinned versions) is read every time.
 */

/** Where a service's Vault state lives, and the memo of what posture wrote there. */
export interface VaultScope {
  vault: VaultAdapter;
  platform: Platform;
  memo: VaultMemo;
}

/** The scope of a controller context (the TradingService reconciler's, the isolation's). */
export const vaultScope = (ctx: {
  deps: { vault: VaultAdapter };
  platform: Platform;
  memo: VaultMemo;
}): VaultScope => ({ vault: ctx.deps.vault, platform: ctx.platform, memo: ctx.memo });

export interface ServiceRef {
  namespace: string;
  name: string;
}

/**
 * Where posture keeps a service's NKey seed: `<kvMount>/posture/nats/<ns>/<name>`. With
 * `nats.auth: jwt` its creds live in the same entry (docs/adr/0071): a new key and its first JWT
 * are one write, and a JWT issued later is the entry's next version.
 */
export function nkeyPath(platform: Platform, ref: ServiceRef): string {
  return `${platform.vault.kvMount}/posture/nats/${ref.namespace}/${ref.name}`;
}

function publicKeyOf(data: Record<string, string>): string | undefined {
  if (data.publicKey) return data.publicKey;
  const seed = data[NATS_SEED.field];
  return seed ? fromSeed(new TextEncoder().encode(seed)).getPublicKey() : undefined;
}

type Entry = { data: Record<string, string>; version: number } | undefined;

/** The newest seed's version and public key, or undefined when Vault holds none. */
function nkeyOf(secret: Entry) {
  const publicKey = secret ? publicKeyOf(secret.data) : undefined;
  return secret && publicKey ? { version: secret.version, publicKey } : undefined;
}

/**
 * The NKey's newest version and public key, read once for both memo entries: with
 * `nats.auth: jwt` the same read says what the creds' JWT says (docs/adr/0071).
 */
async function observeNkey(
  vault: VaultAdapter,
  platform: Platform,
  ref: ServiceRef,
  memo: VaultMemo,
) {
  const key = memoKey.nkey(ref);
  let creds: UserJwtObservation | undefined;
  const nkey = await memo.read(key, async () => {
    const secret = await vault.kvRead(nkeyPath(platform, ref));
    creds = secret && credsObservation(secret.data, secret.version);
    return nkeyOf(secret);
  });
  const credsKey = memoKey.creds(ref);
  const kept = memo.known(key) !== undefined && memo.known(credsKey) === undefined;
  if (platform.nats.auth === 'jwt' && kept) memo.remember(credsKey, creds ?? ABSENT);
  return nkey;
}

/** The current KV version of each path (metadata only, never a value); absent ones left out. */
async function currentVersions(
  vault: VaultAdapter,
  paths: readonly string[],
): Promise<Map<string, number>> {
  const read = async (path: string) => [path, (await vault.kvMetadata(path))?.currentVersion];
  const entries = await Promise.all(paths.map(read));
  return new Map(entries.filter((e): e is [string, number] => typeof e[1] === 'number'));
}

/**
 * Gather: the NKey's newest version and public key (never the seed past this function), the
 * current KV version of each path in `versioned` (pinned in the pod template), or that Vault
 * is down. A refusal (403) is thrown: the reconcile reports it and looks again slowly.
 */
export async function observeVault(
  vault: VaultAdapter,
  platform: Platform,
  ref: ServiceRef,
  { versioned, memo }: { versioned: readonly string[]; memo: VaultMemo },
): Promise<VaultObservation> {
  try {
    const [nkey, versions] = await Promise.all([
      observeNkey(vault, platform, ref, memo),
      currentVersions(vault, versioned),
    ]);
    return { state: 'reachable', ...(nkey && { nkey }), versions };
  } catch (error) {
    if (error instanceof VaultUnavailableError)
      return { state: 'unavailable', message: error.message };
    throw error;
  }
}

/** An NKey pair this reconcile made: its seed goes to Vault, and to its creds (never status). */
export interface NewNkey {
  publicKey: string;
  version: number;
  seed: string;
}

/**
 * A new NKey user pair; the seed goes to Vault only, as the version after `cas` (0: the first),
 * so a retry after a crash never writes twice. The seed is returned for the creds this
 * reconcile issues next (read back from Vault, it cost a request and a key derivation per
 * service). Someone else's write in between fails this one with a plain error: the retry reads
 * Vault again and takes up what it finds.
 */
export async function writeNkey(
  { vault, platform, memo }: VaultScope,
  ref: ServiceRef,
  cas: number,
): Promise<NewNkey> {
  const { publicKey, seed } = newUserNkey();
  const path = nkeyPath(platform, ref);
  // With `nats.auth: jwt` the creds share this entry: a version with a seed alone holds none.
  memo.forget(memoKey.creds(ref));
  try {
    // The memo keeps the version and public key, never the seed.
    const stored = await memo.write(memoKey.nkey(ref), async () => {
      const written = await vault.kvWrite(path, { [NATS_SEED.field]: seed, publicKey }, cas);
      return { publicKey, version: written.version };
    });
    return { ...stored, seed };
  } catch (error) {
    if (!isCasMismatch(error)) throw error;
    memo.taken(memoKey.nkey(ref));
    throw new Error(`the NKey seed at ${path} changed since it was read: reading it again`, {
      cause: error,
    });
  }
}

/** The creds' newest version and what its JWT says (the seed in it stays here). */
export async function observeUserJwt(
  vault: VaultAdapter,
  platform: Platform,
  ref: ServiceRef,
): Promise<UserJwtObservation | undefined> {
  const secret = await vault.kvRead(nkeyPath(platform, ref));
  return secret && credsObservation(secret.data, secret.version);
}

/** What a version of the creds says: its JWT's claims and what posture wrote beside it. */
function credsObservation(
  data: Record<string, string>,
  version: number,
): UserJwtObservation | undefined {
  return data.jwt ? jwtObservation(data.jwt, data, version) : undefined;
}

function jwtObservation(
  jwt: string,
  data: Record<string, string>,
  version: number,
): UserJwtObservation {
  const claims = jwtClaims(jwt) as ReturnType<typeof jwtClaims> & {
    iat?: number;
    nats?: Partial<UserClaims> & { issuer_account?: string };
  };
  return {
    ...credsFields(data),
    version,
    publicKey: claims.sub,
    account: claims.nats?.issuer_account ?? '',
    claims: claims.nats ?? {},
    iat: claims.iat ?? 0,
  };
}

/** What posture writes beside the JWT: the revocation it brought and the account's name. */
function credsFields(
  data: Record<string, string>,
): Pick<UserJwtObservation, 'revokedBefore' | 'accountName'> {
  const revokedBefore = Number(data.revokedBefore);
  return {
    ...(data.account && { accountName: data.account }),
    ...(Number.isInteger(revokedBefore) && revokedBefore > 0 && { revokedBefore }),
  };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Waits until the clock's second is past `iat`: a JWT's issue time is its revocation key. */
async function pastSecond(iat: number): Promise<void> {
  while (nowSeconds() <= iat) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** The newest seed in Vault, and its public key. */
async function readSeed(vault: VaultAdapter, path: string) {
  const entry = await vault.kvRead(path);
  const seed = entry?.data[NATS_SEED.field];
  if (!seed) throw new Error(`no NKey seed at ${path} yet: reading it again`);
  // Native Ed25519: @nats-io/nkeys derives the public key in pure JavaScript (milliseconds).
  return { seed, publicKey: userKey(seed, 'user').getPublicKey() };
}

/** The creds file nats clients read: the JWT, then the seed (fmtCreds reads only the seed). */
function credsText(jwt: string, seed: string): string {
  const pair = { getSeed: () => new TextEncoder().encode(seed) } as unknown as KeyPair;
  return new TextDecoder().decode(fmtCreds(jwt, pair));
}

/** What issueUserJwt issues for: the account, the permissions and the key. */
export interface UserJwtRequest {
  account: string;
  claims: UserClaims;
  revokedBefore: number | undefined;
  /** A key this reconcile made: its seed is written with its first JWT, in one version. */
  nkey?: { publicKey: string; seed: string } | undefined;
  /** The key an NKey rotation in flight replaces: kept beside the creds for the cleanup. */
  previous?: string | undefined;
}

/** What a creds write left in Vault: its version, the key, and the revocation it brings. */
export interface IssuedJwt {
  version: number;
  publicKey: string;
  revokedBefore: number | undefined;
}

/**
 * Issues the service's user JWT and writes its creds (JWT and seed, as nats clients read them)
 * into the seed's entry as the version after `cas`, with the revocation it brings
 * (docs/adr/0071). The seed is a new one this reconcile made (`user.nkey`, written here with
 * its first JWT), else read here from the entry; it leaves this function only inside the entry.
 */
export async function issueUserJwt(
  { vault, authority, platform, memo }: VaultScope & { authority: JwtAuthority },
  ref: ServiceRef,
  write: NonNullable<UserJwtDecision['write']>,
  user: UserJwtRequest,
): Promise<IssuedJwt> {
  const path = nkeyPath(platform, ref);
  const { seed, publicKey } = user.nkey ?? (await readSeed(vault, path));
  if (write.replaces) await pastSecond(write.replaces.iat);
  const id = `${ref.namespace}/${ref.name}`;
  const jwt = await authority.userJwt(user.account, { id, publicKey }, user.claims);
  const iat = Number(jwtClaims(jwt).iat);
  const revokedBefore = revocationFor(write.replaces, publicKey, iat, user.revokedBefore);
  const data = {
    [NATS_SEED.field]: seed,
    publicKey,
    jwt,
    creds: credsText(jwt, seed),
    // The account's name: a withdrawn grant is revoked by the account that issued it.
    account: user.account,
    ...(revokedBefore !== undefined && { revokedBefore: String(revokedBefore) }),
    ...(user.previous && user.previous !== publicKey && { previousPublicKey: user.previous }),
  };
  memo.forget(memoKey.nkey(ref));
  try {
    const { version } = await memo.write(memoKey.creds(ref), async () => {
      const written = await vault.kvWrite(path, data, write.cas);
      // What a read of this version says (the memo never holds the seed).
      return jwtObservation(jwt, data, written.version);
    });
    memo.remember(memoKey.nkey(ref), { version, publicKey });
    return { version, publicKey, revokedBefore };
  } catch (error) {
    if (!isCasMismatch(error)) throw error;
    memo.taken(memoKey.creds(ref));
    memo.taken(memoKey.nkey(ref));
    throw new Error(`the NATS creds at ${path} changed since they were read: reading them again`, {
      cause: error,
    });
  }
}

/**
 * With `nats.auth: jwt`, what a deleted service's account must revoke, from one read of its
 * entry: the creds (undefined: no JWT was ever issued) and every key that may still log in,
 * the newest and, during an NKey rotation, the one it replaces.
 */
export async function retirableKeys(
  vault: VaultAdapter,
  platform: Platform,
  ref: ServiceRef,
): Promise<{ creds: UserJwtObservation | undefined; keys: string[] }> {
  const secret = await vault.kvRead(nkeyPath(platform, ref));
  if (!secret) return { creds: undefined, keys: [] };
  const current = publicKeyOf(secret.data);
  const previous = secret.data.previousPublicKey;
  const keys = [current, previous].filter((k): k is string => k !== undefined && k !== '');
  return { creds: credsObservation(secret.data, secret.version), keys };
}

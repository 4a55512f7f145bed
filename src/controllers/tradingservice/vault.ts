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
import { memoKey, type VaultMemo } from './vault-memo.ts';

/**
 * The Vault side of a TradingService: its NKey pair (seed in KV, never in Kubernetes, one KV
 * version per rotation) and its creds, and the KV versions of what it reads (metadata only).
 * Its policy and role are vault-access.ts. What posture itself wrote is remembered until the
 * next resync (vault-memo.ts); what others write (the pinned versions) is read every time.
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

/** Where posture keeps a service's NKey seed: `<kvMount>/posture/nats/<ns>/<name>`. */
export function nkeyPath(platform: Platform, ref: ServiceRef): string {
  return `${platform.vault.kvMount}/posture/nats/${ref.namespace}/${ref.name}`;
}

function publicKeyOf(data: Record<string, string>): string | undefined {
  if (data.publicKey) return data.publicKey;
  const seed = data[NATS_SEED.field];
  return seed ? fromSeed(new TextEncoder().encode(seed)).getPublicKey() : undefined;
}

/** The newest seed's version and public key, or undefined when Vault holds none. */
async function readNkey(vault: VaultAdapter, path: string) {
  const secret = await vault.kvRead(path);
  const publicKey = secret ? publicKeyOf(secret.data) : undefined;
  return secret && publicKey ? { version: secret.version, publicKey } : undefined;
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
      memo.read(memoKey.nkey(ref), () => readNkey(vault, nkeyPath(platform, ref))),
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

/** Where the creds of `nats.auth: jwt` live: beside the seed, `<seed path>/jwt`. */
export function credsPath(platform: Platform, ref: ServiceRef): string {
  return `${nkeyPath(platform, ref)}/jwt`;
}

/** The creds' newest version and what its JWT says (the seed in it stays here). */
export async function observeUserJwt(
  vault: VaultAdapter,
  platform: Platform,
  ref: ServiceRef,
): Promise<UserJwtObservation | undefined> {
  const secret = await vault.kvRead(credsPath(platform, ref));
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

/**
 * Issues the service's user JWT and writes its creds (JWT and seed, as nats clients read them)
 * as the version after `cas`, with the revocation it brings. The seed is the one this reconcile
 * wrote (`user.nkey`), else read here from the seed's own entry; it leaves this function only
 * inside the creds Vault keeps.
 */
export async function issueUserJwt(
  { vault, authority, platform, memo }: VaultScope & { authority: JwtAuthority },
  ref: ServiceRef,
  write: NonNullable<UserJwtDecision['write']>,
  user: {
    account: string;
    claims: UserClaims;
    revokedBefore: number | undefined;
    /** The NKey this reconcile wrote just before: its seed is not read back. */
    nkey?: NewNkey | undefined;
  },
): Promise<{ version: number; revokedBefore: number | undefined }> {
  const { seed, publicKey } = user.nkey ?? (await readSeed(vault, nkeyPath(platform, ref)));
  if (write.replaces) await pastSecond(write.replaces.iat);
  const id = `${ref.namespace}/${ref.name}`;
  const jwt = await authority.userJwt(user.account, { id, publicKey }, user.claims);
  const iat = Number(jwtClaims(jwt).iat);
  const revokedBefore = revocationFor(write.replaces, publicKey, iat, user.revokedBefore);
  const creds = credsText(jwt, seed);
  const path = credsPath(platform, ref);
  const data = {
    jwt,
    creds,
    publicKey,
    // The account's name: a withdrawn grant is revoked by the account that issued it.
    account: user.account,
    ...(revokedBefore !== undefined && { revokedBefore: String(revokedBefore) }),
  };
  try {
    const { version } = await memo.write(memoKey.creds(ref), async () => {
      const written = await vault.kvWrite(path, data, write.cas);
      // What a read of this version says (the memo never holds the seed in `creds`).
      return jwtObservation(jwt, data, written.version);
    });
    return { version, revokedBefore };
  } catch (error) {
    if (!isCasMismatch(error)) throw error;
    memo.taken(memoKey.creds(ref));
    throw new Error(`the NATS creds at ${path} changed since they were read: reading them again`, {
      cause: error,
    });
  }
}

/**
 * The public keys of the NKey's newest version and the one before it: during a rotation both
 * can log in, and a rotation that ended retired the older ones already.
 */
export async function nkeyKeys(
  vault: VaultAdapter,
  platform: Platform,
  ref: ServiceRef,
): Promise<string[]> {
  const path = nkeyPath(platform, ref);
  const current = await readNkey(vault, path);
  if (!current) return [];
  const before = current.version > 1 ? await vault.kvRead(path, current.version - 1) : undefined;
  const previous = before && publicKeyOf(before.data);
  return previous ? [current.publicKey, previous] : [current.publicKey];
}

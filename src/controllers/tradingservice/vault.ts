import { fromSeed } from '@nats-io/nkeys';
import { fmtCreds } from '@nats-io/jwt';
import type { JwtAuthority } from '../../nats/jwt/authority.ts';
import { fromSeed as userKey } from '../../nats/jwt/keys.ts';
import type { UserClaims } from '../../render/nats/jwt.ts';
import { jwtClaims } from '../../render/nats/resolver.ts';
import { revocationFor, type UserJwtDecision, type UserJwtObservation } from './user-jwt.ts';
import { newUserNkey } from '../../nats/nkey.ts';
import type { VaultAdapter } from '../../vault/adapter.ts';
import { isCasMismatch, VaultUnavailableError } from '../../vault/errors.ts';
import { policyWrite, roleWrite, type KubernetesAuthRole } from '../../render/vault/policy.ts';
import type { Platform } from '../../api/platform/settings.ts';
import { NATS_SEED } from '../../render/build-model.ts';
import { vaultRoleName, type VaultAccess } from '../../render/service/index.ts';
import type { VaultObservation } from './decide.ts';

/**
 * The Vault side of a TradingService: its NKey pair (seed in KV, never in Kubernetes, one KV
 * version per rotation), the KV versions of what it reads (metadata only), its policy and
 * Kubernetes-auth role. Each function writes only what differs from what Vault has.
 */

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
  versioned: readonly string[] = [],
): Promise<VaultObservation> {
  try {
    const [nkey, versions] = await Promise.all([
      readNkey(vault, nkeyPath(platform, ref)),
      currentVersions(vault, versioned),
    ]);
    return { state: 'reachable', ...(nkey && { nkey }), versions };
  } catch (error) {
    if (error instanceof VaultUnavailableError)
      return { state: 'unavailable', message: error.message };
    throw error;
  }
}

/**
 * A new NKey user pair; the seed goes to Vault only, as the version after `cas` (0: the first),
 * so a retry after a crash never writes twice. Someone else's write in between fails this one
 * with a plain error: the retry reads Vault again and takes up what it finds.
 */
export async function writeNkey(
  vault: VaultAdapter,
  platform: Platform,
  ref: ServiceRef,
  cas: number,
): Promise<{ publicKey: string; version: number }> {
  const { publicKey, seed } = newUserNkey();
  const path = nkeyPath(platform, ref);
  try {
    const written = await vault.kvWrite(path, { [NATS_SEED.field]: seed, publicKey }, cas);
    return { publicKey, version: written.version };
  } catch (error) {
    if (!isCasMismatch(error)) throw error;
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
  const jwt = secret?.data.jwt;
  if (!secret || !jwt) return undefined;
  const claims = jwtClaims(jwt) as ReturnType<typeof jwtClaims> & {
    iat?: number;
    nats?: Partial<UserClaims> & { issuer_account?: string };
  };
  return {
    ...credsFields(secret.data),
    version: secret.version,
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

/**
 * Issues the service's user JWT and writes its creds (JWT and seed, as nats clients read them)
 * as the version after `cas`, with the revocation it brings. The seed is read here, from the
 * seed's own entry, and leaves this function only inside the creds Vault keeps.
 */
export async function issueUserJwt(
  {
    vault,
    authority,
    platform,
  }: { vault: VaultAdapter; authority: JwtAuthority; platform: Platform },
  ref: ServiceRef,
  write: NonNullable<UserJwtDecision['write']>,
  user: { account: string; claims: UserClaims; revokedBefore: number | undefined },
): Promise<{ version: number; revokedBefore: number | undefined }> {
  const seedEntry = await vault.kvRead(nkeyPath(platform, ref));
  const seed = seedEntry?.data[NATS_SEED.field];
  if (!seed) throw new Error(`no NKey seed at ${nkeyPath(platform, ref)} yet: reading it again`);
  // Native Ed25519: @nats-io/nkeys derives the public key in pure JavaScript (milliseconds).
  const pair = userKey(seed, 'user');
  const publicKey = pair.getPublicKey();
  if (write.replaces) await pastSecond(write.replaces.iat);
  const id = `${ref.namespace}/${ref.name}`;
  const jwt = await authority.userJwt(user.account, { id, publicKey }, user.claims);
  const iat = Number(jwtClaims(jwt).iat);
  const revokedBefore = revocationFor(write.replaces, publicKey, iat, user.revokedBefore);
  const creds = new TextDecoder().decode(fmtCreds(jwt, pair));
  const path = credsPath(platform, ref);
  try {
    const written = await vault.kvWrite(
      path,
      {
        jwt,
        creds,
        publicKey,
        // The account's name: a withdrawn grant is revoked by the account that issued it.
        account: user.account,
        ...(revokedBefore !== undefined && { revokedBefore: String(revokedBefore) }),
      },
      write.cas,
    );
    return { version: written.version, revokedBefore };
  } catch (error) {
    if (!isCasMismatch(error)) throw error;
    throw new Error(`the NATS creds at ${path} changed since they were read: reading them again`, {
      cause: error,
    });
  }
}

const SECONDS = { s: 1, m: 60, h: 3600 } as const;

/** Vault answers TTLs in seconds; posture (and the fake adapter) speaks `1h`. */
function seconds(duration: unknown): number {
  const text = String(duration);
  const unit = text.at(-1) as keyof typeof SECONDS;
  if (!(unit in SECONDS)) return Number(text);
  return Number(text.slice(0, -1)) * SECONDS[unit];
}

const sorted = (list: unknown): string[] => (Array.isArray(list) ? list.map(String).sort() : []);

/** Whether the role Vault holds is the one posture wants (Vault reports TTLs in seconds). */
export function roleMatches(live: Record<string, unknown>, want: KubernetesAuthRole): boolean {
  const same = (a: unknown, b: readonly string[]) =>
    JSON.stringify(sorted(a)) === JSON.stringify([...b].sort());
  return (
    same(live.bound_service_account_names, [want.serviceAccount]) &&
    same(live.bound_service_account_namespaces, [want.namespace]) &&
    same(live.token_policies, want.policies) &&
    seconds(live.token_ttl) === seconds(want.tokenTtl) &&
    seconds(live.token_max_ttl) === seconds(want.tokenMaxTtl) &&
    (live.audience ?? '') === (want.audience ?? '')
  );
}

/** Writes the policy and the role when they differ from Vault's; returns the writes sent. */
export async function ensureAccess(vault: VaultAdapter, access: VaultAccess): Promise<number> {
  const ensurePolicy = async () => {
    const policy = policyWrite(access.policy);
    if ((await vault.readPolicy(access.policy.name)) === policy.body.policy) return 0;
    await vault.writePolicy(access.policy.name, policy.body.policy as string);
    return 1;
  };
  // The role names the policy; Vault accepts it before the policy exists, so both go at once.
  const ensureRole = async () => {
    const role = roleWrite(access.role);
    const live = await vault.read(role.path);
    if (live && roleMatches(live, access.role)) return 0;
    await vault.write(role);
    return 1;
  };
  const [policy, role] = await Promise.all([ensurePolicy(), ensureRole()]);
  return policy + role;
}

/**
 * A service that may read nothing from Vault now holds no policy or role: what it held before
 * is deleted (the NKey stays; it is the service's identity, not a grant). Reads first, so a
 * resync of a service without Vault access writes nothing.
 */
export async function dropAccess(
  vault: VaultAdapter,
  platform: Platform,
  ref: ServiceRef,
): Promise<void> {
  const name = vaultRoleName(ref);
  const [policy, role] = await Promise.all([
    vault.readPolicy(name),
    vault.read(`auth/${platform.vault.authMount}/role/${name}`),
  ]);
  if (policy === undefined && role === undefined) return;
  await deleteAccess(vault, platform, ref);
}

/**
 * Deletes the policy, then the role. The policy is the grant: tokens a pod already holds name
 * it, so it goes first. A crash between the two leaves a role whose login grants nothing, and
 * the role is what the sweep lists (docs/adr/0063), so the next pass deletes it. Each delete
 * succeeds when already absent.
 */
export async function deleteAccess(vault: VaultAdapter, platform: Platform, ref: ServiceRef) {
  const name = vaultRoleName(ref);
  await vault.deletePolicy(name);
  await vault.deleteKubernetesRole(platform.vault.authMount, name);
}

/**
 * Everything a deleted service left in Vault: the policy and the role, then the creds and the
 * NKey (the NATS user is gone by then). Every delete succeeds when already absent.
 */
export async function removeAccess(
  vault: VaultAdapter,
  platform: Platform,
  ref: ServiceRef,
): Promise<void> {
  await deleteAccess(vault, platform, ref);
  await vault.kvDestroy(credsPath(platform, ref));
  await vault.kvDestroy(nkeyPath(platform, ref));
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

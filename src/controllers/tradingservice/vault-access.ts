import { policyWrite, roleWrite, type KubernetesAuthRole } from '../../render/vault/policy.ts';
import { vaultRoleName, type VaultAccess } from '../../render/service/index.ts';
import type { VaultAdapter } from '../../vault/adapter.ts';
import { nkeyPath, type ServiceRef, type VaultScope } from './vault.ts';
import { ABSENT, digestOf, memoKey, type VaultMemo } from './vault-memo.ts';

/**
 * A TradingService's grant in Vault: its policy and Kubernetes-auth role, written when they
 * differ from what Vault has and deleted when the service may read nothing. What Vault was
 * last seen or made to hold is remembered until the next resync (vault-memo.ts).
 */

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

/**
 * One of the two writes of a grant: skipped when the memo, else Vault, already has it. With
 * `unseen` (the service was never reconciled: no status) Vault is not asked first: a write of
 * what posture wants is right whatever Vault holds, and is one request where asking was one or
 * two. A reconcile of a service that has a status (a resync) asks first, so it writes nothing.
 */
async function ensure(
  { memo, unseen }: { memo: VaultMemo; unseen: boolean },
  key: string,
  want: string,
  vault: { holds: () => Promise<boolean>; write: () => Promise<void> },
): Promise<number> {
  const known = memo.known<string>(key);
  if (known === want) return 0;
  // Known to differ: no need to ask Vault what it holds.
  if (known === undefined && !unseen && (await vault.holds())) {
    memo.remember(key, want);
    return 0;
  }
  await memo.write(key, async () => {
    await vault.write();
    return want;
  });
  return 1;
}

/** Writes the policy and the role when they differ from Vault's; returns the writes sent. */
export async function ensureAccess(
  vault: VaultAdapter,
  access: VaultAccess,
  { memo, unseen = false }: { memo: VaultMemo; unseen?: boolean },
): Promise<number> {
  const how = { memo, unseen };
  const policy = policyWrite(access.policy);
  const text = policy.body.policy as string;
  const role = roleWrite(access.role);
  // The role names the policy; Vault accepts it before the policy exists, so both go at once.
  const [policies, roles] = await Promise.all([
    ensure(how, memoKey.policy(access.policy.name), digestOf(text), {
      holds: async () => (await vault.readPolicy(access.policy.name)) === text,
      write: () => vault.writePolicy(access.policy.name, text),
    }),
    ensure(how, memoKey.role(access.role.name), digestOf(JSON.stringify(role)), {
      holds: async () => {
        const live = await vault.read(role.path);
        return live !== undefined && roleMatches(live, access.role);
      },
      write: () => vault.write(role),
    }),
  ]);
  return policies + roles;
}

/**
 * Something is there, not known to be what posture wants: what the memo keeps of a grant it
 * only needs to know exists (never equal to a digest, so `ensure` writes over it).
 */
const PRESENT = 'present';

const presence = async (read: Promise<unknown>): Promise<string | undefined> =>
  (await read) === undefined ? undefined : PRESENT;

/**
 * A service that may read nothing from Vault now holds no policy or role: what it held before
 * is deleted (the NKey stays; it is the service's identity, not a grant). Reads first, so a
 * resync of a service without Vault access writes nothing.
 */
export async function dropAccess(scope: VaultScope, ref: ServiceRef): Promise<void> {
  const { vault, platform, memo } = scope;
  const name = vaultRoleName(ref);
  const [policy, role] = await Promise.all([
    memo.read(memoKey.policy(name), () => presence(vault.readPolicy(name))),
    memo.read(memoKey.role(name), () =>
      presence(vault.read(`auth/${platform.vault.authMount}/role/${name}`)),
    ),
  ]);
  if (policy === undefined && role === undefined) return;
  await deleteAccess(scope, ref);
}

/**
 * Deletes the policy, then the role. The policy is the grant: tokens a pod already holds name
 * it, so it goes first. A crash between the two leaves a role whose login grants nothing, and
 * the role is what the sweep lists (docs/adr/0063), so the next pass deletes it. Each delete
 * succeeds when already absent.
 */
export async function deleteAccess(
  { vault, platform, memo }: VaultScope,
  ref: ServiceRef,
): Promise<void> {
  const name = vaultRoleName(ref);
  await memo.write(memoKey.policy(name), async () => {
    await vault.deletePolicy(name);
    return ABSENT;
  });
  await memo.write(memoKey.role(name), async () => {
    await vault.deleteKubernetesRole(platform.vault.authMount, name);
    return ABSENT;
  });
}

/**
 * Everything a deleted service left in Vault: the policy and the role, then the NKey and its
 * creds (the NATS user is gone by then). Every delete succeeds when already absent.
 */
export async function removeAccess(scope: VaultScope, ref: ServiceRef): Promise<void> {
  const { vault, platform, memo } = scope;
  await deleteAccess(scope, ref);
  // With `nats.auth: jwt` the creds are in the NKey's entry (docs/adr/0071): one destroy.
  memo.forget(memoKey.creds(ref));
  await memo.write(memoKey.nkey(ref), async () => {
    await vault.kvDestroy(nkeyPath(platform, ref));
    return ABSENT;
  });
  memo.remember(memoKey.creds(ref), ABSENT);
}

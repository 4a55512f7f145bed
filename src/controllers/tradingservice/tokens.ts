import type { TokenInfo, VaultAdapter } from '../../vault/adapter.ts';
import { VaultRequestError } from '../../vault/errors.ts';

/** Lookups and revocations in flight at once: Vault answers each in about a millisecond. */
const CONCURRENCY = 16;

async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += CONCURRENCY)
    await Promise.all(items.slice(i, i + CONCURRENCY).map(work));
}

/**
 * Revokes every Vault token issued by Kubernetes auth to a ServiceAccount of `namespace`: each
 * accessor is looked up and revoked only when its metadata names that namespace (tokens of
 * other namespaces, Vault's own and the operator's are never touched). Returns how many were
 * revoked.
 */
/** A token that expired between the list and the lookup is gone already: nothing to revoke. */
async function lookup(vault: VaultAdapter, accessor: string): Promise<TokenInfo | undefined> {
  try {
    return await vault.lookupAccessor(accessor);
  } catch (error) {
    if (error instanceof VaultRequestError && error.status === 400) return undefined;
    throw error;
  }
}

export async function revokeNamespaceTokens(
  vault: VaultAdapter,
  namespace: string,
  operatorRole?: string,
): Promise<number> {
  const accessors = await vault.listAccessors();
  let revoked = 0;
  await inBatches(accessors, async (accessor) => {
    const token = await lookup(vault, accessor);
    if (token?.meta['service_account_namespace'] !== namespace) return;
    // The operator's own login, should it run in the isolated namespace, finishes the job.
    if (operatorRole !== undefined && token.meta['role'] === operatorRole) return;
    await vault.revokeAccessor(accessor);
    revoked += 1;
  });
  return revoked;
}

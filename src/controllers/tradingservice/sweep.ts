import type { Platform } from '../../api/platform/settings.ts';
import { splitKey } from '../../operator/kube/types.ts';
import { vaultRoleName } from '../../render/service/index.ts';
import type { VaultAdapter } from '../../vault/adapter.ts';
import { VaultRequestError } from '../../vault/errors.ts';
import type { ServiceRef } from './vault.ts';

/**
 * The Vault sweep (docs/adr/0063): what Vault holds for TradingServices, listed, against the
 * services the cache has. A service deleted while no operator ran (or whose delete the watch
 * missed) has no event left to react to; the sweep finds its state and queues its key, and the
 * reconcile of a key the cache does not have removes it. It runs with every resync.
 */

/** The sweep's queue key: TradingService keys are `namespace/name`, so no service has it. */
export const SWEEP_KEY = '<vault sweep>';

const withoutSlash = (key: string) => (key.endsWith('/') ? key.slice(0, -1) : key);

/**
 * A namespace or a TradingService name (DNS labels). Anything else under the NKey folder is not
 * a service's: the NATS operator and account keys live at `posture/nats/_jwt/` (ADR 0060), and
 * the sweep must never take them for a deleted service's.
 */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The keys of `refs` the cache does not have, each once, sorted. */
export function orphanKeys(
  refs: readonly ServiceRef[],
  cached: (key: string) => boolean,
): string[] {
  const keys = new Set(refs.map((r) => `${r.namespace}/${r.name}`));
  return [...keys].filter((key) => !cached(key)).sort();
}

/**
 * The service a Kubernetes-auth role was written for: posture binds a service's role to its
 * own ServiceAccount (named like the service) and names it vaultRoleName. Any other role, even
 * one whose name starts the same, is not a service's.
 */
export function serviceOfRole(name: string, role: Record<string, unknown>): ServiceRef | undefined {
  const [account] = (role.bound_service_account_names ?? []) as unknown[];
  const [namespace] = (role.bound_service_account_namespaces ?? []) as unknown[];
  if (typeof account !== 'string' || typeof namespace !== 'string') return undefined;
  const ref = { namespace, name: account };
  return vaultRoleName(ref) === name ? ref : undefined;
}

const SERVICE_ROLE = /^posture-[^-]+-./;

/**
 * A role, or undefined when the operator may not read it: its policy grants every posture-*
 * role but its own, and a role it may not read is not one it wrote for a service.
 */
async function readRole(vault: VaultAdapter, path: string) {
  try {
    return await vault.read(path);
  } catch (error) {
    if (error instanceof VaultRequestError && error.status === 403) return undefined;
    throw error;
  }
}

/** Services with an NKey (and creds): `<kv>/metadata/posture/nats/<namespace>/<name>`. */
async function nkeyRefs(vault: VaultAdapter, platform: Platform, scope?: string) {
  const root = `${platform.vault.kvMount}/metadata/posture/nats/`;
  const folders = scope ? [scope] : (await vault.list(root)).filter((k) => k.endsWith('/'));
  const namespaces = folders.map(withoutSlash).filter((ns) => DNS_LABEL.test(ns));
  const listed = await Promise.all(
    namespaces.map(async (namespace) => {
      const names = (await vault.list(`${root}${namespace}/`)).map(withoutSlash);
      return names.filter((name) => DNS_LABEL.test(name)).map((name) => ({ namespace, name }));
    }),
  );
  return listed.flat();
}

/**
 * Services with a role. Only roles no cached service explains are read (one read each), so a
 * sweep of a platform with nothing deleted lists and reads nothing more.
 */
async function roleRefs(
  vault: VaultAdapter,
  platform: Platform,
  explained: (roleName: string) => boolean,
  scope?: string,
) {
  const mount = `auth/${platform.vault.authMount}/role`;
  // A service's role is posture-<namespace>-<name>: posture-operator is none.
  const names = (await vault.list(mount)).filter((n) => SERVICE_ROLE.test(n) && !explained(n));
  const refs: ServiceRef[] = [];
  for (const name of names) {
    const role = await readRole(vault, `${mount}/${name}`);
    const ref = role && serviceOfRole(name, role);
    if (ref && (scope === undefined || ref.namespace === scope)) refs.push(ref);
  }
  return refs;
}

export interface SweepScope {
  /** A namespace-scoped operator's namespace: nothing outside it is touched. */
  namespace?: string | undefined;
  /** The role the operator logs in with: its policy denies reading it, and it is no service's. */
  ownRole?: string | undefined;
}

/**
 * The keys of services Vault holds state for and the cache does not have. `cachedKeys` are the
 * TradingServices the informer has (`namespace/name`).
 */
export async function sweepVault(
  vault: VaultAdapter,
  platform: Platform,
  cachedKeys: ReadonlySet<string>,
  { namespace: scope, ownRole }: SweepScope = {},
): Promise<string[]> {
  const roles = new Set(
    [...cachedKeys].map((key) => {
      const { namespace = '', name } = splitKey(key);
      return vaultRoleName({ namespace, name });
    }),
  );
  if (ownRole) roles.add(ownRole);
  const [nkeys, bound] = await Promise.all([
    nkeyRefs(vault, platform, scope),
    roleRefs(vault, platform, (n) => roles.has(n), scope),
  ]);
  return orphanKeys([...nkeys, ...bound], (key) => cachedKeys.has(key));
}

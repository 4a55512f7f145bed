import type { Platform } from '../api/platform/settings.ts';

/**
 * Which Vault paths a CR may name (docs/adr/0037-vault-tenancy.md). posture writes Vault policies
 * with its own power: a CR grants only what its namespace owns, a credential's or key ring's
 * path only through that CR, and posture's own prefix never. Pure: the render and the operator
 * both ask here, so `posture synth` refuses exactly what the operator refuses.
 */

/** Where posture keeps what it generates (NKey seeds): never grantable to a CR. */
export function postureOwnPrefix(platform: Platform): string {
  return `${platform.vault.kvMount}/posture/`;
}

/** The prefix a namespace owns: `<kvMount>/<namespace>/` unless the platform says otherwise. */
export function namespacePrefix(platform: Platform, namespace: string): string {
  const template =
    platform.vault.tenancy.namespacePrefix ?? `${platform.vault.kvMount}/{namespace}/`;
  return template.replaceAll('{namespace}', namespace);
}

/**
 * Where a namespace keeps its exchange keys: `exchanges/` in the prefix it owns. The operator
 * reads keys only there, to ask the exchange about them (docs/adr/0044).
 */
export function exchangeKeyPrefix(platform: Platform, namespace: string): string {
  return `${namespacePrefix(platform, namespace)}exchanges/`;
}

/**
 * The KV v2 data paths of every namespace's exchange keys as one Vault ACL path: the namespace
 * segment becomes `+` (one segment, any name), `secret/{namespace}/` → `secret/data/+/exchanges/*`.
 */
export function exchangeKeyDataGlob(platform: Platform): string {
  const template =
    platform.vault.tenancy.namespacePrefix ?? `${platform.vault.kvMount}/{namespace}/`;
  const [mount = '', ...rest] = template.split('/').filter((segment) => segment !== '');
  const segments = rest.map((segment) => (segment.includes('{namespace}') ? '+' : segment));
  return [mount, 'data', ...segments, 'exchanges', '*'].join('/');
}

const under = (path: string, prefix: string) => `${path}/`.startsWith(prefix);

/** What a CR does with a path: a TradingService reads it, a credential or key ring owns it. */
export type PathUse = 'secret' | 'owned';

/**
 * Why `path` may not be named by a CR of `namespace`, or undefined when it may. Shared prefixes
 * serve plain secrets only: a credential or key ring lives in its namespace's own prefix, so
 * nothing outside that namespace can collide with it.
 */
export function pathRefusal(
  platform: Platform,
  namespace: string,
  path: string,
  use: PathUse,
): string | undefined {
  const own = postureOwnPrefix(platform);
  if (under(path, own))
    return `${path} is under ${own}, where posture keeps the NKey seeds it generates: no resource can be granted it`;
  const prefix = namespacePrefix(platform, namespace);
  if (under(path, prefix)) return undefined;
  const shared = platform.vault.tenancy.sharedPrefixes;
  if (use === 'secret' && shared.some((p) => under(path, p))) return undefined;
  const allowed = use === 'secret' ? [prefix, ...shared].join(', ') : prefix;
  const fix =
    use === 'secret'
      ? 'move the secret there, or have a platform admin add a reviewed prefix to vault.tenancy.sharedPrefixes in platform.yaml'
      : 'move the key there (shared prefixes hold plain secrets only)';
  return `${path} is outside what namespace ${namespace} owns in Vault (${allowed}): ${fix}`;
}

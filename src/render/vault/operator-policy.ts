import type { Platform } from '../../api/platform/settings.ts';
import { exchangeKeyDataGlob } from '../tenancy.ts';
import { policyWrite, type PolicyRule, type VaultPolicy, type VaultWrite } from './policy.ts';
import { VAULT_AUDIENCE } from './policy.ts';

/**
 * The Vault policy of the operator itself: exactly the calls the reconcilers make, rendered from
 * the platform's mounts. Each rule names the code that needs it; a new Vault call in
 * src/controllers/ needs a rule here, and test/integration/vault-operator-login.test.ts proves the
 * operator runs a whole lifecycle on this policy alone with no request denied.
 */

/** The operator's own policy and Kubernetes-auth role. */
export const OPERATOR_POLICY = 'posture-operator';

/** Policies and roles posture writes are all named `posture-<namespace>-<name>` (vaultRoleName). */
const MANAGED = 'posture-*';

export interface OperatorPolicyOptions {
  /**
   * KV paths (`<mount>/<path prefix>`, `+` for one segment) whose metadata (never a value) the
   * operator reads: the current version of every secret and exchange key a service reads (pinned
   * in its pod template) and an exchange key's age.
   * @default where the platform's tenancy lets CRs name paths: each namespace's prefix
   * (`{namespace}` as `+`) and the shared prefixes
   */
  metadataPrefixes?: readonly string[];
  /**
   * KV paths (`<mount>/<path prefix>`, `+` for one segment) under which HmacKeyRings keep their
   * keys; the operator reads and writes them (it generates every key).
   * @default `<kvMount>/+/hmac/`: a ring at `<namespace>/hmac/<name>` under the default tenancy
   */
  hmacPrefixes?: readonly string[];
  /** @default OPERATOR_POLICY */
  name?: string;
}

const PREFIX = /^([A-Za-z0-9_-]+)\/((?:(?:\+|[A-Za-z0-9_-][A-Za-z0-9_.-]*)\/)*)$/;

/**
 * `secret/titan/exchanges` → `secret/<kind>/titan/exchanges/*`; `secret/` → `secret/<kind>/*`;
 * a `+` segment matches any one segment (Vault's policy glob).
 */
function kvGlob(prefix: string, kind: 'data' | 'metadata'): string {
  const match = PREFIX.exec(prefix.endsWith('/') ? prefix : `${prefix}/`);
  if (!match || prefix.split('/').includes('..')) {
    throw new Error(
      `KV prefix ${JSON.stringify(prefix)}: use <mount>/ or <mount>/<path>/, such as secret/titan/exchanges/ or secret/+/hmac/`,
    );
  }
  return `${match[1]}/${kind}/${match[2]}*`;
}

export const metadataGlob = (prefix: string): string => kvGlob(prefix, 'metadata');

/**
 * The metadata glob of the tenancy's namespace prefix: a `{namespace}` segment becomes `+`; a
 * segment that only contains it (`team-{namespace}`) ends the glob there, the narrowest Vault can
 * say (`kv/metadata/team-*`).
 */
function namespaceMetadataGlob(platform: Platform): string {
  const template =
    platform.vault.tenancy.namespacePrefix ?? `${platform.vault.kvMount}/{namespace}/`;
  const [mount = '', ...segments] = template.split('/').filter((s) => s !== '');
  const glob: string[] = [];
  for (const segment of segments) {
    const at = segment.indexOf('{namespace}');
    if (at < 0 || segment === '{namespace}') glob.push(at < 0 ? segment : '+');
    else return `${mount}/metadata/${[...glob, segment.slice(0, at)].join('/')}*`;
  }
  return `${mount}/metadata/${glob.join('/')}/*`;
}

/** Every KV path a CR may name, as metadata globs (docs/adr/0037, docs/adr/0045). */
export function tenancyMetadataGlobs(platform: Platform): string[] {
  const shared = platform.vault.tenancy.sharedPrefixes.map(metadataGlob);
  return [namespaceMetadataGlob(platform), ...shared];
}

function managedRules(platform: Platform, name: string): PolicyRule[] {
  const auth = `auth/${platform.vault.authMount}/role`;
  return [
    {
      path: `sys/policies/acl/${MANAGED}`,
      // Vault files every policy write as an update, a new policy too.
      capabilities: ['read', 'update', 'delete'],
      reason: 'TradingService policies: ensureAccess reads and writes, removeAccess deletes',
    },
    {
      path: `${auth}/${MANAGED}`,
      // A new role is a create, a drifted one an update.
      capabilities: ['read', 'create', 'update', 'delete'],
      reason:
        'TradingService Kubernetes-auth roles: ensureAccess reads and writes, removeAccess deletes',
    },
    {
      path: auth,
      capabilities: ['list'],
      reason: 'the Vault sweep lists roles to find what deleted TradingServices left',
    },
    // Exact paths outrank the globs above: the operator can never widen its own access.
    {
      path: `sys/policies/acl/${name}`,
      capabilities: ['deny'],
      reason: 'never its own policy',
    },
    { path: `${auth}/${name}`, capabilities: ['deny'], reason: 'never its own role' },
  ];
}

function kvRules(
  platform: Platform,
  metadataGlobs: readonly string[],
  hmacPrefixes: readonly string[],
): PolicyRule[] {
  // nkeyPath: `<kvMount>/posture/nats/<namespace>/<name>`.
  const kv = platform.vault.kvMount;
  return [
    {
      path: `${kv}/data/posture/nats/*`,
      capabilities: ['create', 'read', 'update'],
      reason:
        'NKey seeds (and with nats.auth jwt the creds beside them): observeVault reads, writeNkey or issueUserJwt creates the first and writes each rotation and JWT (check-and-set)',
    },
    {
      path: `${kv}/metadata/posture/nats/*`,
      capabilities: ['list', 'delete'],
      reason: 'NKey seeds: the Vault sweep lists them, removeAccess destroys every version',
    },
    ...metadataGlobs.map((path) => ({
      path,
      capabilities: ['read' as const],
      reason:
        'KV metadata, never a value: observeVault pins secret versions, observeKey reads exchange key age',
    })),
    ...hmacPrefixes.map((prefix) => ({
      path: kvGlob(prefix, 'data'),
      capabilities: ['create' as const, 'read' as const, 'update' as const],
      reason:
        'HmacKeyRing keys: readRing reads the current version, the rotation writes the next (check-and-set)',
    })),
    {
      // Only `exchanges/` in each namespace's own prefix, read only (docs/adr/0044).
      path: exchangeKeyDataGlob(platform),
      capabilities: ['read'],
      reason: 'ExchangeCredential keys: readKey reads the key it asks the exchange about',
    },
  ];
}

/** Isolation (docs/adr/0047): find the isolated namespace's tokens by accessor and revoke them. */
const TOKEN_RULES: PolicyRule[] = [
  {
    path: 'auth/token/accessors',
    capabilities: ['list', 'sudo'],
    reason: 'namespace isolation: revokeNamespaceTokens lists token accessors',
  },
  {
    path: 'auth/token/lookup-accessor',
    capabilities: ['update'],
    reason: "namespace isolation: reads each accessor's ServiceAccount namespace, never the token",
  },
  {
    path: 'auth/token/revoke-accessor',
    capabilities: ['update'],
    reason: "namespace isolation: revokes the isolated namespace's tokens",
  },
];

export function operatorPolicy(
  platform: Platform,
  options: OperatorPolicyOptions = {},
): VaultPolicy {
  const name = options.name ?? OPERATOR_POLICY;
  const metadata = options.metadataPrefixes?.map(metadataGlob) ?? tenancyMetadataGlobs(platform);
  const hmacPrefixes = options.hmacPrefixes ?? [`${platform.vault.kvMount}/+/hmac/`];
  return {
    name,
    rules: [
      ...managedRules(platform, name),
      ...kvRules(platform, metadata, hmacPrefixes),
      ...TOKEN_RULES,
    ],
  };
}

/** `PUT sys/policies/acl/<name>` with the operator's policy. */
export function operatorPolicyWrite(
  platform: Platform,
  options: OperatorPolicyOptions = {},
): VaultWrite {
  return policyWrite(operatorPolicy(platform, options));
}

export interface OperatorRoleOptions {
  namespace: string;
  serviceAccount: string;
  /** @default OPERATOR_POLICY */
  name?: string;
}

/**
 * The operator's Kubernetes-auth role at the platform's mount: its ServiceAccount only, with a
 * token for audience `vault`, gets the operator policy and not Vault's `default` policy.
 */
export function operatorRoleWrite(platform: Platform, options: OperatorRoleOptions): VaultWrite {
  const name = options.name ?? OPERATOR_POLICY;
  return {
    path: `auth/${platform.vault.authMount}/role/${name}`,
    body: {
      audience: VAULT_AUDIENCE,
      bound_service_account_names: [options.serviceAccount],
      bound_service_account_namespaces: [options.namespace],
      token_max_ttl: platform.vault.tokenMaxTtl,
      token_no_default_policy: true,
      token_policies: [name],
      token_ttl: platform.vault.tokenTtl,
    },
  };
}

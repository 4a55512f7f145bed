import type { KvMetadata, KvSecret, KvVersion } from './kv.ts';

/** A Vault API write as data (the shape `src/render/vault/policy.ts` produces). */
export interface VaultWrite {
  path: string;
  body: Record<string, unknown>;
}

export interface TokenInfo {
  accessor: string;
  policies: string[];
  /** Kubernetes auth fills service_account_name, service_account_namespace, role. */
  meta: Record<string, string>;
  displayName: string;
  expireTime: string | null;
}

export interface VaultLogin {
  token: string;
  accessor: string;
  policies: string[];
  leaseDurationSeconds: number;
}

export interface KubernetesAuthConfig {
  /** https://host:port of the apiserver Vault calls for TokenReviews. */
  host: string;
  caCert: string;
  /** A JWT allowed to create TokenReviews; omitted: Vault uses the client's own JWT. */
  tokenReviewerJwt?: string;
  issuer?: string;
}

/**
 * Everything posture does with Vault. Implementations: HttpVaultAdapter (real, Vault's HTTP
 * API over undici) and FakeVault (unit tests); one contract suite runs against both.
 * Every method throws VaultUnavailableError (retry) or VaultRequestError (terminal).
 */
export interface VaultAdapter {
  write(write: VaultWrite): Promise<void>;
  /** The `data` of a read; undefined on 404. */
  read(path: string): Promise<Record<string, unknown> | undefined>;
  /** Deletes; succeeds when already absent. */
  delete(path: string): Promise<void>;
  /**
   * Vault LIST: the keys directly under `path`, sorted; a deeper key shows as its next segment
   * with a trailing slash (`name/`), as Vault answers. [] when nothing is there (404).
   */
  list(path: string): Promise<string[]>;

  writePolicy(name: string, hcl: string): Promise<void>;
  readPolicy(name: string): Promise<string | undefined>;
  deletePolicy(name: string): Promise<void>;

  deleteKubernetesRole(mount: string, name: string): Promise<void>;
  configureKubernetesAuth(mount: string, config: KubernetesAuthConfig): Promise<void>;
  kubernetesLogin(mount: string, role: string, jwt: string): Promise<VaultLogin>;

  kvRead(kvPath: string, version?: number): Promise<KvSecret | undefined>;
  /** Writes a new version; with `cas`, only if the current version is `cas` (0: must not exist). */
  kvWrite(kvPath: string, data: Record<string, string>, cas?: number): Promise<KvVersion>;
  kvMetadata(kvPath: string): Promise<KvMetadata | undefined>;
  /** Deletes every version and the metadata. */
  kvDestroy(kvPath: string): Promise<void>;

  lookupAccessor(accessor: string): Promise<TokenInfo | undefined>;
  revokeAccessor(accessor: string): Promise<void>;
  listAccessors(): Promise<string[]>;
}

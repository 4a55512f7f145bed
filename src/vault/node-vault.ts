import NodeVault from 'node-vault';
import type {
  KubernetesAuthConfig,
  TokenInfo,
  VaultAdapter,
  VaultLogin,
  VaultWrite,
} from './adapter.ts';
import type { TokenSource } from './auth.ts';
import { PathOperations } from './paths.ts';
import { classifyVaultError, isVaultNotFound, VaultRequestError } from './errors.ts';
import { kvPaths, type KvMetadata, type KvSecret, type KvVersion } from './kv.ts';

export interface NodeVaultOptions {
  address: string;
  token: TokenSource;
  /** Deadline of every request. @default 5000 */
  timeoutMs?: number;
  /** Told of every refused login and every 403 (posture_vault_auth_failures_total). */
  onAuthFailure?: (kind: VaultAuthFailure) => void;
}

/** A login Vault refused, or a request it answered with 403 permission denied. */
export type VaultAuthFailure = 'login' | 'permission_denied';

/** Which auth failure a classified error is, if any: only Vault's own refusals count. */
export function authFailureOf(error: unknown, login: boolean): VaultAuthFailure | undefined {
  if (!(error instanceof VaultRequestError)) return undefined;
  if (login) return 'login';
  return error.status === 403 ? 'permission_denied' : undefined;
}

type Body = Record<string, unknown> | undefined;
type Method = 'GET' | 'POST' | 'DELETE';

interface RawMetadata {
  current_version: number;
  created_time: string;
  updated_time: string;
  versions: Record<string, { created_time: string; deletion_time: string; destroyed: boolean }>;
}

/**
 * VaultAdapter over node-vault. Every request carries a deadline and the current token;
 * errors come out classified (VaultUnavailableError to retry, VaultRequestError terminal).
 * node-vault's debug logging is switched off: it would print the secrets we write.
 */
export class NodeVaultAdapter extends PathOperations implements VaultAdapter {
  readonly #client: NodeVault.client;
  readonly #token: TokenSource;
  readonly #timeoutMs: number;
  readonly #onAuthFailure: (kind: VaultAuthFailure) => void;

  constructor(options: NodeVaultOptions) {
    super();
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#onAuthFailure = options.onAuthFailure ?? (() => {});
    this.#client = NodeVault({ endpoint: options.address, debug: () => {} });
  }

  async write({ path, body }: VaultWrite): Promise<void> {
    await this.#call('POST', path, body);
  }

  async read(path: string): Promise<Record<string, unknown> | undefined> {
    const body = await this.#call('GET', path, undefined, { notFound: true });
    return body?.data as Record<string, unknown> | undefined;
  }

  async delete(path: string): Promise<void> {
    await this.#call('DELETE', path, undefined, { notFound: true });
  }

  configureKubernetesAuth(mount: string, config: KubernetesAuthConfig): Promise<void> {
    const body: Record<string, unknown> = {
      kubernetes_host: config.host,
      kubernetes_ca_cert: config.caCert,
      disable_local_ca_jwt: true,
    };
    if (config.tokenReviewerJwt !== undefined) body.token_reviewer_jwt = config.tokenReviewerJwt;
    if (config.issuer !== undefined) body.issuer = config.issuer;
    return this.write({ path: `auth/${mount}/config`, body });
  }

  async kubernetesLogin(mount: string, role: string, jwt: string): Promise<VaultLogin> {
    const body = await this.#call(
      'POST',
      `auth/${mount}/login`,
      { role, jwt },
      { anonymous: true },
    );
    const auth = body?.auth as {
      client_token: string;
      accessor: string;
      policies: string[];
      lease_duration: number;
    };
    return {
      token: auth.client_token,
      accessor: auth.accessor,
      policies: auth.policies,
      leaseDurationSeconds: auth.lease_duration,
    };
  }

  async kvRead(kvPath: string, version?: number): Promise<KvSecret | undefined> {
    const { data } = kvPaths(kvPath);
    const path = version === undefined ? data : `${data}?version=${version}`;
    const body = await this.#call('GET', path, undefined, { notFound: true });
    const payload = body?.data as
      | { data: Record<string, string> | null; metadata: { version: number; created_time: string } }
      | undefined;
    // A deleted (not destroyed) version reads as data: null.
    if (!payload?.data) return undefined;
    return {
      data: payload.data,
      version: payload.metadata.version,
      createdTime: payload.metadata.created_time,
    };
  }

  async kvWrite(kvPath: string, data: Record<string, string>, cas?: number): Promise<KvVersion> {
    const body = await this.#call(
      'POST',
      kvPaths(kvPath).data,
      cas === undefined ? { data } : { data, options: { cas } },
    );
    const meta = body?.data as { version: number; created_time: string };
    return { version: meta.version, createdTime: meta.created_time };
  }

  async kvMetadata(kvPath: string): Promise<KvMetadata | undefined> {
    const raw = (await this.read(kvPaths(kvPath).metadata)) as RawMetadata | undefined;
    if (!raw) return undefined;
    const versions = Object.fromEntries(
      Object.entries(raw.versions).map(([n, v]) => [
        Number(n),
        { createdTime: v.created_time, deletionTime: v.deletion_time, destroyed: v.destroyed },
      ]),
    );
    return {
      currentVersion: raw.current_version,
      createdTime: raw.created_time,
      updatedTime: raw.updated_time,
      versions,
    };
  }

  kvDestroy(kvPath: string): Promise<void> {
    return this.delete(kvPaths(kvPath).metadata);
  }

  async lookupAccessor(accessor: string): Promise<TokenInfo | undefined> {
    try {
      const body = await this.#call('POST', 'auth/token/lookup-accessor', { accessor });
      const d = body?.data as {
        accessor: string;
        policies: string[] | null;
        meta: Record<string, string> | null;
        display_name: string;
        expire_time: string | null;
      };
      return {
        accessor: d.accessor,
        policies: d.policies ?? [],
        meta: d.meta ?? {},
        displayName: d.display_name,
        expireTime: d.expire_time,
      };
    } catch (error) {
      // Vault answers an unknown accessor with 400 "invalid accessor".
      if (error instanceof Error && 'status' in error && error.status === 400) return undefined;
      throw error;
    }
  }

  async revokeAccessor(accessor: string): Promise<void> {
    await this.#call('POST', 'auth/token/revoke-accessor', { accessor });
  }

  async listAccessors(): Promise<string[]> {
    const body = await this.#call('GET', 'auth/token/accessors?list=true', undefined, {
      notFound: true,
    });
    return ((body?.data as { keys?: string[] } | undefined)?.keys ?? []).sort();
  }

  async #call(
    method: Method,
    path: string,
    json: Body,
    flags: { notFound?: boolean; anonymous?: boolean } = {},
  ): Promise<Body> {
    const what = `${method} ${path.split('?')[0] ?? path}`;
    // A token source that failed (a refused login) was counted where it failed, not here.
    const headers: Record<string, string> = flags.anonymous
      ? {}
      : {
          'X-Vault-Token': await this.#token().catch((e: unknown) =>
            Promise.reject(classifyVaultError(what, e)),
          ),
        };
    try {
      // client.request does not apply node-vault's requestOptions: the deadline goes here.
      const options = {
        path: `/${path}`,
        method,
        headers,
        timeout: this.#timeoutMs,
        ...(json ? { json } : {}),
      };
      return ((await this.#client.request(options)) ?? undefined) as Body;
    } catch (error) {
      if (flags.notFound && isVaultNotFound(error)) return undefined;
      const classified = classifyVaultError(what, error);
      const failure = authFailureOf(classified, flags.anonymous === true);
      if (failure) this.#onAuthFailure(failure);
      throw classified;
    }
  }
}

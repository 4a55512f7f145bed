import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import type {
  KubernetesAuthConfig,
  TokenInfo,
  VaultAdapter,
  VaultLogin,
  VaultWrite,
} from './adapter.ts';
import type { TokenSource } from './auth.ts';
import { PathOperations } from './paths.ts';
import {
  authFailureOf,
  classifyVaultAnswer,
  classifyVaultError,
  vaultErrorsText,
  type VaultAuthFailure,
} from './errors.ts';
import { kvPaths, type KvMetadata, type KvSecret, type KvVersion } from './kv.ts';

export interface HttpVaultOptions {
  /** Vault's address, e.g. https://vault.example:8200 (a path after the host is kept). */
  address: string;
  token: TokenSource;
  /** Deadline of every request, per phase: connecting, the answer's headers, its body. @default 5000 */
  timeoutMs?: number;
  /** Told of every refused login and every 403 (posture_vault_auth_failures_total). */
  onAuthFailure?: (kind: VaultAuthFailure) => void;
  /** Told of every request sent, by method and area (posture_vault_requests_total). */
  onRequest?: (method: string, area: string) => void;
}

const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'];

/** The redirects that keep the method and body: what a standby Vault answers. */
const REDIRECTS = new Set([307, 308]);

type Body = Record<string, unknown> | undefined;
type Method = 'GET' | 'POST' | 'DELETE';
interface Flags {
  /** A 404 answers undefined instead of failing. */
  notFound?: boolean;
  /** No token is sent (login), and any refusal counts as a refused login. */
  anonymous?: boolean;
}

interface Call {
  method: Method;
  path: string;
  json: Body;
  token: string | undefined;
  /** `METHOD path`, without the query, for error messages. */
  what: string;
  notFound: boolean | undefined;
}

interface RawMetadata {
  current_version: number;
  created_time: string;
  updated_time: string;
  versions: Record<string, { created_time: string; deletion_time: string; destroyed: boolean }>;
}

function metadataOf(raw: RawMetadata): KvMetadata {
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

/**
 * What a request is about, few enough values for a metric label: `sys/<endpoint>`, `auth`
 * (any auth mount), `kv/data` or `kv/metadata` (any KV v2 mount), else `other`.
 */
export function vaultArea(path: string): string {
  const [first = '', second = ''] = path.split('?')[0]?.split('/') ?? [];
  if (first === 'sys') return `sys/${second}`;
  if (first === 'auth') return 'auth';
  if (second === 'data' || second === 'metadata') return `kv/${second}`;
  return 'other';
}

/**
 * VaultAdapter over Vault's HTTP API with undici: one pool of kept-alive connections, a
 * deadline on every request, JSON in and out. Errors come out classified (VaultUnavailableError
 * to retry, VaultRequestError terminal). Replaced node-vault, whose axios stack was the
 * operator's largest CPU cost (ADR 0062). Nothing here logs a request: bodies hold secrets.
 */
export class HttpVaultAdapter extends PathOperations implements VaultAdapter {
  readonly #agent: Dispatcher;
  readonly #origin: string;
  /** The address's path (without a trailing slash), before /v1. */
  readonly #prefix: string;
  readonly #token: TokenSource;
  readonly #onAuthFailure: (kind: VaultAuthFailure) => void;
  readonly #onRequest: (method: string, area: string) => void;

  constructor(options: HttpVaultOptions) {
    super();
    const url = new URL(options.address);
    const timeout = options.timeoutMs ?? 5000;
    this.#origin = url.origin;
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#token = options.token;
    this.#onAuthFailure = options.onAuthFailure ?? (() => {});
    this.#onRequest = options.onRequest ?? (() => {});
    // The deadline as undici's own timers: cheaper than an AbortSignal per request.
    const pool = { connect: { timeout }, headersTimeout: timeout, bodyTimeout: timeout };
    // A proxy named in the environment is used (with no_proxy), as node-vault's axios did;
    // without one, no proxy decision is made per request.
    const proxied = PROXY_VARIABLES.some((name) => process.env[name]);
    this.#agent = proxied ? new EnvHttpProxyAgent(pool) : new Agent(pool);
  }

  /** Closes the kept-alive connections (idle ones do not keep the process alive anyway). */
  close(): Promise<void> {
    return this.#agent.close();
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

  async list(path: string): Promise<string[]> {
    const body = await this.#call('GET', `${path}?list=true`, undefined, { notFound: true });
    return ((body?.data as { keys?: string[] } | undefined)?.keys ?? []).sort();
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
    const path = `auth/${mount}/login`;
    const body = await this.#call('POST', path, { role, jwt }, { anonymous: true });
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
    return raw && metadataOf(raw);
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

  listAccessors(): Promise<string[]> {
    return this.list('auth/token/accessors');
  }

  async #call(method: Method, path: string, json: Body, flags: Flags = {}): Promise<Body> {
    const what = `${method} ${path.split('?')[0] ?? path}`;
    // A token source that failed (a refused login) was counted where it failed, not here.
    const token = flags.anonymous
      ? undefined
      : await this.#token().catch((e: unknown) => Promise.reject(classifyVaultError(what, e)));
    try {
      return await this.#send({ method, path, json, token, what, notFound: flags.notFound });
    } catch (error) {
      const classified = classifyVaultError(what, error);
      const failure = authFailureOf(classified, flags.anonymous === true);
      if (failure) this.#onAuthFailure(failure);
      throw classified;
    }
  }

  /** One request; every answer's body is read to its end, which frees the connection. */
  async #send(call: Call): Promise<Body> {
    const { statusCode, body } = await this.#exchange(call);
    // Not found is an answer, not a failure: no Error (and its stack) is built for it.
    if (statusCode === 404 && call.notFound) {
      await body.dump();
      return undefined;
    }
    const text = await body.text();
    if (statusCode < 200 || statusCode >= 300)
      throw classifyVaultAnswer(call.what, statusCode, vaultErrorsText(statusCode, text));
    // 204 (most writes and deletes) has no body.
    return text === '' ? undefined : (JSON.parse(text) as Body);
  }

  /**
   * The request, following a standby Vault's 307 to the active node (token and body too, as
   * Vault's own client does) a few times. Followed here rather than by undici's redirect
   * interceptor, which cost a fifth of the CPU of every request that is not redirected.
   */
  async #exchange(call: Call): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = {};
    if (call.token !== undefined) headers['x-vault-token'] = call.token;
    if (call.json) headers['content-type'] = 'application/json';
    const body = call.json && JSON.stringify(call.json);
    let origin = this.#origin;
    let path = `${this.#prefix}/v1/${call.path}`;
    this.#onRequest(call.method, vaultArea(call.path));
    for (let hop = 0; ; hop++) {
      const response = await this.#agent.request({
        origin,
        path,
        method: call.method,
        headers,
        body,
      });
      const location = response.headers.location;
      if (!REDIRECTS.has(response.statusCode) || typeof location !== 'string' || hop === 3)
        return response;
      await response.body.dump();
      const next = new URL(location, origin + path);
      origin = next.origin;
      path = next.pathname + next.search;
    }
  }
}

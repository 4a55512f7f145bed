import type {
  KubernetesAuthConfig,
  TokenInfo,
  VaultAdapter,
  VaultLogin,
  VaultWrite,
} from './adapter.ts';
import { PathOperations } from './paths.ts';
import { VaultRequestError, VaultUnavailableError } from './errors.ts';
import { kvPaths, type KvMetadata, type KvSecret, type KvVersion } from './kv.ts';

interface Version {
  data: Record<string, string>;
  createdTime: string;
}

function isBound(
  role: Record<string, unknown>,
  namespace: string,
  serviceAccount: string,
): boolean {
  const names = (role.bound_service_account_names ?? []) as string[];
  const namespaces = (role.bound_service_account_namespaces ?? []) as string[];
  return names.includes(serviceAccount) && namespaces.includes(namespace);
}

/**
 * An in-memory VaultAdapter for unit tests of reconcilers. It passes the same contract
 * suite as HttpVaultAdapter; `available = false` makes every call fail as Vault being down.
 * Kubernetes login takes `<namespace>/<serviceaccount>` as the "JWT".
 */
export class FakeVault extends PathOperations implements VaultAdapter {
  available = true;
  readonly writes: string[] = [];
  readonly paths = new Map<string, Record<string, unknown>>();
  readonly kv = new Map<string, Version[]>();
  readonly tokens = new Map<string, TokenInfo>();
  readonly #now: () => number;
  #next = 1;

  constructor(now: () => number = Date.now) {
    super();
    this.#now = now;
  }

  write({ path, body }: VaultWrite): Promise<void> {
    return this.#op(`POST ${path}`, () => {
      this.writes.push(path);
      this.paths.set(path, structuredClone(body));
    });
  }

  read(path: string): Promise<Record<string, unknown> | undefined> {
    return this.#op(`GET ${path}`, () => structuredClone(this.paths.get(path)));
  }

  delete(path: string): Promise<void> {
    return this.#op(`DELETE ${path}`, () => {
      this.writes.push(path);
      this.paths.delete(path);
    });
  }

  list(path: string): Promise<string[]> {
    return this.#op(`LIST ${path}`, () => {
      const prefix = `${path.replace(/\/+$/, '')}/`;
      const keys = new Set<string>();
      for (const name of this.#names()) {
        if (!name.startsWith(prefix)) continue;
        const rest = name.slice(prefix.length);
        const slash = rest.indexOf('/');
        keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
      }
      return [...keys].sort();
    });
  }

  /** Every API path that holds something, as Vault lists it (KV v2 under `metadata/`). */
  *#names(): Iterable<string> {
    yield* this.paths.keys();
    for (const data of this.kv.keys()) yield data.replace(/^([^/]+)\/data\//, '$1/metadata/');
    for (const accessor of this.tokens.keys()) yield `auth/token/accessors/${accessor}`;
  }

  configureKubernetesAuth(mount: string, config: KubernetesAuthConfig): Promise<void> {
    return this.write({ path: `auth/${mount}/config`, body: { kubernetes_host: config.host } });
  }

  kubernetesLogin(mount: string, role: string, jwt: string): Promise<VaultLogin> {
    return this.#op(`POST auth/${mount}/login`, () => {
      const bound = this.paths.get(`auth/${mount}/role/${role}`) ?? {};
      const [namespace = '', serviceAccount = ''] = jwt.split('/');
      if (!isBound(bound, namespace, serviceAccount)) {
        throw new VaultRequestError(`POST auth/${mount}/login`, 403, 'permission denied');
      }
      const accessor = `accessor-${this.#next++}`;
      const policies = ['default', ...((bound.token_policies ?? []) as string[])];
      const meta = {
        role,
        service_account_name: serviceAccount,
        service_account_namespace: namespace,
      };
      const displayName = `${mount}-${namespace}-${serviceAccount}`;
      this.tokens.set(accessor, { accessor, policies, meta, displayName, expireTime: null });
      return { token: `token-${accessor}`, accessor, policies, leaseDurationSeconds: 3600 };
    });
  }

  kvRead(kvPath: string, version?: number): Promise<KvSecret | undefined> {
    return this.#op(`GET ${kvPath}`, () => {
      const versions = this.kv.get(kvPaths(kvPath).data) ?? [];
      const n = version ?? versions.length;
      const found = versions[n - 1];
      return found
        ? { data: { ...found.data }, version: n, createdTime: found.createdTime }
        : undefined;
    });
  }

  kvWrite(kvPath: string, data: Record<string, string>, cas?: number): Promise<KvVersion> {
    return this.#op(`POST ${kvPath}`, () => {
      const key = kvPaths(kvPath).data;
      const versions = this.kv.get(key) ?? [];
      if (cas !== undefined && cas !== versions.length) {
        throw new VaultRequestError(
          `POST ${key}`,
          400,
          'check-and-set parameter did not match the current version',
        );
      }
      const createdTime = new Date(this.#now()).toISOString();
      versions.push({ data: { ...data }, createdTime });
      this.kv.set(key, versions);
      this.writes.push(key);
      return { version: versions.length, createdTime };
    });
  }

  kvMetadata(kvPath: string): Promise<KvMetadata | undefined> {
    return this.#op(`GET ${kvPath}`, () => {
      const versions = this.kv.get(kvPaths(kvPath).data);
      if (!versions?.length) return undefined;
      const entries = versions.map(
        (v, i) =>
          [i + 1, { createdTime: v.createdTime, deletionTime: '', destroyed: false }] as const,
      );
      const last = versions.at(-1)!;
      return {
        currentVersion: versions.length,
        createdTime: versions[0]!.createdTime,
        updatedTime: last.createdTime,
        versions: Object.fromEntries(entries),
      };
    });
  }

  kvDestroy(kvPath: string): Promise<void> {
    return this.#op(`DELETE ${kvPath}`, () => void this.kv.delete(kvPaths(kvPath).data));
  }

  lookupAccessor(accessor: string): Promise<TokenInfo | undefined> {
    return this.#op('POST auth/token/lookup-accessor', () =>
      structuredClone(this.tokens.get(accessor)),
    );
  }

  revokeAccessor(accessor: string): Promise<void> {
    return this.#op('POST auth/token/revoke-accessor', () => {
      if (!this.tokens.delete(accessor))
        throw new VaultRequestError('POST auth/token/revoke-accessor', 400, 'invalid accessor');
    });
  }

  listAccessors(): Promise<string[]> {
    return this.list('auth/token/accessors');
  }

  #op<T>(what: string, body: () => T): Promise<T> {
    if (!this.available)
      return Promise.reject(new VaultUnavailableError(what, 'ECONNREFUSED: fake Vault is down'));
    try {
      return Promise.resolve(body());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

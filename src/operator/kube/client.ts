import { isNotFound } from './errors.ts';
import type { ClusterAccess } from './kubeconfig.ts';
import { lines } from './lines.ts';
import { Transport, errorOf, type Call, type Verb, type WriteRecord } from './transport.ts';
import { apiVersionOf, collectionPath, objectPath, type Resource } from './resources.ts';
import type { KubeList, KubeObject, WatchEvent } from './types.ts';

export type { Verb } from './transport.ts';

export interface KubeClientOptions {
  /** The apiserver and credentials (`loadKubeconfig`, `inClusterAccess`, `defaultAccess`). */
  access: ClusterAccess;
  /** Deadline of every call except watches (which get timeoutSeconds + 30 s). @default 15_000 */
  timeoutMs?: number;
  /** @default 'posture' */
  fieldManager?: string;
  /** Keep a log of the writes sent (`writeLog()`): tests only. @default false */
  logWrites?: boolean;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  signal?: AbortSignal;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion: string;
  /** The apiserver ends the watch after this long; the informer then watches again. */
  timeoutSeconds: number;
  signal?: AbortSignal;
}

export interface ObjectRef {
  name: string;
  namespace?: string;
  signal?: AbortSignal;
}

export interface PatchOptions extends ObjectRef {
  patch: unknown;
  type: 'merge' | 'json';
  subresource?: 'status';
}

/**
 * A thin Kubernetes REST client: authentication and TLS come from a ClusterAccess, requests
 * go through undici's `request` (transport.ts). Every call has a deadline, every request is
 * counted (tests prove a no-op resync writes nothing), and writes use one field manager with
 * `fieldValidation=Strict`.
 */
/** The field manager of every apply the operator makes (unless a client is given another). */
export const FIELD_MANAGER = 'posture';

export class KubeClient {
  readonly #http: Transport;
  readonly fieldManager: string;

  constructor(options: KubeClientOptions) {
    this.#http = new Transport(options.access, options.timeoutMs ?? 15_000, options.logWrites);
    this.fieldManager = options.fieldManager ?? FIELD_MANAGER;
  }

  /** Requests sent so far, by verb. */
  counts(): Partial<Record<Verb, number>> {
    return this.#http.counts();
  }

  /** New requests on new connections (see Transport.resetConnections). */
  resetConnections(): void {
    this.#http.resetConnections();
  }

  /** Mutating requests sent so far (create, update, patch, apply, delete). */
  writes(): number {
    return this.#http.writes();
  }

  /** The writes sent so far when made with `logWrites`, oldest first. */
  writeLog(): readonly WriteRecord[] {
    return this.#http.writeLog();
  }

  async get<T extends KubeObject>(resource: Resource, ref: ObjectRef): Promise<T | undefined> {
    const path = objectPath(resource, ref.name, ref.namespace);
    try {
      return await this.#json<T>({ verb: 'get', method: 'GET' as const, path, signal: ref.signal });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** One page of a list; `listAll` follows continue tokens. */
  async list<T extends KubeObject>(
    resource: Resource,
    options: ListOptions = {},
  ): Promise<KubeList<T>> {
    const query = {
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      limit: options.limit?.toString(),
      continue: options.continue,
    };
    const path = collectionPath(resource, options.namespace);
    const list = await this.#json<{
      items: T[];
      metadata: { resourceVersion?: string; continue?: string };
    }>({ verb: 'list', method: 'GET' as const, path, query, signal: options.signal });
    return {
      items: list.items,
      resourceVersion: list.metadata.resourceVersion ?? '',
      continue: list.metadata.continue ?? '',
    };
  }

  /** Every page of a list, consistent at the resourceVersion of the first page. */
  async listAll<T extends KubeObject>(
    resource: Resource,
    options: ListOptions = {},
  ): Promise<KubeList<T>> {
    const first = await this.list<T>(resource, { limit: 500, ...options });
    const items = [...first.items];
    for (let next = first.continue; next;) {
      const page = await this.list<T>(resource, { limit: 500, ...options, continue: next });
      items.push(...page.items);
      next = page.continue;
    }
    return { items, resourceVersion: first.resourceVersion, continue: '' };
  }

  /**
   * Watches from `resourceVersion` with bookmarks. The stream ends when the apiserver closes
   * it; aborting `signal` ends it early. An HTTP 410 at the start throws a KubeApiError
   * (isGone); a 410 during the stream arrives as an ERROR event.
   */
  async *watch<T extends KubeObject>(
    resource: Resource,
    options: WatchOptions,
  ): AsyncGenerator<WatchEvent<T>> {
    const path = collectionPath(resource, options.namespace);
    const query = {
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: options.resourceVersion,
      timeoutSeconds: options.timeoutSeconds.toString(),
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
    };
    const call: Call = {
      verb: 'watch',
      method: 'GET' as const,
      path,
      query,
      signal: options.signal,
    };
    const response = await this.#http.send({
      ...call,
      timeoutMs: (options.timeoutSeconds + 30) * 1000,
    });
    if (!response.ok) throw await errorOf(`watch ${path}`, response);
    if (!response.body) return;
    for await (const line of lines(response.body)) yield JSON.parse(line) as WatchEvent<T>;
  }

  /** Server-side apply (force, one field manager, strict field validation). */
  apply<T extends KubeObject>(
    resource: Resource,
    object: KubeObject,
    signal?: AbortSignal,
  ): Promise<T> {
    return this.#apply<T>(resource, object, '', signal);
  }

  /** Server-side apply of the status subresource: spec and metadata are left alone. */
  applyStatus<T extends KubeObject>(
    resource: Resource,
    object: KubeObject,
    signal?: AbortSignal,
  ): Promise<T> {
    return this.#apply<T>(resource, object, '/status', signal);
  }

  create<T extends KubeObject>(
    resource: Resource,
    object: KubeObject,
    signal?: AbortSignal,
  ): Promise<T> {
    const path = collectionPath(resource, object.metadata.namespace);
    const body = { apiVersion: apiVersionOf(resource), kind: resource.kind, ...object };
    return this.#json<T>({
      verb: 'create',
      method: 'POST' as const,
      path,
      query: this.#writeQuery(),
      body,
      signal,
    });
  }

  /** PUT: fails with 409 Conflict when metadata.resourceVersion is stale (optimistic concurrency). */
  replace<T extends KubeObject>(
    resource: Resource,
    object: KubeObject,
    signal?: AbortSignal,
  ): Promise<T> {
    const path = objectPath(resource, object.metadata.name ?? '', object.metadata.namespace);
    const body = { apiVersion: apiVersionOf(resource), kind: resource.kind, ...object };
    return this.#json<T>({
      verb: 'update',
      method: 'PUT' as const,
      path,
      query: this.#writeQuery(),
      body,
      signal,
    });
  }

  patch<T extends KubeObject>(resource: Resource, options: PatchOptions): Promise<T> {
    const base = objectPath(resource, options.name, options.namespace);
    const path = options.subresource ? `${base}/${options.subresource}` : base;
    const contentType =
      options.type === 'merge' ? 'application/merge-patch+json' : 'application/json-patch+json';
    const call = { verb: 'patch' as const, method: 'PATCH' as const, path, contentType };
    return this.#json<T>({
      ...call,
      query: this.#writeQuery(),
      body: options.patch,
      signal: options.signal,
    });
  }

  /** Deletes with background propagation; false when the object was already gone. */
  async delete(resource: Resource, ref: ObjectRef): Promise<boolean> {
    const path = objectPath(resource, ref.name, ref.namespace);
    const body = { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' };
    try {
      await this.#json({
        verb: 'delete',
        method: 'DELETE' as const,
        path,
        body,
        signal: ref.signal,
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  #apply<T extends KubeObject>(
    resource: Resource,
    object: KubeObject,
    sub: string,
    signal?: AbortSignal,
  ): Promise<T> {
    const path = objectPath(resource, object.metadata.name ?? '', object.metadata.namespace) + sub;
    // managedFields must be absent from an apply patch; the apiserver computes them.
    const metadata = { ...object.metadata };
    delete metadata.managedFields;
    const body = { apiVersion: apiVersionOf(resource), kind: resource.kind, ...object, metadata };
    const query = { ...this.#writeQuery(), force: 'true' };
    const contentType = 'application/apply-patch+yaml';
    return this.#json<T>({
      verb: 'apply',
      method: 'PATCH' as const,
      path,
      query,
      body,
      contentType,
      signal,
    });
  }

  #writeQuery(): Record<string, string> {
    return { fieldManager: this.fieldManager, fieldValidation: 'Strict' };
  }

  #json<T>(call: Call): Promise<T> {
    return this.#http.json<T>(call);
  }
}

/**
 * The calls a controller makes: reads come from informer caches, so besides the odd `get` a
 * controller only writes. Controllers take this, not the whole client, so their unit tests
 * hand them a recording fake of exactly these calls.
 */
export type KubeWrites = Pick<
  KubeClient,
  'get' | 'apply' | 'applyStatus' | 'patch' | 'create' | 'delete'
>;

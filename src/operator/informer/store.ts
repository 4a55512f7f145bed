import { objectKey, type KubeObject } from '../kube/types.ts';
import { projectOwned } from './project.ts';

export type ChangeType = 'add' | 'update' | 'delete';

export interface Change<T extends KubeObject> {
  type: ChangeType;
  key: string;
  object: T;
  /**
   * What the cache held before an update or delete: a dependant's mapping needs it to see what
   * was taken away (a consumer dropped from a list must be reconciled too).
   */
  old?: T;
}

/**
 * managedFields mirror every field of an object (server-side apply's bookkeeping) and nothing in
 * the operator reads them from the cache: dropping them on the way in saves about a third of the
 * cache's memory for Deployments (client-go's informers do the same).
 */
function withoutManagedFields<T extends KubeObject>(object: T): T {
  if (!object.metadata.managedFields) return object;
  const metadata = { ...object.metadata };
  delete metadata.managedFields;
  return { ...object, metadata };
}

/**
 * What a cache keeps of each object: by default all but managedFields; with `ownedBy`, only the
 * fields that manager owns plus identity metadata (and status if asked): see project.ts.
 */
export interface Projection {
  manager: string;
  keepStatus?: boolean;
}

/** The informer's local cache: objects by namespace/name, changes reported as they apply. */
export class Store<T extends KubeObject> {
  readonly #items = new Map<string, T>();
  /**
   * The same objects by namespace: a reconcile that reads its namespace's objects would scan the
   * whole cache otherwise, O(services) per reconcile and O(services²) per full resync.
   */
  readonly #namespaces = new Map<string, Map<string, T>>();
  readonly #keep: (object: T) => T;

  constructor(ownedBy?: Projection) {
    this.#keep = ownedBy
      ? (object) => projectOwned(object, ownedBy.manager, ownedBy)
      : withoutManagedFields;
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  list(): T[] {
    return [...this.#items.values()];
  }

  /** Every cached object, without copying the cache (do not change it while iterating). */
  values(): IterableIterator<T> {
    return this.#items.values();
  }

  get size(): number {
    return this.#items.size;
  }

  /** The cached objects of one namespace (cluster-scoped objects: namespace ''). */
  inNamespace(namespace: string): T[] {
    const items = this.#namespaces.get(namespace);
    return items ? [...items.values()] : [];
  }

  #index(key: string, object: T | undefined, namespace: string): void {
    let items = this.#namespaces.get(namespace);
    if (object) {
      if (!items) this.#namespaces.set(namespace, (items = new Map<string, T>()));
      items.set(key, object);
    } else if (items?.delete(key) && items.size === 0) this.#namespaces.delete(namespace);
  }

  /** Applies one watch event; undefined when it changes nothing (same resourceVersion). */
  upsert(incoming: T): Change<T> | undefined {
    const object = this.#keep(incoming);
    const key = objectKey(object);
    const old = this.#items.get(key);
    this.#items.set(key, object);
    this.#index(key, object, object.metadata.namespace ?? '');
    if (!old) return { type: 'add', key, object };
    if (old.metadata.resourceVersion === object.metadata.resourceVersion) return undefined;
    return { type: 'update', key, object, old };
  }

  remove(object: T): Change<T> | undefined {
    const key = objectKey(object);
    const old = this.#items.get(key);
    if (!old) return undefined;
    this.#items.delete(key);
    this.#index(key, undefined, old.metadata.namespace ?? '');
    return { type: 'delete', key, object, old };
  }

  /**
   * Replaces the cache with a fresh list and returns what changed, including deletions the
   * informer missed while its watch was down.
   */
  replace(objects: T[]): Change<T>[] {
    const fresh = new Set(objects.map((object) => objectKey(object)));
    const changes: Change<T>[] = [];
    for (const [key, object] of this.#items) {
      if (!fresh.has(key)) changes.push(this.remove(object)!);
    }
    for (const object of objects) {
      const change = this.upsert(object);
      if (change) changes.push(change);
    }
    return changes;
  }
}

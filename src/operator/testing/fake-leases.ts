import { KubeApiError } from '../kube/errors.ts';
import type { ObjectRef } from '../kube/client.ts';
import type { Resource } from '../kube/resources.ts';
import type { KubeObject } from '../kube/types.ts';

/** Leases in memory with the apiserver's optimistic concurrency (resourceVersion, 409). */
export class LeaseStore {
  readonly objects = new Map<string, KubeObject>();
  #version = 1;

  next(): string {
    return String(++this.#version);
  }
}

/** Answers only when `signal` aborts: a request on a connection that went silent. */
function hang(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  });
}

/**
 * One candidate's connection to the LeaseStore: `down` simulates a partitioned apiserver that
 * refuses connections, `silent` one whose requests never answer.
 */
export class FakeLeaseClient {
  down = false;
  silent = false;
  readonly #store: LeaseStore;

  constructor(store: LeaseStore) {
    this.#store = store;
  }

  get<T extends KubeObject>(_resource: Resource, ref: ObjectRef): Promise<T | undefined> {
    if (this.silent) return hang(ref.signal);
    if (this.down)
      return Promise.reject(new KubeApiError('get', 0, { message: 'connection refused' }));
    const object = this.#store.objects.get(`${ref.namespace}/${ref.name}`);
    return Promise.resolve(object ? (structuredClone(object) as T) : undefined);
  }

  create<T extends KubeObject>(_resource: Resource, object: KubeObject): Promise<T> {
    if (this.down)
      return Promise.reject(new KubeApiError('create', 0, { message: 'connection refused' }));
    const key = `${object.metadata.namespace}/${object.metadata.name}`;
    if (this.#store.objects.has(key))
      return Promise.reject(new KubeApiError('create', 409, { reason: 'AlreadyExists' }));
    const stored = {
      ...object,
      metadata: { ...object.metadata, resourceVersion: this.#store.next() },
    };
    this.#store.objects.set(key, stored);
    return Promise.resolve(structuredClone(stored) as T);
  }

  replace<T extends KubeObject>(_resource: Resource, object: KubeObject): Promise<T> {
    if (this.down)
      return Promise.reject(new KubeApiError('update', 0, { message: 'connection refused' }));
    const key = `${object.metadata.namespace}/${object.metadata.name}`;
    const current = this.#store.objects.get(key);
    if (current?.metadata.resourceVersion !== object.metadata.resourceVersion) {
      return Promise.reject(new KubeApiError('update', 409, { reason: 'Conflict' }));
    }
    const stored = {
      ...object,
      metadata: { ...object.metadata, resourceVersion: this.#store.next() },
    };
    this.#store.objects.set(key, stored);
    return Promise.resolve(structuredClone(stored) as T);
  }
}

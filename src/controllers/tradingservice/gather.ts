import type { z } from 'zod';
import type { Informer } from '../../operator/informer/informer.ts';
import type { Change } from '../../operator/informer/store.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { ownerKeys } from '../../operator/controller.ts';
import { APPLIED_HASH_ANNOTATION } from '../../operator/kube/apply.ts';
import { statusOnly } from '../kit/changes.ts';
import { parseObject, type Parsed } from '../kit/invalid-spec.ts';
import {
  ExchangeCredentialSchema,
  type ExchangeCredential,
} from '../../api/exchangecredential/schema.ts';
import { HmacKeyRingSchema, type HmacKeyRing } from '../../api/hmackeyring/schema.ts';
import {
  TradingServiceSchema,
  type Peer,
  type TradingService,
} from '../../api/tradingservice/schema.ts';

/**
 * Gather for the TradingService reconciler: the valid CRs it depends on, read from informer
 * caches (never the API). Parsing is memoised per cached object, so a reconcile costs one pass
 * over the cache, not one zod parse per CR.
 */

type Schema<T> = { safeParse: (value: unknown) => z.ZodSafeParseResult<T> };

/** What a parse depends on: by default every change (resourceVersion). */
export type ParseKey = (object: KubeObject) => string;

/** Spec and metadata only: status writes (most updates) do not change the parse. */
export const bySpec: ParseKey = (o) => `${o.metadata.generation}`;

export class ParsedCache<T> {
  readonly #schema: Schema<T>;
  readonly #key: ParseKey;
  readonly #memo = new Map<string, { key: string; version: string; parsed: Parsed<T> }>();

  constructor(schema: Schema<T>, key: ParseKey = (o) => o.metadata.resourceVersion ?? '') {
    this.#schema = schema;
    this.#key = key;
  }

  /** The valid ones among `objects`: a CR the schema rejects reports itself, not here. */
  valid(objects: readonly KubeObject[]): T[] {
    const out: T[] = [];
    for (const object of objects) {
      const parsed = this.#parse(object, (hit) => hit.key === this.#key(object));
      if (parsed.ok) out.push(parsed.value);
    }
    return out;
  }

  /**
   * `object` exactly as cached (its status included), or why it is not valid: the reconcile of
   * the object itself. Parsed again only when its resourceVersion moved, so the reconcile that
   * follows the dependency reader's parse of the same version costs none.
   */
  exact(object: KubeObject): Parsed<T> {
    const version = object.metadata.resourceVersion;
    if (!version) return parseObject(this.#schema, object);
    return this.#parse(object, (hit) => hit.version === version);
  }

  #parse(object: KubeObject, fits: (hit: { key: string; version: string }) => boolean): Parsed<T> {
    const uid = object.metadata.uid ?? `${object.metadata.namespace}/${object.metadata.name}`;
    const hit = this.#memo.get(uid);
    if (hit && fits(hit)) return hit.parsed;
    const parsed = parseObject(this.#schema, object);
    const version = object.metadata.resourceVersion ?? '';
    this.#memo.set(uid, { key: this.#key(object), version, parsed });
    return parsed;
  }

  /**
   * Forgets deleted objects once they outnumber the live ones (`all`: the whole cache, asked
   * for only then).
   */
  prune(size: number, all: () => Iterable<KubeObject>): void {
    if (this.#memo.size <= 2 * size + 100) return;
    const live = new Set<string | undefined>();
    for (const o of all()) live.add(o.metadata.uid);
    for (const uid of this.#memo.keys()) if (!live.has(uid)) this.#memo.delete(uid);
  }
}

export interface Caches {
  services: Informer<KubeObject>;
  credentials: Informer<KubeObject>;
  keyRings: Informer<KubeObject>;
}

export interface Dependencies {
  services: TradingService[];
  credentials: ExchangeCredential[];
  keyRings: HmacKeyRing[];
}

function peersOf(object: KubeObject): Peer[] {
  const spec = (object as { spec?: { ingress?: unknown; egress?: { services?: unknown } } }).spec;
  const list = (v: unknown): Peer[] => (Array.isArray(v) ? (v as Peer[]) : []);
  return [...list(spec?.ingress), ...list(spec?.egress?.services)];
}

/** Namespaces a service's render looks into: its own and those of the peers it names. */
function namespacesOf(object: KubeObject): Set<string> {
  const own = object.metadata.namespace ?? '';
  return new Set([own, ...peersOf(object).map((p) => p.namespace ?? own)]);
}

/** A memo of parsed TradingServices: one per controller, shared by whoever parses them. */
export const parsedServices = (): ParsedCache<TradingService> =>
  new ParsedCache(TradingServiceSchema, bySpec);

export function dependencyReader(
  caches: Caches,
  services: ParsedCache<TradingService> = parsedServices(),
): (object: KubeObject) => Dependencies {
  // Key rings' status (the KV versions they pin) feeds render: parsed on every change.
  const credentials = new ParsedCache<ExchangeCredential>(ExchangeCredentialSchema);
  const keyRings = new ParsedCache<HmacKeyRing>(HmacKeyRingSchema);
  return (object) => {
    const own = object.metadata.namespace ?? '';
    const store = caches.services.store;
    services.prune(store.size, () => store.values());
    return {
      services: services.valid([...namespacesOf(object)].flatMap((ns) => store.inNamespace(ns))),
      credentials: credentials.valid(caches.credentials.store.inNamespace(own)),
      keyRings: keyRings.valid(caches.keyRings.store.inNamespace(own)),
    };
  };
}

const keysIn = (namespace: string | undefined, names: readonly unknown[]): string[] =>
  names.filter((n): n is string => typeof n === 'string').map((n) => `${namespace}/${n}`);

/**
 * The keys `keys` maps the changed object to, before and after the change: whoever a change
 * takes access away from is reconciled as promptly as whoever it grants access to.
 */
function beforeAndAfter(
  change: Change<KubeObject>,
  keys: (object: KubeObject) => string[],
): string[] {
  const after = keys(change.object);
  if (!change.old) return after;
  return [...new Set([...after, ...keys(change.old)])];
}

const consumersOf = (object: KubeObject): string[] => {
  const spec = (object as { spec?: { consumers?: unknown[] } }).spec;
  return keysIn(object.metadata.namespace, spec?.consumers ?? []);
};

const membersOf = (object: KubeObject): string[] => {
  const spec = (object as { spec?: { signers?: unknown[]; listeners?: unknown[] } }).spec;
  return keysIn(object.metadata.namespace, [...(spec?.signers ?? []), ...(spec?.listeners ?? [])]);
};

const peerKeysOf = (object: KubeObject): string[] => {
  const own = object.metadata.namespace ?? '';
  return peersOf(object).map((p) => `${p.namespace ?? own}/${p.service}`);
};

/** An ExchangeCredential change re-reconciles its consumers, those it had and those it has. */
export const credentialConsumers = (change: Change<KubeObject>): string[] =>
  beforeAndAfter(change, consumersOf);

/** An HmacKeyRing change re-reconciles its signers and listeners, before and after. */
export const keyRingMembers = (change: Change<KubeObject>): string[] =>
  beforeAndAfter(change, membersOf);

/**
 * A TradingService change re-reconciles the peers it names and named (grants may change); a
 * status write changes no grant.
 */
export const namedPeers = (change: Change<KubeObject>): string[] =>
  statusOnly(change) ? [] : beforeAndAfter(change, peerKeysOf);

const appliedByPosture = (o: KubeObject) =>
  o.metadata.annotations?.[APPLIED_HASH_ANNOTATION] !== undefined;

/**
 * A child's change re-reconciles its TradingService, unless only its status changed and the
 * service reads nothing from it: a Deployment's status matters for the ready replicas status
 * shows, and for the rollout of an NKey rotation in progress (`rotating`).
 */
export function childOwners(kind: string, rotating: (ownerKey: string) => boolean) {
  const owners = ownerKeys('TradingService');
  const ready = (o: KubeObject | undefined) =>
    (o as { status?: { readyReplicas?: unknown } } | undefined)?.status?.readyReplicas;
  return (change: Change<KubeObject>): string[] => {
    // The add of a child posture applied is the echo of that apply: the reconcile that sent it
    // is running or done (and at a start, the resync queues every service anyway).
    if (change.type === 'add' && appliedByPosture(change.object)) return [];
    if (!statusOnly(change)) return owners(change);
    if (kind !== 'Deployment') return [];
    if (ready(change.old) !== ready(change.object)) return owners(change);
    return owners(change).filter(rotating);
  };
}

/** A Namespace change (isolation label, status) re-reconciles the services it holds. */
export const servicesOfNamespace =
  (services: Informer<KubeObject>) =>
  ({ object }: Change<KubeObject>): string[] =>
    services.store
      .inNamespace(object.metadata.name ?? '')
      .map((o) => `${o.metadata.namespace}/${o.metadata.name}`);

/**
 * Only the keys of services the cache has. A spec names peers, consumers and members that may
 * not exist; their keys queued a reconcile of a key the cache lacks, which is a deleted
 * service's cleanup (docs/adr/0063): Vault reads and deletes and a NATS version for a service
 * that never was. A deleted service's own delete event, and the sweep, queue its cleanup.
 */
export const cachedOnly =
  (services: Informer<KubeObject>, map: (change: Change<KubeObject>) => string[]) =>
  (change: Change<KubeObject>): string[] =>
    map(change).filter((key) => services.store.get(key) !== undefined);

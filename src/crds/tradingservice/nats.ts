import type { Informer } from '../../operator/informer/informer.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { natsConfig } from '../../render/index.ts';
import type { Platform } from '../../render/platform.ts';
import { buildModel, keyOf } from '../../render/resources.ts';
import type { NatsPublisher, PublishState } from '../../nats/publisher.ts';
import { bySpec, ParsedCache } from './gather.ts';
import { TradingServiceSchema, type TradingService } from './schema.ts';

/**
 * The aggregated NATS auth config of every TradingService, from the shared render (`natsConfig`),
 * published once per change. A service is in it while it has an NKey (status.natsUser, or the
 * one its reconcile just created) and is not being deleted: its finalizer publishes the config
 * without it before it lets go.
 */

/** A service's NATS user as a reconcile knows it, ahead of the cache. */
export interface NatsOverride {
  key: string;
  /** The public key; undefined: leave the service out (it is being deleted). */
  natsUser?: string;
}

/** The config text for these services and public keys (pure). */
export function natsAuthText(
  platform: Platform,
  services: readonly TradingService[],
  nkeys: ReadonlyMap<string, string>,
): string {
  const members = services.filter(
    (s) =>
      s.spec.nats &&
      nkeys.has(keyOf(s)) &&
      (s.spec.nats.account ?? platform.nats.account) !== platform.nats.systemAccount,
  );
  // Only the NATS part of the model is used: cross-resource problems are the services' own
  // conditions and must not keep every other user out of the config.
  const { model } = buildModel(
    {
      tradingServices: members.map((object) => ({ object })),
      exchangeCredentials: [],
      hmacKeyRings: [],
    },
    platform,
  );
  return natsConfig({ platform, model, nkeys: (s) => nkeys.get(`${s.namespace}/${s.name}`) }).text;
}

const natsUserOf = (o: KubeObject) => (o as { status?: { natsUser?: unknown } }).status?.natsUser;

export class NatsAuth {
  readonly #platform: Platform;
  readonly #services: Informer<KubeObject>;
  readonly #publisher: NatsPublisher;
  readonly #parsed = new ParsedCache<TradingService>(TradingServiceSchema, bySpec);
  /** Public keys reconciles reported before their status reached the cache. */
  readonly #known = new Map<string, string>();
  #memo: { fingerprint: string; text: string } | undefined;

  constructor(platform: Platform, services: Informer<KubeObject>, publisher: NatsPublisher) {
    this.#platform = platform;
    this.#services = services;
    this.#publisher = publisher;
  }

  /** The config as the cache (plus `override`) says; recomputed only when an input changed. */
  text(override: NatsOverride): string {
    if (override.natsUser) this.#known.set(override.key, override.natsUser);
    else this.#known.delete(override.key);
    const all = this.#services.store.list();
    this.#parsed.prune(all);
    const live = all.filter((o) => !o.metadata.deletionTimestamp);
    const nkeys = new Map<string, string>();
    for (const o of live) {
      const key = `${o.metadata.namespace}/${o.metadata.name}`;
      const user = this.#known.get(key) ?? natsUserOf(o);
      if (typeof user === 'string' && key !== override.key) nkeys.set(key, user);
    }
    if (override.natsUser) nkeys.set(override.key, override.natsUser);
    const fingerprint = live
      .map((o) => `${o.metadata.namespace}/${o.metadata.name}:${o.metadata.generation}`)
      .concat([...nkeys].map(([k, v]) => `${k}=${v}`))
      .sort()
      .join('\n');
    if (this.#memo?.fingerprint !== fingerprint) {
      const text = natsAuthText(this.#platform, this.#parsed.valid(live), nkeys);
      this.#memo = { fingerprint, text };
    }
    return this.#memo.text;
  }

  /** Asks for the config to be loaded; 'confirmed' once nats-server runs it. */
  request(override: NatsOverride): PublishState {
    return this.#publisher.request(this.text(override));
  }
}

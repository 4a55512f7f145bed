import type { Informer } from '../../operator/informer/informer.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { natsConfig } from '../../render/index.ts';
import type { Platform } from '../../render/platform.ts';
import { buildModel, keyOf } from '../../render/build-model.ts';
import type { ConfigSnapshot, NatsPublisher, PublishState } from '../../nats/publisher.ts';
import { bySpec, ParsedCache } from './gather.ts';
import { TradingServiceSchema, type TradingService } from '../../api/tradingservice/schema.ts';

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
  isolated: ReadonlySet<string> = new Set(),
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
  return natsConfig({
    platform,
    model,
    nkeys: (s) => nkeys.get(`${s.namespace}/${s.name}`),
    isolated,
  }).text;
}

const natsUserOf = (o: KubeObject) => (o as { status?: { natsUser?: unknown } }).status?.natsUser;

/**
 * The aggregated config's inputs and their versions. Each service's part of the config is its
 * state (NKey public key and spec generation, or absent); a reconcile that brings a new state
 * bumps the version, and its service is Ready once a config of that version was confirmed.
 * The text is rendered by the publisher once per write, never per reconcile: rendering it is
 * O(services), and doing so per reconcile made a burst of N services O(N²).
 */
export class NatsAuth {
  readonly #platform: Platform;
  readonly #services: Informer<KubeObject>;
  readonly #publisher: NatsPublisher;
  readonly #parsed = new ParsedCache<TradingService>(TradingServiceSchema, bySpec);
  /** Public keys reconciles reported before their status reached the cache. */
  readonly #known = new Map<string, string>();
  /** Each service's state as last reported, and the version it entered at. */
  readonly #states = new Map<string, { state: string; version: number }>();
  readonly #waiting = new Set<string>();
  #version = 0;
  #memo: { fingerprint: string; text: string } | undefined;
  /** Whether a namespace is isolated now: its users are left out of the config (disabled). */
  readonly #isolated: (namespace: string) => boolean;

  constructor(
    platform: Platform,
    services: Informer<KubeObject>,
    publisher: NatsPublisher,
    isolated: (namespace: string) => boolean = () => false,
  ) {
    this.#platform = platform;
    this.#services = services;
    this.#publisher = publisher;
    this.#isolated = isolated;
  }

  /** False without a monitoring URL: a confirmed write is not a loaded config. */
  get confirmsLoad(): boolean {
    return this.#publisher.confirmsLoad;
  }

  /** `wake` is called with the services that waited, once nats-server confirmed a write. */
  onSettled(wake: (key: string) => void): void {
    this.#publisher.onSettled(() => {
      const keys = [...this.#waiting];
      this.#waiting.clear();
      keys.forEach(wake);
    });
  }

  /** The config as the cache (plus what reconciles reported) says now, and its version. */
  snapshot(): ConfigSnapshot {
    const all = this.#services.store.list();
    this.#parsed.prune(all);
    const live = all.filter((o) => !o.metadata.deletionTimestamp);
    const nkeys = new Map<string, string>();
    for (const o of live) {
      const key = `${o.metadata.namespace}/${o.metadata.name}`;
      const state = this.#states.get(key)?.state;
      if (state === ABSENT) continue;
      const user = this.#known.get(key) ?? natsUserOf(o);
      if (typeof user === 'string') nkeys.set(key, user);
    }
    const isolated = new Set(
      live.map((o) => o.metadata.namespace ?? '').filter((ns) => this.#isolated(ns)),
    );
    const fingerprint = live
      .map((o) => `${o.metadata.namespace}/${o.metadata.name}:${o.metadata.generation}`)
      .concat(
        [...nkeys].map(([k, v]) => `${k}=${v}`),
        [...isolated].map((ns) => `!${ns}`),
      )
      .sort()
      .join('\n');
    if (this.#memo?.fingerprint !== fingerprint) {
      const text = natsAuthText(this.#platform, this.#parsed.valid(live), nkeys, isolated);
      this.#memo = { fingerprint, text };
    }
    return { text: this.#memo.text, version: this.#version };
  }

  /** Records the service's state; returns the config version that holds it. */
  #note(override: NatsOverride): number {
    if (override.natsUser) this.#known.set(override.key, override.natsUser);
    else this.#known.delete(override.key);
    const generation = this.#services.store.get(override.key)?.metadata.generation ?? 0;
    const state = override.natsUser ? `${override.natsUser}@${generation}` : ABSENT;
    const noted = this.#states.get(override.key);
    if (noted?.state === state) return noted.version;
    this.#version += 1;
    this.#states.set(override.key, { state, version: this.#version });
    return this.#version;
  }

  /** Asks for the service's state to be loaded; 'confirmed' once nats-server runs it. */
  request(override: NatsOverride): PublishState {
    const state = this.#publisher.request(this.#note(override), () => this.snapshot());
    if (state === 'pending') this.#waiting.add(override.key);
    return state;
  }

  /**
   * Asks for a config that reflects `namespace` isolated or not (the snapshot reads that from
   * the Namespace); 'confirmed' once nats-server runs it. Each change of state is a new version.
   */
  requestNamespace(namespace: string, isolated: boolean): PublishState {
    const key = `namespace:${namespace}`;
    const state = isolated ? 'isolated' : 'released';
    let noted = this.#states.get(key);
    if (noted?.state !== state) {
      this.#version += 1;
      noted = { state, version: this.#version };
      this.#states.set(key, noted);
    }
    return this.#publisher.request(noted.version, () => this.snapshot());
  }

  /** Forgets a service that is gone (its finalizer already published the config without it). */
  forget(key: string): void {
    this.#states.delete(key);
    this.#known.delete(key);
  }
}

const ABSENT = '-';

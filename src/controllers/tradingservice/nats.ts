import type { Informer } from '../../operator/informer/informer.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { natsConfig } from '../../render/index.ts';
import type { Platform } from '../../api/platform/settings.ts';
import { buildModel, keyOf } from '../../render/build-model.ts';
import type { ConfigSnapshot, NatsPublisher, PublishState } from '../../nats/publisher.ts';
import { parsedServices, type ParsedCache } from './gather.ts';
import type { TradingService } from '../../api/tradingservice/schema.ts';
import type { NatsUsers } from './nkey-rotation.ts';

/**
 * The aggregated NATS auth config of every TradingService, from the shared render (`natsConfig`),
 * published once per change. A service is in it while it has an NKey (status.natsUser, or the
 * one its reconcile just created) and is not being deleted: its finalizer publishes the config
 * without it before it lets go. During an NKey rotation its previous key is in it too, as a
 * second user with the same permissions.
 */

/** A service's NATS users as a reconcile knows them, ahead of the cache. */
export interface NatsOverride extends NatsUsers {
  key: string;
}

/** Beside each service's public key: isolated namespaces and previous keys (rotations). */
export interface NatsAuthExtras {
  /** Namespaces under isolation: their users are left out (disabled). */
  isolated?: ReadonlySet<string>;
  /** During an NKey rotation, each service's previous public key. */
  previous?: ReadonlyMap<string, string>;
  /** With `nats.auth: jwt`: each service's revocation of its older JWTs. */
  revokedBefore?: ReadonlyMap<string, number>;
}

/**
 * How the services' users become what nats-server runs: the aggregated config text (the
 * default), or with `nats.auth: jwt` the accounts' claims (nats-jwt.ts).
 */
export interface NatsAuthMode {
  text: (
    platform: Platform,
    services: readonly TradingService[],
    nkeys: ReadonlyMap<string, string>,
    extras: NatsAuthExtras,
  ) => string;
  /** Changes whenever something outside the cache changes the text (retired users). */
  fingerprint?: () => string;
  /**
   * Whether `text` (a config nats-server runs) already gives the service's `users` in `account`
   * all they need: then the service is confirmed without a write. Absent: never (each state
   * is its own text, as in the aggregated config).
   */
  holds?: (text: string, account: string, users: NatsUsers) => boolean;
}

export const CONFIG_MODE: NatsAuthMode = { text: natsAuthText };

/** The NATS account a cached service names (before validation: absent means the default). */
export function accountNamed(platform: Platform, object: KubeObject): string {
  const named = (object as { spec?: { nats?: { account?: unknown } } }).spec?.nats?.account;
  return typeof named === 'string' ? named : platform.nats.account;
}

/** The config text for these services and public keys (pure). */
export function natsAuthText(
  platform: Platform,
  services: readonly TradingService[],
  nkeys: ReadonlyMap<string, string>,
  extras: NatsAuthExtras = {},
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
  const keyOfService = (s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`;
  const { previous, isolated = new Set<string>() } = extras;
  return natsConfig({
    platform,
    model,
    nkeys: (s) => nkeys.get(keyOfService(s)),
    previousNkeys: (s) => previous?.get(keyOfService(s)),
    isolated,
  }).text;
}

/** The users a service's status names. */
export function statusUsers(o: KubeObject): NatsUsers {
  const status = (
    o as {
      status?: { natsUser?: unknown; previousNatsUser?: unknown; natsJwtRevokedBefore?: unknown };
    }
  ).status;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const revokedBefore = status?.natsJwtRevokedBefore;
  return {
    natsUser: text(status?.natsUser),
    previousNatsUser: text(status?.previousNatsUser),
    ...(typeof revokedBefore === 'number' && { revokedBefore }),
  };
}

/** A service's part of the config: its keys, revocation and spec generation, or ABSENT. */
function stateOf(users: NatsUsers, generation: number): string {
  if (!users.natsUser) return ABSENT;
  const revoked = users.revokedBefore === undefined ? '' : `<${users.revokedBefore}`;
  return `${users.natsUser}+${users.previousNatsUser ?? ''}${revoked}@${generation}`;
}

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
  readonly #parsed: ParsedCache<TradingService>;
  /** Public keys reconciles reported before their status reached the cache. */
  readonly #known = new Map<string, NatsUsers>();
  /** Each service's state as last reported, its users, and the version it entered at. */
  readonly #states = new Map<string, { state: string; version: number; users: NatsUsers }>();
  readonly #waiting = new Set<string>();
  #version = 0;
  /** The last text rendered, what it was rendered from, and the mode's fingerprint then. */
  #memo: { fingerprint: string; text: string; external: string } | undefined;
  /** Whether a namespace is isolated now: its users are left out of the config (disabled). */
  readonly #isolated: (namespace: string) => boolean;

  readonly #mode: NatsAuthMode;

  constructor(
    platform: Platform,
    services: Informer<KubeObject>,
    publisher: NatsPublisher,
    options: {
      isolated?: (namespace: string) => boolean;
      mode?: NatsAuthMode | undefined;
      /** The controller's parse memo, shared so each service is held parsed once. */
      parsed?: ParsedCache<TradingService>;
    } = {},
  ) {
    this.#parsed = options.parsed ?? parsedServices();
    this.#platform = platform;
    this.#services = services;
    this.#publisher = publisher;
    this.#isolated = options.isolated ?? (() => false);
    this.#mode = options.mode ?? CONFIG_MODE;
  }

  /** False without a monitoring URL: a confirmed write is not a loaded config. */
  get confirmsLoad(): boolean {
    return this.#publisher.confirmsLoad;
  }

  /**
   * `wake` is called with the services that waited, once nats-server confirmed a config holding
   * their state. One that asked for a newer version than the write confirmed waits on: waking it
   * only to find it still pending was a wasted reconcile per service in every burst.
   */
  onSettled(wake: (key: string) => void): void {
    this.#publisher.onSettled((confirmed) => {
      const keys = [...this.#waiting].filter(
        (key) => (this.#states.get(key)?.version ?? 0) <= confirmed,
      );
      for (const key of keys) this.#waiting.delete(key);
      keys.forEach(wake);
    });
  }

  /** The config as the cache (plus what reconciles reported) says now, and its version. */
  snapshot(): ConfigSnapshot {
    const all = this.#services.store.list();
    this.#parsed.prune(all.length, () => all);
    const live = all.filter((o) => !o.metadata.deletionTimestamp);
    const { nkeys, previous, revokedBefore } = this.#users(live);
    const isolated = new Set(
      live.map((o) => o.metadata.namespace ?? '').filter((ns) => this.#isolated(ns)),
    );
    const external = this.#mode.fingerprint?.() ?? '';
    const fingerprint = live
      .map((o) => `${o.metadata.namespace}/${o.metadata.name}:${o.metadata.generation}`)
      .concat(
        [...nkeys].map(([k, v]) => `${k}=${v}`),
        [...previous].map(([k, v]) => `${k}~${v}`),
        [...isolated].map((ns) => `!${ns}`),
        [...revokedBefore].map(([k, v]) => `${k}<${v}`),
        [`#${external}`],
      )
      .sort()
      .join('\n');
    if (this.#memo?.fingerprint !== fingerprint) {
      const services = this.#parsed.valid(live);
      const extras = { previous, isolated, revokedBefore };
      const text = this.#mode.text(this.#platform, services, nkeys, extras);
      this.#memo = { fingerprint, text, external };
    }
    return { text: this.#memo.text, version: this.#version };
  }

  /** Each live service's users as reconciles reported them (or status says), unless absent. */
  #users(live: readonly KubeObject[]) {
    const nkeys = new Map<string, string>();
    const previous = new Map<string, string>();
    const revokedBefore = new Map<string, number>();
    for (const o of live) {
      const key = `${o.metadata.namespace}/${o.metadata.name}`;
      if (this.#states.get(key)?.state === ABSENT) continue;
      const users = this.#known.get(key) ?? statusUsers(o);
      if (!users.natsUser) continue;
      nkeys.set(key, users.natsUser);
      if (users.previousNatsUser) previous.set(key, users.previousNatsUser);
      if (users.revokedBefore !== undefined) revokedBefore.set(key, users.revokedBefore);
    }
    return { nkeys, previous, revokedBefore };
  }

  /** Records the service's state; returns the config version that holds it. */
  #note(override: NatsOverride): number {
    const { key, ...asked } = override;
    const users = asked.natsUser ? asked : {};
    if (users.natsUser) this.#known.set(key, users);
    else this.#known.delete(key);
    const object = this.#services.store.get(key);
    const state = stateOf(users, object?.metadata.generation ?? 0);
    const noted = this.#states.get(key);
    if (noted?.state === state) return noted.version;
    const version = this.#runningHolds(object, users) ?? (this.#version += 1);
    this.#states.set(key, { state, version, users });
    return version;
  }

  /**
   * The version of the config nats-server runs when that config already holds what `users`
   * need (their account, and exactly the revocations they bring), so the service is confirmed
   * without a write: with `nats.auth: jwt`, a new service in an account nats-server has needs
   * nothing from it. At 1,000 services that was a reconcile per service spent waiting for a
   * write of the same text. Never in an isolated namespace (its users are revoked), and never
   * while something outside the cache changed since that text was rendered: a user retired by
   * this very reconcile (a withdrawn grant, a rotation's end) must reach nats-server, so its
   * state asks for a new write as ever.
   */
  #runningHolds(object: KubeObject | undefined, users: NatsUsers): number | undefined {
    const running = this.#runningAsRendered();
    const holds = this.#mode.holds;
    if (!running || !holds || !object || !users.natsUser) return undefined;
    if (this.#isolated(object.metadata.namespace ?? '')) return undefined;
    const account = accountNamed(this.#platform, object);
    if (account === this.#platform.nats.systemAccount) return undefined;
    return holds(running.text, account, users) ? running.version : undefined;
  }

  /** The config nats-server runs, if it is the last one rendered and nothing outside moved since. */
  #runningAsRendered(): ConfigSnapshot | undefined {
    const running = this.#publisher.running?.();
    const rendered = this.#memo;
    if (!running || rendered?.text !== running.text) return undefined;
    return rendered.external === (this.#mode.fingerprint?.() ?? '') ? running : undefined;
  }

  /**
   * The users nats-server confirmed it runs for the service: those of its last request, once
   * loaded; none before (or when this publisher cannot see a load). Asks for nothing new.
   */
  loaded(key: string): NatsUsers {
    const noted = this.#states.get(key);
    if (!noted || !this.#publisher.confirmsLoad) return {};
    const state = this.#publisher.request(noted.version, () => this.snapshot());
    return state === 'confirmed' ? noted.users : {};
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
      noted = { state, version: this.#version, users: {} };
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

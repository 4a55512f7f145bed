/**
 * An NKey rotation on the real environment: a nats-server the operator publishes its auth
 * config to (written to its config file, reloaded, confirmed through /varz), and a checker that
 * logs in to it, at each moment, with the seed each running pod's template pins, and with the
 * old and the new seed, recording who was accepted when.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { connect, nkeyAuthenticator } from 'nats';
import { natsAuthText } from '../../src/controllers/tradingservice/nats.ts';
import { nkeyPath } from '../../src/controllers/tradingservice/vault.ts';
import { ConfirmedPublisher } from '../../src/nats/publisher.ts';
import { varzConfigLoadTime } from '../../src/nats/reloader.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import type { Platform } from '../../src/api/platform/settings.ts';
import { startNats, type NatsServer } from '../../src/testenv/nats.ts';
import type { VaultAdapter } from '../../src/vault/adapter.ts';
import { testEnv } from './env.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A nats-server with an empty posture config; `publisher()` is what an operator gets. */
export async function natsForOperator(
  platform: Platform,
): Promise<{ server: NatsServer; publisher: () => ConfirmedPublisher }> {
  const bin = testEnv().bin['nats-server'];
  if (!bin) throw new Error('nats-server was not built');
  const server = await startNats(bin, natsAuthText(platform, [], new Map()));
  // startNats appended listen and monitor settings: every config written keeps them.
  const listen = (await readFile(server.configFile, 'utf8'))
    .split('\n')
    .filter((l) => /^(host|port|http):/.test(l))
    .join('\n');
  const publisher = () =>
    new ConfirmedPublisher(
      {
        write: (text) => writeFile(server.configFile, `${text}\n${listen}\n`),
        reload: () => Promise.resolve(server.reload()),
        loadedMarker: () => varzConfigLoadTime(server.monitorUrl),
      },
      { quietMs: 200, maxWaitMs: 2000 },
    );
  return { server, publisher };
}

/** The NKey seed version a pod's Vault Agent template pins. */
export function pinnedSeedVersion(pod: KubeObject): number | undefined {
  const template =
    pod.metadata.annotations?.['vault.hashicorp.com/agent-inject-template-nats-nkey-seed'];
  const match = /\?version=(\d+)"/.exec(template ?? '');
  return match ? Number(match[1]) : undefined;
}

/** One login and its answer, at a time. */
export interface Login {
  at: number;
  who: string;
  version: number;
  accepted: boolean;
  error?: string;
  /** Attempts refused before this answer (a connect that met a reload). */
  retried: number;
}

/**
 * A connect that reaches nats-server while it swaps in a reloaded config can be refused even for
 * a user in both configs (nats-server rebuilds its accounts on reload); any client retries. Two
 * quick retries, 50 ms apart, absorb that and are too short to hide a config without the user:
 * a second reload takes a write, a SIGHUP and a confirmation.
 */
const RETRIES = 2;
const RETRY_MS = 50;

/**
 * Logs in, round after round until stopped, with the seed of every running pod of `service`
 * (terminating pods excluded: they are shutting down) and with seed versions `old` and `next`
 * once Vault holds them. Every answer is kept, in order.
 */
export class LoginChecker {
  readonly logins: Login[] = [];
  readonly #seeds = new Map<number, Uint8Array>();
  readonly #done: Promise<void>;
  #running = true;
  readonly o: {
    admin: KubeClient;
    vault: VaultAdapter;
    server: NatsServer;
    platform: Platform;
    namespace: string;
    service: string;
    old: number;
    next: number;
  };

  constructor(o: LoginChecker['o']) {
    this.o = o;
    this.#done = this.#loop();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }

  /** Logins by pods whose pinned seed was refused: what must never happen. */
  podFailures(): Login[] {
    return this.logins.filter((l) => l.who.startsWith('pod') && !l.accepted);
  }

  async #seed(version: number): Promise<Uint8Array | undefined> {
    const known = this.#seeds.get(version);
    if (known) return known;
    const path = nkeyPath(this.o.platform, { namespace: this.o.namespace, name: this.o.service });
    const secret = await this.o.vault.kvRead(path, version);
    if (!secret?.data.seed) return undefined;
    const seed = new TextEncoder().encode(secret.data.seed);
    this.#seeds.set(version, seed);
    return seed;
  }

  async #attempt(seed: Uint8Array): Promise<string | undefined> {
    try {
      const nc = await connect({
        servers: this.o.server.url,
        authenticator: nkeyAuthenticator(seed),
        reconnect: false,
        timeout: 5000,
      });
      await nc.close();
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  async #login(who: string, version: number): Promise<void> {
    const seed = await this.#seed(version);
    if (!seed) return;
    const at = Date.now();
    let error = await this.#attempt(seed);
    let retried = 0;
    while (error !== undefined && retried < RETRIES) {
      retried += 1;
      await sleep(RETRY_MS);
      error = await this.#attempt(seed);
    }
    const answer = error === undefined ? { accepted: true } : { accepted: false, error };
    this.logins.push({ at, who, version, retried, ...answer });
  }

  async #pods(): Promise<{ name: string; version: number }[]> {
    const pods = await this.o.admin.list<KubeObject & { status?: { phase?: string } }>(
      RESOURCES.pod,
      { namespace: this.o.namespace },
    );
    return pods.items
      .filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp)
      .filter((p) => p.metadata.labels?.['app.kubernetes.io/name'] === this.o.service)
      .map((p) => ({ name: p.metadata.name ?? '', version: pinnedSeedVersion(p) ?? 0 }));
  }

  async #loop(): Promise<void> {
    while (this.#running) {
      for (const pod of await this.#pods()) await this.#login(`pod ${pod.name}`, pod.version);
      await this.#login('old seed', this.o.old);
      await this.#login('new seed', this.o.next);
      await sleep(50);
    }
  }
}

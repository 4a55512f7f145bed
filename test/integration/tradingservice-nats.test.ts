/**
 * TradingServices become NATS users of a real nats-server: the operator publishes the
 * aggregated auth config (shared render), a burst of creations shares few reloads, Ready waits
 * for nats-server's confirmation (/varz config_load_time), each service logs in with the NKey
 * seed only Vault holds, and a deleted service's user is gone before its finalizer is.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { connect, nkeyAuthenticator } from 'nats';
import { natsAuthText } from '../../src/controllers/tradingservice/nats.ts';
import { nkeyPath } from '../../src/controllers/tradingservice/vault.ts';
import {
  ConfirmedPublisher,
  type ConfigSnapshot,
  type NatsPublisher,
  type PublishState,
} from '../../src/nats/publisher.ts';
import { varzConfigLoadTime } from '../../src/nats/reloader.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { platformSchema } from '../../src/api/platform/settings.ts';
import { startNats, type NatsServer } from '../../src/testenv/nats.ts';
import { testEnv } from '../support/env.ts';
import {
  createTestNamespace,
  eventually,
  repeatedWrites,
  testKubeClient,
} from '../support/operator.ts';
import { operatorVaultLogin, type OperatorVaultLogin } from '../support/operator-vault.ts';
import {
  installPostureCrds,
  isReady,
  rootVault,
  startTradingServiceOperator,
  type RunningOperator,
} from '../support/tradingservice.ts';
import { TRADING_SERVICE } from '../../src/api/tradingservice/kind.ts';

const COUNT = 30;
/** A burst ends after this long without a newer config version (and at the latest after MAX_WAIT_MS). */
const QUIET_MS = 2000;
const MAX_WAIT_MS = 30_000;
const platform = platformSchema.parse({});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const service = (namespace: string, i: number) => ({
  apiVersion: 'posture.dev/v1alpha1',
  kind: 'TradingService',
  metadata: { name: `svc-${i}`, namespace },
  spec: {
    image: `ghcr.io/titan-platform/svc:v1@sha256:${'b'.repeat(64)}`,
    ports: [{ name: 'http', port: 8080 }],
    nats: { publish: [`titan.evt.svc${i}.>`], subscribe: ['titan.cmd.>'] },
  },
});

async function seedOf(namespace: string, name: string): Promise<Uint8Array> {
  const secret = await rootVault().kvRead(nkeyPath(platform, { namespace, name }));
  assert.ok(secret?.data.seed, `no NKey seed in Vault for ${name}`);
  return new TextEncoder().encode(secret.data.seed);
}

/**
 * The publisher the operator gets, noting when it asked for a newer config version: a publisher
 * may write once per quiet window (or per MAX_WAIT_MS), so the asks tell how many writes the
 * operator's pace allowed, however slow the machine made it.
 */
class AskLog implements NatsPublisher {
  readonly asks: number[] = [];
  readonly #inner: ConfirmedPublisher;
  #newest = 0;

  constructor(inner: ConfirmedPublisher) {
    this.#inner = inner;
  }

  get reloads(): number {
    return this.#inner.reloads;
  }

  get confirmsLoad(): boolean {
    return this.#inner.confirmsLoad;
  }

  request(version: number, render: () => ConfigSnapshot): PublishState {
    if (version > this.#newest) {
      this.#newest = version;
      this.asks.push(Date.now());
    }
    return this.#inner.request(version, render);
  }

  onSettled(listener: (confirmed: number) => void): void {
    this.#inner.onSettled(listener);
  }

  /** Writes the asks allowed: one for the burst, one per quiet gap, one per MAX_WAIT_MS. */
  writesAllowed(): number {
    const gaps = this.asks.filter((at, i) => i > 0 && at - this.asks[i - 1]! >= QUIET_MS).length;
    const span = (this.asks.at(-1) ?? 0) - (this.asks[0] ?? 0);
    return 1 + gaps + Math.floor(span / MAX_WAIT_MS);
  }
}

describe('TradingService NATS users on a real nats-server', () => {
  let admin: KubeClient;
  let namespace: string;
  let server: NatsServer;
  let publisher: AskLog;
  let operator: RunningOperator;
  let login: OperatorVaultLogin | undefined;

  before(async () => {
    const bin = testEnv().bin['nats-server'];
    assert.ok(bin, 'nats-server was not built');
    server = await startNats(bin, natsAuthText(platform, [], new Map()));
    // startNats appended listen and monitor settings: every config written keeps them.
    const listen = (await readFile(server.configFile, 'utf8'))
      .split('\n')
      .filter((l) => /^(host|port|http):/.test(l))
      .join('\n');
    const confirmed = new ConfirmedPublisher(
      {
        write: (text) => writeFile(server.configFile, `${text}\n${listen}\n`),
        reload: () => Promise.resolve(server.reload()),
        loadedMarker: () => varzConfigLoadTime(server.monitorUrl),
      },
      // A 2 s quiet window keeps a burst of 30 reconciles on 2 busy cores mostly in one reload;
      // the assertion counts the quiet gaps the operator's pace actually left.
      { quietMs: QUIET_MS, maxWaitMs: MAX_WAIT_MS },
    );
    publisher = new AskLog(confirmed);
    await installPostureCrds();
    admin = testKubeClient();
    namespace = await createTestNamespace(admin, 'tsnats');
    await Promise.all(
      Array.from({ length: COUNT }, (_, i) => admin.create(TRADING_SERVICE, service(namespace, i))),
    );
    // The operator logs in with its own role, never the root token.
    login = await operatorVaultLogin(namespace);
    operator = startTradingServiceOperator({
      namespace,
      platform: login.platform,
      vault: login.adapter(),
      nats: publisher,
    });
  });
  after(async () => {
    await operator?.stop();
    await login?.remove();
    await admin?.delete(RESOURCES.namespace, { name: namespace });
    await server?.stop();
  });

  it('should make every service Ready after few reloads, each user able to log in', async () => {
    const started = Date.now();
    await eventually(
      `${COUNT} TradingServices Ready`,
      async () => {
        const list = await admin.list(TRADING_SERVICE, { namespace });
        return list.items.filter(isReady).length === COUNT || undefined;
      },
      60_000,
    );
    const reloads = publisher.reloads;
    const allowed = publisher.writesAllowed();
    process.stdout.write(
      `# ${COUNT} services Ready in ${Date.now() - started} ms with ${reloads} reloads ` +
        `(${publisher.asks.length} newer versions asked for, ${allowed} writes allowed)\n`,
    );
    assert.ok(reloads >= 1, 'the users were written');
    // At most one reload per quiet gap in the asks: one on a machine that kept pace.
    assert.ok(
      reloads <= allowed,
      `${reloads} reloads for ${COUNT} services; the quiet gaps allowed ${allowed}`,
    );
    for (const i of [0, COUNT - 1]) {
      const nc = await connect({
        servers: server.url,
        authenticator: nkeyAuthenticator(await seedOf(namespace, `svc-${i}`)),
      });
      await nc.close();
    }
  });

  it('should not write or reload during no-op resyncs', async () => {
    // Pods turning ready change status.readyReplicas (a real change): wait until every pod is
    // ready and that status is written, then for a quiet operator.
    await eventually(
      'every service showing its pod ready',
      async () => {
        const list = await admin.list(TRADING_SERVICE, { namespace });
        const ready = (o: KubeObject) =>
          (o as { status?: { readyReplicas?: number } }).status?.readyReplicas === 1;
        return (list.items.length > 0 && list.items.every(ready)) || undefined;
      },
      // 30 pods through kube-controller-manager, the scheduler and kwok: on a loaded 2-core CI
      // machine that once took over 120 s. This is the precondition, not what is measured.
      300_000,
    );
    await eventually(
      'a quiet operator',
      async () => {
        const writes = operator.client.writes();
        await sleep(1500);
        return operator.client.writes() === writes || undefined;
      },
      60_000,
    );
    const reloads = publisher.reloads;
    const since = Date.now();
    await sleep(3000);
    assert.equal(publisher.reloads, reloads);
    // Any write now is either a real change the cluster made (kube-controller-manager on a
    // loaded machine may still move a pod, changing readyReplicas) or a no-op resync sending
    // again what it sent before. Only the second is a bug, and it repeats a body verbatim.
    const window = operator.client.writeLog().filter((w) => w.at >= since);
    const repeated = repeatedWrites(operator.client.writeLog(), since);
    assert.deepEqual(
      repeated.map((w) => `${w.verb} ${w.path}`),
      [],
      `writes during resyncs: ${window.map((w) => `${w.verb} ${w.path}`).join(', ') || 'none'}`,
    );
  });

  it("should remove a deleted service's NATS user, and then its seed", async () => {
    const seed = await seedOf(namespace, 'svc-0');
    await admin.delete(TRADING_SERVICE, { name: 'svc-0', namespace });
    // No finalizer (docs/adr/0063): the CR goes at once, and the operator follows.
    await eventually('svc-0 refused by nats-server', () =>
      connect({
        servers: server.url,
        authenticator: nkeyAuthenticator(seed),
        reconnect: false,
      }).then(
        async (nc) => void (await nc.close()),
        (error: unknown) => (/Authorization/i.test(String(error)) ? true : undefined),
      ),
    );
    await eventually('svc-0 seed gone from Vault', async () =>
      (await rootVault().kvRead(nkeyPath(platform, { namespace, name: 'svc-0' })))
        ? undefined
        : true,
    );
  });
});

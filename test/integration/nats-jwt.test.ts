/**
 * NATS decentralized auth on a real nats-server in full-resolver mode (docs/adr/0060): the
 * operator pushes the account over the system account and confirms it; every service logs in
 * with the creds its pod gets (the real Vault Agent, logged in with the service's own
 * ServiceAccount token); allowed and denied subjects are enforced; a permission change reaches
 * a reconnecting client and revokes the older JWT; an isolated namespace's users are cut off
 * and come back on release; a withdrawn grant (spec.nats removed, another account) is revoked
 * where it was issued; a deleted service is revoked for good; no service reaches the system
 * account.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { connect, credsAuthenticator, type NatsConnection } from 'nats';
import { TRADING_SERVICE } from '../../src/api/tradingservice/kind.ts';
import { JwtAuthority, jwtKeysPath } from '../../src/nats/jwt/authority.ts';
import { initJwt } from '../../src/nats/jwt/init.ts';
import { resolverTarget, systemConnection } from '../../src/nats/jwt/resolver-target.ts';
import { ConfirmedPublisher, type NatsPublisher } from '../../src/nats/publisher.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { resolverConfigText } from '../../src/render/nats/resolver.ts';
import { VAULT_AUDIENCE } from '../../src/render/vault/policy.ts';
import { startNats, type NatsServer } from '../../src/testenv/nats.ts';
import { testEnv } from '../support/env.ts';
import { mustKubectl, serviceAccountToken } from '../support/kubernetes-auth.ts';
import { createTestNamespace, eventually, testKubeClient } from '../support/operator.ts';
import { operatorVaultLogin, type OperatorVaultLogin } from '../support/operator-vault.ts';
import {
  installPostureCrds,
  isReady,
  rootVault,
  startTradingServiceOperator,
  type RunningOperator,
} from '../support/tradingservice.ts';
import { operatorCommand } from '../support/operator-command.ts';
import { runAgent } from '../support/vault-agent.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

const KV = 'secret';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The promise's value, or a failure naming what did not happen within a generous bound. */
async function within<T>(promise: Promise<T>, what: string, ms = 60_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const service = (namespace: string, name: string, nats: Record<string, unknown>) => ({
  apiVersion: 'posture.dev/v1alpha1',
  kind: 'TradingService',
  metadata: { name, namespace },
  spec: {
    image: `ghcr.io/titan-platform/${name}:v1@sha256:${'c'.repeat(64)}`,
    ports: [{ name: 'http', port: 8080 }],
    nats,
  },
});

/** The publisher, calling `pending` each time it answers an ask with 'pending'. */
function countingPending(publisher: ConfirmedPublisher, pending: () => void): NatsPublisher {
  return {
    request: (version, render) => {
      const state = publisher.request(version, render);
      if (state === 'pending') pending();
      return state;
    },
    onSettled: (listener) => publisher.onSettled(listener),
    get reloads() {
      return publisher.reloads;
    },
    confirmsLoad: publisher.confirmsLoad,
    running: () => publisher.running(),
  };
}

describe('NATS decentralized (JWT) auth on a real nats-server', () => {
  let admin: KubeClient;
  let namespace: string;
  let system: string | undefined;
  let server: NatsServer;
  let operator: RunningOperator;
  let login: OperatorVaultLogin | undefined;
  let target: ReturnType<typeof resolverTarget> | undefined;
  const open: NatsConnection[] = [];
  /** How many asks for a NATS config the publisher answered 'pending' (a write to wait for). */
  let pendings = 0;

  /** The creds file the service's pod gets: its pod template's annotations, rendered by the real agent. */
  async function podCreds(name: string): Promise<Uint8Array> {
    const deployment = await admin.get(RESOURCES.deployment, { name, namespace });
    const template = (
      deployment as {
        spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
      }
    )?.spec?.template?.metadata?.annotations;
    assert.ok(template, `no pod template annotations on ${name}`);
    const workDir = scratchDir(`posture-jwt-${name}-`);
    const secretsDir = join(workDir, 'secrets');
    mkdirSync(secretsDir);
    const tokenPath = join(workDir, 'token');
    const token = await serviceAccountToken(namespace, name, { audience: VAULT_AUDIENCE });
    writeFileSync(tokenPath, token, { mode: 0o600 });
    const run = await runAgent(template, {
      vaultAddr: testEnv().vault!.addr,
      tokenPath,
      secretsDir,
      workDir,
    });
    assert.equal(run.code, 0, run.output);
    return readFileSync(join(secretsDir, 'nats-creds'));
  }

  async function connectWith(creds: Uint8Array): Promise<NatsConnection> {
    const nc = await connect({
      servers: server.url,
      authenticator: credsAuthenticator(creds),
      reconnect: false,
    });
    open.push(nc);
    return nc;
  }

  /** The first async error the connection reports (a permissions violation), if any in `ms`. */
  async function violation(nc: NatsConnection, ms = 2000): Promise<string | undefined> {
    const seen = (async () => {
      for await (const status of nc.status())
        if (String(status.type) === 'error') return JSON.stringify(status.data);
      return undefined;
    })();
    return Promise.race([seen, sleep(ms).then(() => undefined)]);
  }

  const readyAll = async (names: string[]) => {
    let last = '';
    try {
      await eventually(
        `${names.join(', ')} Ready`,
        async () => {
          const list = await admin.list(TRADING_SERVICE, { namespace });
          const mine = list.items.filter((o) => names.includes(o.metadata.name ?? ''));
          last = JSON.stringify(mine.map((o) => (o as { status?: unknown }).status));
          return mine.filter(isReady).length === names.length || undefined;
        },
        120_000,
      );
    } catch (error) {
      throw new Error(`${String(error)}; status: ${last}; log: ${operator.log().slice(-3000)}`);
    }
  };

  before(async () => {
    const bin = testEnv().bin['nats-server'];
    assert.ok(bin, 'nats-server was not built');
    await installPostureCrds();
    admin = testKubeClient();
    namespace = await createTestNamespace(admin, 'natsjwt');
    // The administrator's one-time step (`posture nats init`), with the root token.
    const settings = await initJwt(rootVault(), KV, 'SYS');
    const resolverDir = scratchDir('posture-resolver-');
    // The operator logs in from its own namespace: isolating the services' namespace revokes
    // every Vault token issued there, which must not include the operator's.
    system = await createTestNamespace(admin, 'natsjwt-sys');
    login = await operatorVaultLogin(system, {
      nats: { auth: 'jwt', jwt: { ...settings, resolverDir } },
    });
    server = await startNats(bin, resolverConfigText(login.platform));
    // The operator reads the keys with its own Vault login, never the root token.
    const authority = new JwtAuthority(login.adapter(), KV, {
      systemAccount: 'SYS',
      expectOperatorJwt: settings.operator,
    });
    target = resolverTarget(authority, systemConnection(server.url), { systemAccount: 'SYS' });
    await admin.create(
      TRADING_SERVICE,
      service(namespace, 'quote', { publish: ['titan.quote.>'], subscribe: ['titan.cmd.>'] }),
    );
    await admin.create(
      TRADING_SERVICE,
      service(namespace, 'trader', { publish: ['titan.cmd.>'], subscribe: ['titan.quote.>'] }),
    );
    operator = startTradingServiceOperator({
      namespace,
      platform: login.platform,
      vault: login.adapter(),
      nats: countingPending(new ConfirmedPublisher(target, { quietMs: 200 }), () => pendings++),
      jwt: authority,
    });
  });

  after(async () => {
    for (const nc of open) await nc.close().catch(() => undefined);
    await operator?.stop();
    await target?.close();
    await login?.remove();
    await admin?.delete(RESOURCES.namespace, { name: namespace });
    if (system) await admin?.delete(RESOURCES.namespace, { name: system });
    await server?.stop();
  });

  it('should make each service Ready and let its pod log in with the creds Vault Agent renders', async () => {
    await readyAll(['quote', 'trader']);
    const quote = await connectWith(await podCreds('quote'));
    const trader = await connectWith(await podCreds('trader'));
    const got = trader.subscribe('titan.quote.>', { max: 1 });
    await trader.flush();
    quote.publish('titan.quote.btc', 'one');
    await quote.flush();
    const received = (async () => {
      for await (const m of got) return m.string();
      return undefined;
    })();
    assert.equal(await within(received, 'the quote reaching the trader'), 'one');
  });

  it('should make a service added to an account nats-server runs Ready without a write, and let it log in', async () => {
    const before = pendings;
    await admin.create(
      TRADING_SERVICE,
      service(namespace, 'ticker', { publish: ['titan.tick.>'], subscribe: ['titan.quote.>'] }),
    );
    await readyAll(['ticker']);
    assert.equal(pendings, before, 'its account was running: nothing to wait for');
    const ticker = await connectWith(await podCreds('ticker'));
    const seen = violation(ticker);
    ticker.publish('titan.cmd.buy', 'not mine');
    assert.match((await seen) ?? 'no violation', /PERMISSIONS_VIOLATION/);
    await admin.delete(TRADING_SERVICE, { name: 'ticker', namespace });
  });

  it('should enforce the denied subjects of each user', async () => {
    const quote = await connectWith(await podCreds('quote'));
    const seen = violation(quote);
    quote.publish('titan.cmd.buy', 'not mine');
    assert.match((await seen) ?? 'no violation', /PERMISSIONS_VIOLATION/);
  });

  it('should keep services out of the system account', async () => {
    const trader = await connectWith(await podCreds('trader'));
    const seen = violation(trader);
    trader.subscribe('$SYS.>');
    assert.match((await seen) ?? 'no violation', /PERMISSIONS_VIOLATION/);
    await admin.create(
      TRADING_SERVICE,
      service(namespace, 'intruder', { account: 'SYS', publish: ['$SYS.>'], subscribe: ['>'] }),
    );
    await eventually('intruder refused', async () => {
      const o = await admin.get(TRADING_SERVICE, { name: 'intruder', namespace });
      const conditions = (o as { status?: { conditions?: { type: string; status: string }[] } })
        ?.status?.conditions;
      const ready = conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'False' || undefined;
    });
    // Vault never got creds for it: nothing signed by the system account's keys.
    const intruder = await rootVault().kvRead(`${KV}/posture/nats/${namespace}/intruder`);
    assert.equal(intruder?.data['jwt'], undefined);
    await admin.delete(TRADING_SERVICE, { name: 'intruder', namespace });
  });

  it('should give a reconnecting client new permissions and revoke the older JWT', async () => {
    const before = await podCreds('quote');
    const connected = await connectWith(before);
    const closed = connected.closed();
    await admin.patch(TRADING_SERVICE, {
      name: 'quote',
      namespace,
      type: 'merge',
      patch: { spec: { nats: { publish: ['titan.quote2.>'], subscribe: ['titan.cmd.>'] } } },
    });
    // The account revokes the older JWT: nats-server drops the client using it, without a reload.
    const reason = await within(closed, 'the client using the older JWT dropped');
    assert.match(String(reason), /revoked/i);
    await assert.rejects(connectWith(before), /Authorization/i);
    await readyAll(['quote']);
    const after = await connectWith(await podCreds('quote'));
    const seen = violation(after);
    after.publish('titan.quote2.eth', 'new');
    after.publish('titan.quote.eth', 'old subject');
    assert.match((await seen) ?? 'no violation', /PERMISSIONS_VIOLATION/);
  });

  it('should cut an isolated namespace off and let it back in on release', async () => {
    const creds = await podCreds('trader');
    const connected = await connectWith(creds);
    const closed = connected.closed();
    await mustKubectl(['label', 'namespace', namespace, 'posture.dev/isolation=isolated']);
    const dropped = await within(closed, 'the isolated client dropped').catch(
      async (error: unknown) => {
        const ns = await admin.get(RESOURCES.namespace, { name: namespace });
        const progress = ns?.metadata.annotations?.['posture.dev/isolation-status'];
        throw new Error(
          `${String(error)}; isolation: ${progress}; log: ${operator.log().slice(-2000)}`,
        );
      },
    );
    assert.match(String(dropped), /revoked/i);
    await assert.rejects(connectWith(creds), /Authorization/i);
    await mustKubectl(['label', 'namespace', namespace, 'posture.dev/isolation-']);
    await eventually('trader back in', async () => {
      try {
        await connectWith(creds);
        return true;
      } catch {
        return undefined;
      }
    });
  });

  /** Patches quote's `spec.nats`, and waits for the client on `creds` to be dropped as revoked. */
  async function dropsClientOn(creds: Uint8Array, nats: Record<string, unknown> | null) {
    const connected = await connectWith(creds);
    const closed = connected.closed();
    await admin.patch(TRADING_SERVICE, {
      name: 'quote',
      namespace,
      type: 'merge',
      patch: { spec: { nats } },
    });
    const reason = await within(closed, 'the client on the withdrawn grant dropped').catch(
      (error: unknown) => {
        throw new Error(`${String(error)}; log: ${operator.log().slice(-3000)}`);
      },
    );
    assert.match(String(reason), /revoked/i);
    await assert.rejects(connectWith(creds), /Authorization/i);
  }

  it('should revoke the user of a service whose spec.nats is removed, and issue new creds when declared again', async () => {
    const nats = { publish: ['titan.quote2.>'], subscribe: ['titan.cmd.>'] };
    const before = await podCreds('quote');
    await dropsClientOn(before, null);
    await readyAll(['quote']);
    await admin.patch(TRADING_SERVICE, {
      name: 'quote',
      namespace,
      type: 'merge',
      patch: { spec: { nats } },
    });
    await readyAll(['quote']);
    const again = await podCreds('quote');
    assert.notDeepEqual(again, before, 'new creds: the old JWT stays revoked');
    const nc = await connectWith(again);
    const seen = violation(nc);
    nc.publish('titan.quote2.sol', 'back');
    assert.equal(await seen, undefined, 'the new creds carry the declared permissions');
    await assert.rejects(connectWith(before), /Authorization/i);
  });

  it('should revoke the creds of the account a service moved away from', async () => {
    const before = await podCreds('quote');
    await dropsClientOn(before, { account: 'RISK' });
    await readyAll(['quote']);
    const risk = await connectWith(await podCreds('quote'));
    const got = risk.subscribe('titan.cmd.>', { max: 1 });
    await risk.flush();
    assert.equal(got.isClosed(), false, 'logged in to the new account');
  });

  it('should move a service to a new NKey and revoke the old key once its pods rolled', async () => {
    const before = await podCreds('quote');
    const connected = await connectWith(before);
    const closed = connected.closed();
    const user = async () =>
      (
        (await admin.get(TRADING_SERVICE, { name: 'quote', namespace })) as KubeObject & {
          status?: { natsUser?: string; previousNatsUser?: string };
        }
      ).status;
    const old = (await user())?.natsUser;
    await mustKubectl([
      '-n',
      namespace,
      'annotate',
      'tradingservice',
      'quote',
      'posture.dev/rotate-nkey=first',
    ]);
    // Pods read the creds, not the seed: the rotation ends when they run the new key's creds.
    await eventually(
      'the rotation done, the previous key let go',
      async () => {
        const status = await user();
        return (status?.natsUser !== old && !status?.previousNatsUser) || undefined;
      },
      300_000,
    );
    const reason = await within(closed, 'the client on the old key dropped');
    assert.match(String(reason), /revoked/i);
    await assert.rejects(connectWith(before), /Authorization/i);
    await connectWith(await podCreds('quote'));
  });

  it("should revoke a deleted service's user for good, and drop its creds", async () => {
    const creds = await podCreds('trader');
    const trader = (await admin.get(TRADING_SERVICE, {
      name: 'trader',
      namespace,
    })) as KubeObject & {
      status?: { natsUser?: string };
    };
    const user = trader.status?.natsUser;
    assert.ok(user);
    await admin.delete(TRADING_SERVICE, { name: 'trader', namespace });
    // No finalizer (docs/adr/0063): the CR goes at once, and the operator follows.
    await eventually('trader refused by nats-server', () =>
      connectWith(creds).then(
        async (nc) => void (await nc.close()),
        (error: unknown) => (/Authorization/i.test(String(error)) ? true : undefined),
      ),
    );
    const account = await rootVault().kvRead(jwtKeysPath(KV, 'account-TITAN'));
    const retired = JSON.parse(account?.data.retired ?? '{}') as Record<string, number>;
    assert.ok(retired[user], 'the account keeps the revocation');
    await eventually('its creds gone from Vault', async () =>
      (await rootVault().kvRead(`${KV}/posture/nats/${namespace}/trader`)) ? undefined : true,
    );
  });
  it('should run as the posture operator command and exit on SIGTERM once connected to nats-server', async () => {
    const own = await createTestNamespace(admin, 'natsjwt-cmd');
    const dir = scratchDir('posture-jwt-cmd-');
    const platformFile = join(dir, 'platform.json');
    writeFileSync(platformFile, JSON.stringify(login!.platform));
    const flags = [
      `--platform=${platformFile}`,
      `--watch-namespace=${own}`,
      `--lease-namespace=${own}`,
      `--nats-url=${server.url}`,
    ];
    const child = spawn(process.execPath, operatorCommand({ login: login!, flags }), {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await admin.create(
        TRADING_SERVICE,
        service(own, 'pricer', { publish: ['titan.px.>'], subscribe: [] }),
      );
      // Ready means the account was pushed: the command holds a connection to nats-server.
      await eventually(
        'pricer Ready under the command',
        async () =>
          isReady(await admin.get(TRADING_SERVICE, { name: 'pricer', namespace: own })) ||
          undefined,
        120_000,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}; operator stderr: ${stderr.slice(-2000)}`);
      });
      child.kill('SIGTERM');
      const code = await within(exited, 'the operator exiting after SIGTERM');
      assert.equal(code, 0, stderr);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await admin.delete(RESOURCES.namespace, { name: own });
    }
  });
});

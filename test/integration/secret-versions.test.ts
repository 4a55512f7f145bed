/**
 * Issue 14, item 4: a new KV version of a secret a service reads rolls the service. The operator
 * (on its own Vault policy: KV metadata, never a value) pins every secret and exchange-credential
 * file to the version Vault holds, re-read at each resync; a new version changes the pod
 * template and the Deployment rolls on kwok, while a resync that finds the same versions writes
 * nothing. A new exchange key version also moves the ExchangeCredential's key age (RotationDue).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EXCHANGE_CREDENTIAL } from '../../src/api/exchangecredential/kind.ts';
import { TRADING_SERVICE } from '../../src/api/tradingservice/kind.ts';
import { exchangeCredentialController } from '../../src/controllers/exchangecredential/reconcile.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import type { VaultAdapter } from '../../src/vault/adapter.ts';
import {
  createTestNamespace,
  eventually,
  repeatedWrites,
  testKubeClient,
} from '../support/operator.ts';
import { operatorVaultLogin, type OperatorVaultLogin } from '../support/operator-vault.ts';
import {
  conditionOf,
  exchangeCredential,
  installPostureCrds,
  isReady,
  rootVault,
  startTradingServiceOperator,
  tradingService,
  type RunningOperator,
} from '../support/tradingservice.ts';

const ROLL_MS = 120_000;
const RESYNC_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Deployment = KubeObject & {
  spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
};

/** File → the KV version its Vault Agent template pins, in a pod or a Deployment's template. */
function pinsOf(annotations: Record<string, string> | undefined): Record<string, string> {
  const prefix = 'vault.hashicorp.com/agent-inject-template-';
  return Object.fromEntries(
    Object.entries(annotations ?? {})
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), /\?version=(\d+)"/.exec(value)?.[1] ?? '']),
  );
}

describe('Secret versions pinned in the pod template', () => {
  let admin: KubeClient;
  let namespace: string;
  let login: OperatorVaultLogin;
  let root: VaultAdapter;
  let operator: RunningOperator | undefined;
  const paths = { db: '', binance: '' };

  const deployment = () =>
    admin.get<Deployment>(RESOURCES.deployment, { name: 'trader', namespace });
  const templatePins = async () =>
    pinsOf((await deployment())?.spec?.template?.metadata?.annotations);
  /** Every running pod of the trader carries these pins. */
  const podsAt = async (want: Record<string, string>) => {
    const pods = await admin.list<KubeObject & { status?: { phase?: string } }>(RESOURCES.pod, {
      namespace,
    });
    const running = pods.items.filter(
      (p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp,
    );
    const matches = (p: KubeObject) =>
      Object.entries(want).every(([file, v]) => pinsOf(p.metadata.annotations)[file] === v);
    return running.length === 1 && running.every(matches);
  };

  before(async () => {
    root = rootVault();
    await installPostureCrds();
    admin = testKubeClient();
    namespace = await createTestNamespace(admin, 'secret-ver');
    paths.db = `secret/${namespace}/db`;
    paths.binance = `secret/${namespace}/exchanges/binance`;
    await root.kvWrite(paths.db, { url: 'postgres://one' });
    await root.kvWrite(paths.binance, { apiKey: 'k1', apiSecret: 's1' });
    login = await operatorVaultLogin(namespace, { egressGateway: { ips: ['203.0.113.10'] } });
    await admin.create(EXCHANGE_CREDENTIAL, exchangeCredential(namespace));
    await admin.create(
      TRADING_SERVICE,
      tradingService(namespace, 'trader', {
        ports: [{ name: 'http', port: 8080 }],
        secrets: [{ name: 'DB_URL', file: 'db-url', key: 'url', vaultPath: paths.db }],
        exchangeCredentials: ['binance'],
      }),
    );
    operator = startTradingServiceOperator({
      namespace,
      platform: login.platform,
      vault: login.adapter(),
      resyncPeriodMs: RESYNC_MS,
      also: [exchangeCredentialController(login.platform, { namespace })],
    });
  });

  after(async () => {
    await operator?.stop();
    for (const path of Object.values(paths)) await root?.kvDestroy(path);
    await login?.remove();
    await admin?.delete(RESOURCES.namespace, { name: namespace });
  });

  it("should pin each file to Vault's current version and run the pod with it", async () => {
    await eventually(
      'trader Ready, its pod on db version 1 and binance version 1',
      async () => {
        const ready = isReady(await admin.get(TRADING_SERVICE, { name: 'trader', namespace }));
        return (ready && (await podsAt({ 'db-url': '1', 'exchange-binance': '1' }))) || undefined;
      },
      ROLL_MS,
    );
  });

  it('should write nothing during resyncs that find the same versions', async () => {
    await eventually(
      'a quiet operator',
      async () => {
        const writes = operator!.client.writes();
        await sleep(1500);
        return operator!.client.writes() === writes || undefined;
      },
      60_000,
    );
    const generation = (await deployment())?.metadata.generation;
    const since = Date.now();
    await sleep(4 * RESYNC_MS);
    assert.deepEqual(
      repeatedWrites(operator!.client.writeLog(), since).map((w) => `${w.verb} ${w.path}`),
      [],
    );
    assert.equal((await deployment())?.metadata.generation, generation, 'no new template');
  });

  it('should roll the Deployment onto a new version of a plain secret', async () => {
    const written = Date.now();
    await root.kvWrite(paths.db, { url: 'postgres://two' });
    await eventually(
      'the template pinned to db version 2',
      async () => ((await templatePins())['db-url'] === '2' ? true : undefined),
      ROLL_MS,
    );
    process.stdout.write(
      `# the template pinned the new version ${Date.now() - written} ms after the write (resync every ${RESYNC_MS} ms)\n`,
    );
    await eventually(
      'the pod on db version 2',
      async () => (await podsAt({ 'db-url': '2', 'exchange-binance': '1' })) || undefined,
      ROLL_MS,
    );
  });

  it("should roll the consumers onto a credential's new key and date RotationDue from it", async () => {
    const written = await root.kvWrite(paths.binance, { apiKey: 'k2', apiSecret: 's2' });
    await eventually(
      'the pod on binance version 2',
      async () => (await podsAt({ 'db-url': '2', 'exchange-binance': '2' })) || undefined,
      ROLL_MS,
    );
    const credential = await eventually(
      'the key age taken from version 2',
      async () => {
        const o = await admin.get<KubeObject & { status?: { keyCreatedTime?: string } }>(
          EXCHANGE_CREDENTIAL,
          { name: 'binance', namespace },
        );
        const created = Date.parse(o?.status?.keyCreatedTime ?? '');
        // metav1.Time has second precision.
        return created >= Date.parse(written.createdTime) - 1000 ? o : undefined;
      },
      60_000,
    );
    assert.equal(conditionOf(credential, 'RotationDue')?.status, 'False');
  });
});

/**
 * How long a withdrawal takes to reach Vault: an ExchangeCredential drops its consumer, and the
 * clock runs until the consumer's Vault policy no longer holds the credential's path (polled
 * every 5 ms with the root token). The grant is then given back and awaited, untimed for the
 * figure, and the edit repeats. Runs the TradingService reconciler in this process against the
 * real apiserver and Vault, logged in to Vault with its own role (not the root token), with a
 * 10-minute resync, so only the watch can bring the change.
 *
 *   npm run bench -- revoke [--edits 30]
 */
import { randomBytes } from 'node:crypto';
import { RESOURCES } from '../src/operator/kube/resources.ts';
import { vaultRoleName } from '../src/render/service/index.ts';
import { startEnvironment } from '../src/testenv/environment.ts';
import { TESTENV_VARIABLE } from '../src/testenv/info.ts';
import { percentile } from './support/stats.ts';
import { EXCHANGE_CREDENTIAL } from '../src/api/exchangecredential/kind.ts';
import { TRADING_SERVICE } from '../src/api/tradingservice/kind.ts';

const args = process.argv.slice(3);
const at = args.indexOf('--edits');
const edits = at >= 0 ? Number(args[at + 1]) : 30;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const env = await startEnvironment({ controllers: false, log: () => undefined });
process.env[TESTENV_VARIABLE] = env.infoFile;
// Test support reads the environment from that variable: imported only once it is set.
const support = await import('../test/support/tradingservice.ts');
const { testKubeClient } = await import('../test/support/operator.ts');
const { operatorVaultLogin } = await import('../test/support/operator-vault.ts');
try {
  await support.installPostureCrds();
  const admin = testKubeClient();
  const namespace = `revoke-${randomBytes(3).toString('hex')}`;
  await admin.create(RESOURCES.namespace, { metadata: { name: namespace } });
  const root = support.rootVault();
  const binance = `secret/${namespace}/exchanges/binance`;
  await root.kvWrite(binance, { apiKey: 'k', apiSecret: 's' });
  await root.kvWrite(`secret/${namespace}/trader/db`, { url: 'postgres://db' });

  await admin.create(
    EXCHANGE_CREDENTIAL,
    support.exchangeCredential(namespace, { consumers: ['trader'] }),
  );
  await admin.create(
    TRADING_SERVICE,
    support.tradingService(namespace, 'trader', {
      exchangeCredentials: ['binance'],
      secrets: [
        { name: 'DB_URL', file: 'db', key: 'url', vaultPath: `secret/${namespace}/trader/db` },
      ],
    }),
  );
  // The operator on its own Vault role, as it runs in a cluster; the root token only watches.
  const login = await operatorVaultLogin(namespace);
  const operator = support.startTradingServiceOperator({
    namespace,
    platform: login.platform,
    vault: login.adapter(),
    resyncPeriodMs: 600_000,
  });
  const policy = vaultRoleName({ namespace, name: 'trader' });
  const holds = async () => ((await root.readPolicy(policy)) ?? '').includes('exchanges/binance');
  async function until(want: boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await holds()) !== want) {
      if (Date.now() > deadline)
        throw new Error(`policy did not ${want ? 'gain' : 'lose'} the path`);
      await sleep(5);
    }
  }
  const setConsumers = (consumers: string[]) =>
    admin.patch(EXCHANGE_CREDENTIAL, {
      name: 'binance',
      namespace,
      type: 'merge',
      patch: { spec: { consumers } },
    });
  await until(true);
  const revoke: number[] = [];
  const grant: number[] = [];
  for (let i = 0; i < edits; i += 1) {
    let start = performance.now();
    await setConsumers([]);
    await until(false);
    revoke.push(performance.now() - start);
    start = performance.now();
    await setConsumers(['trader']);
    await until(true);
    grant.push(performance.now() - start);
    process.stdout.write(
      `edit ${i + 1}/${edits}: revoked in ${revoke.at(-1)?.toFixed(0)} ms, granted again in ${grant.at(-1)?.toFixed(0)} ms\n`,
    );
  }
  await operator.stop();
  const sorted = (list: number[]) => [...list].sort((a, b) => a - b);
  const [r, g] = [sorted(revoke), sorted(grant)];
  const figures = {
    edits,
    revokeP50Ms: Math.round(percentile(r, 50)),
    revokeP99Ms: Math.round(percentile(r, 99)),
    revokeMaxMs: Math.round(r.at(-1) ?? NaN),
    grantP50Ms: Math.round(percentile(g, 50)),
    grantP99Ms: Math.round(percentile(g, 99)),
  };
  process.stdout.write(
    `revoke: p50 ${figures.revokeP50Ms} ms, p99 ${figures.revokeP99Ms} ms (goal p99 ≤ 2000 ms) over ${edits} edits; grant again: p50 ${figures.grantP50Ms} ms, p99 ${figures.grantP99Ms} ms\n`,
  );
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} finally {
  await env.stop();
}

/**
 * How fast a namespace is cut off: from the write of the posture.dev/isolation=isolated label
 * to the quarantine CiliumNetworkPolicy stored in the apiserver, and to every Vault token of the
 * namespace revoked (N = 10, 100, 1,000 tokens), over repeated flips (isolate, then release,
 * untimed). Tokens are created by the root token with the metadata Kubernetes auth gives
 * (service_account_namespace), so the operator finds and revokes them exactly as it would a
 * pod's. The operator runs in this process, logged in to Vault with its own role.
 *
 *   npm run bench -- isolate [--flips 10]
 */
import { randomBytes } from 'node:crypto';
import { RESOURCES } from '../src/operator/kube/resources.ts';
import { QUARANTINE } from '../src/render/namespace.ts';
import { startEnvironment } from '../src/testenv/environment.ts';
import { TESTENV_VARIABLE } from '../src/testenv/info.ts';
import { percentile } from './support/stats.ts';
import { isolationStatus } from '../src/controllers/tradingservice/isolation-state.ts';

const args = process.argv.slice(3);
const at = args.indexOf('--flips');
const flips = at >= 0 ? Number(args[at + 1]) : 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const env = await startEnvironment({ controllers: false, log: () => undefined });
process.env[TESTENV_VARIABLE] = env.infoFile;
const support = await import('../test/support/tradingservice.ts');
const { testKubeClient } = await import('../test/support/operator.ts');
const { operatorVaultLogin } = await import('../test/support/operator-vault.ts');

async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

try {
  await support.installPostureCrds();
  const admin = testKubeClient();
  const root = support.rootVault();
  const namespace = `isolate-${randomBytes(3).toString('hex')}`;
  const system = `${namespace}-sys`;
  for (const name of [namespace, system])
    await admin.create(RESOURCES.namespace, { metadata: { name } });
  const login = await operatorVaultLogin(system);
  const operator = support.startTradingServiceOperator({
    namespace,
    platform: login.platform,
    vault: login.adapter(),
    resyncPeriodMs: 600_000,
  });
  const state = async () =>
    isolationStatus(await admin.get(RESOURCES.namespace, { name: namespace }));
  const label = (value: string) =>
    admin.patch(RESOURCES.namespace, {
      name: namespace,
      type: 'merge',
      patch: { metadata: { labels: { 'posture.dev/isolation': value } } },
    });
  const tokens = async (n: number) => {
    for (let i = 0; i < n; i += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, n - i) }, () =>
          root.write({
            path: 'auth/token/create',
            body: {
              policies: ['default'],
              ttl: '1h',
              meta: { service_account_namespace: namespace, service_account_name: 'bench' },
            },
          }),
        ),
      );
  };
  const policyMs: number[] = [];
  const revokeMs: Record<number, number[]> = { 10: [], 100: [], 1000: [] };
  for (const n of [10, 100, 1000]) {
    const rounds = n === 1000 ? Math.max(2, Math.ceil(flips / 5)) : flips;
    for (let round = 0; round < rounds; round++) {
      await tokens(n);
      const start = performance.now();
      await label('isolated');
      await until('the quarantine policy', () =>
        admin.get(RESOURCES.ciliumNetworkPolicy, { name: QUARANTINE, namespace }),
      );
      policyMs.push(performance.now() - start);
      const status = await until('the tokens revoked', async () => {
        const s = await state();
        return s?.steps.some((step) => step.step === 'vault-tokens') ? s : undefined;
      });
      revokeMs[n]!.push(performance.now() - start);
      const revoked = status.steps.find((s) => s.step === 'vault-tokens')?.detail;
      process.stdout.write(
        `N=${n} flip ${round + 1}/${rounds}: policy ${policyMs.at(-1)!.toFixed(0)} ms, ${revoked} at ${revokeMs[n]!.at(-1)!.toFixed(0)} ms\n`,
      );
      await label('released');
      await until('released', async () =>
        (await state())?.state === 'released' ? true : undefined,
      );
    }
  }
  await operator.stop();
  const figures = {
    policyP50Ms: Math.round(percentile(policyMs, 50)),
    policyP99Ms: Math.round(percentile(policyMs, 99)),
    revoke10Ms: Math.round(percentile(revokeMs[10]!, 50)),
    revoke100Ms: Math.round(percentile(revokeMs[100]!, 50)),
    revoke1000Ms: Math.round(percentile(revokeMs[1000]!, 50)),
  };
  process.stdout.write(
    `label → quarantine policy stored: p50 ${figures.policyP50Ms} ms, p99 ${figures.policyP99Ms} ms over ${policyMs.length} flips (goal p99 ≤ 1000 ms); ` +
      `label → every token revoked (median): 10 tokens ${figures.revoke10Ms} ms, 100 tokens ${figures.revoke100Ms} ms (goal ≤ 5000 ms), 1,000 tokens ${figures.revoke1000Ms} ms\n`,
  );
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} finally {
  await env.stop();
}

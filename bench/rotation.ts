/**
 * Wall time of a full HmacKeyRing rotation on kwok: 10 listeners and 5 signers (2 pods each), from
 * the posture.dev/rotate annotation until every pod runs the final one-key version, with the
 * stages timed, and the failed-verification count of a checker that signs with every running
 * signer pod's key and verifies with every running listener pod's keys throughout (must be 0).
 * The grace period is the schema's shortest, one minute, so a minute of the figure is waiting
 * by design. Runs the operator in this process, logged in to Vault with its own role.
 *
 *   npm run bench -- rotation [--listeners 10] [--signers 5]
 */
import { randomBytes } from 'node:crypto';
import { hmacKeyRingController } from '../src/controllers/hmackeyring/reconcile.ts';
import { RESOURCES } from '../src/operator/kube/resources.ts';
import { startEnvironment } from '../src/testenv/environment.ts';
import { TESTENV_VARIABLE } from '../src/testenv/info.ts';

const args = process.argv.slice(3);
const flag = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const listeners = flag('--listeners', 10);
const signers = flag('--signers', 5);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const env = await startEnvironment({ controllers: true, log: () => undefined });
process.env[TESTENV_VARIABLE] = env.infoFile;
// Test support reads the environment from that variable: imported only once it is set.
const support = await import('../test/support/tradingservice.ts');
const rotation = await import('../test/support/hmac-rotation.ts');
const { testKubeClient } = await import('../test/support/operator.ts');
const { operatorVaultLogin } = await import('../test/support/operator-vault.ts');
const { mustKubectl } = await import('../test/support/kubernetes-auth.ts');

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

try {
  await support.installPostureCrds();
  const admin = testKubeClient();
  const namespace = `rotation-${randomBytes(3).toString('hex')}`;
  await admin.create(RESOURCES.namespace, { metadata: { name: namespace } });
  const login = await operatorVaultLogin(namespace);
  await rotation.createRingAndMembers(admin, namespace, { listeners, signers });
  const operator = support.startTradingServiceOperator({
    namespace,
    platform: login.platform,
    vault: login.adapter(),
    resyncPeriodMs: 600_000,
    also: [hmacKeyRingController(login.platform, { namespace })],
  });
  const members = listeners + signers;
  await until('every pod on version 1', () => rotation.allPodsAt(admin, namespace, 1, members));
  process.stdout.write(`${members} members (${2 * members} pods) on version 1; rotating\n`);
  const checker = new rotation.RotationChecker(admin, support.rootVault(), namespace);
  const start = performance.now();
  const stages: Record<string, number> = {};
  await mustKubectl([
    '-n',
    namespace,
    'annotate',
    'hmackeyring',
    rotation.RING,
    'posture.dev/rotate=bench',
  ]);
  for (const stage of ['ListenersRolling', 'SignersRolling', 'GracePeriod']) {
    await until(stage, async () => (await rotation.ringStatus(admin, namespace)).phase === stage);
    stages[stage] = performance.now() - start;
    process.stdout.write(`${stage} at ${(stages[stage] / 1000).toFixed(1)} s\n`);
  }
  await until('every pod on version 3', () => rotation.allPodsAt(admin, namespace, 3, members));
  const rotationMs = Math.round(performance.now() - start);
  await checker.stop();
  await operator.stop();
  const rolledMs = Math.round(stages['GracePeriod'] ?? NaN);
  process.stdout.write(
    `full rotation in ${(rotationMs / 1000).toFixed(1)} s (listeners and signers rolled in ${(rolledMs / 1000).toFixed(1)} s, then the 60 s grace period and the last roll); ` +
      `${checker.checks} signer→listener checks, ${checker.failures.length} failed\n`,
  );
  process.stdout.write(
    `${JSON.stringify({ rotationMs, failedVerifications: checker.failures.length, rolledMs, checks: checker.checks })}\n`,
  );
} finally {
  await env.stop();
}

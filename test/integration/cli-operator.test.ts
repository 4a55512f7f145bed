/**
 * `posture operator` as a process, from flags, against the test environment: a TradingService
 * becomes Ready, its NATS user lands in the Secret posture-nats-auth, and `posture status`
 * shows it. The operator is scoped to the test's namespace (--watch-namespace).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { TRADING_SERVICE } from '../../src/crds/tradingservice/reconcile.ts';
import { NATS_AUTH_KEY, NATS_AUTH_SECRET } from '../../src/nats/publisher.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import { testEnv } from '../support/env.ts';
import { createTestNamespace, eventually, testKubeClient } from '../support/operator.ts';
import { operatorVaultLogin, type OperatorVaultLogin } from '../support/operator-vault.ts';
import { installPostureCrds, isReady } from '../support/tradingservice.ts';

const run = promisify(execFile);

/** The operator logs in with --vault-role at the auth mount platform.yaml names: no root token. */
function operatorArgs(namespace: string, dir: string, login: OperatorVaultLogin): string[] {
  const env = testEnv();
  if (!env.vault) throw new Error('the test environment has no Vault');
  const platformFile = join(dir, 'platform.yaml');
  const authMount = login.platform.vault.authMount;
  writeFileSync(
    platformFile,
    `vault:\n  authMount: ${authMount}\nnats:\n  namespace: ${namespace}\n`,
  );
  return [
    'src/cli/main.ts',
    'operator',
    `--platform=${platformFile}`,
    `--watch-namespace=${namespace}`,
    `--kubeconfig=${env.kube.kubeconfig}`,
    `--vault-addr=${env.vault.addr}`,
    ...login.flags,
    '--metrics-port=0',
    '--metrics-host=127.0.0.1',
    `--lease-namespace=${namespace}`,
    '--log-level=warn',
  ];
}

describe('posture operator (the command)', () => {
  let admin: KubeClient;
  let namespace: string;
  let child: ChildProcess;
  let stderr = '';
  let login: OperatorVaultLogin;

  before(async () => {
    await installPostureCrds();
    admin = testKubeClient();
    namespace = await createTestNamespace(admin, 'cli-op');
    await admin.create(TRADING_SERVICE, {
      apiVersion: 'posture.dev/v1alpha1',
      kind: 'TradingService',
      metadata: { name: 'watcher', namespace },
      spec: {
        image: `ghcr.io/titan-platform/watcher:v1@sha256:${'c'.repeat(64)}`,
        nats: { subscribe: ['titan.evt.>'] },
      },
    });
    login = await operatorVaultLogin(namespace);
    const dir = mkdtempSync(join(tmpdir(), 'posture-cli-op-'));
    child = spawn(process.execPath, operatorArgs(namespace, dir, login), {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  });
  after(async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    await login.remove();
    await admin.delete(RESOURCES.namespace, { name: namespace });
  });

  it('should make the TradingService Ready and publish its NATS user', async () => {
    const ts = await eventually(
      `watcher Ready (operator stderr: ${stderr.slice(-500)})`,
      async () => {
        const o = await admin.get(TRADING_SERVICE, { name: 'watcher', namespace });
        return isReady(o) ? o : undefined;
      },
      30_000,
    );
    const natsUser = (ts as { status?: { natsUser?: string } }).status?.natsUser ?? '';
    assert.match(natsUser, /^U[A-Z2-7]{55}$/);
    const secret = await admin.get(RESOURCES.secret, { name: NATS_AUTH_SECRET, namespace });
    const data = (secret as { data?: Record<string, string> } | undefined)?.data ?? {};
    const text = Buffer.from(data[NATS_AUTH_KEY] ?? '', 'base64').toString();
    assert.match(text, new RegExp(natsUser));
    assert.doesNotMatch(text, /SUA[A-Z2-7]{20}/, 'public keys only');
  });

  it('should show the TradingService as Ready in `posture status`', async () => {
    const { stdout } = await run(
      process.execPath,
      ['src/cli/main.ts', 'status', '-n', namespace, `--kubeconfig=${testEnv().kube.kubeconfig}`],
      { encoding: 'utf8' },
    );
    const row = stdout.split('\n').find((l) => l.includes('watcher'));
    assert.ok(row, stdout);
    assert.match(row, /TradingService/);
    assert.match(row, /True/);
  });
});

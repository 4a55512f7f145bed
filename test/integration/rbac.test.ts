/**
 * The operator's RBAC comes from the Helm chart (charts/posture) and is enough and nothing more:
 * the chart is rendered with `helm template`, applied, and `posture operator` runs as its
 * ServiceAccount (a TokenRequest token, no other credential) through a whole lifecycle. The
 * apiserver's audit log then shows that nothing was denied and that every granted permission
 * was used; the one permission an audit log cannot show (blockOwnerDeletion, checked by
 * admission) is proven needed by taking it away.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import { kubeconfigYaml } from '../../src/testenv/kube.ts';
import { kubectl, run, testEnv } from '../support/env.ts';
import { createTestNamespace, eventually, testKubeClient } from '../support/operator.ts';
import { operatorVaultLogin, type OperatorVaultLogin } from '../support/operator-vault.ts';
import {
  auditEventsOf,
  describeEvent,
  describePermission,
  manifestsOf,
  permissionsOf,
  uses,
  type Permission,
} from '../support/rbac.ts';
import { conditionOf, installPostureCrds, isNatsUnconfirmed } from '../support/tradingservice.ts';
import { EXCHANGE_CREDENTIAL } from '../../src/api/exchangecredential/kind.ts';
import { HMAC_KEY_RING } from '../../src/api/hmackeyring/kind.ts';
import { isolationStatus } from '../../src/controllers/tradingservice/isolation-state.ts';
import { TRADING_SERVICE } from '../../src/api/tradingservice/kind.ts';
import { FINALIZER } from '../../src/controllers/tradingservice/reconcile.ts';
import { operatorCommand } from '../support/operator-command.ts';
import { FakeExchange } from '../../src/exchanges/testing/fake-exchange.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

const SERVICE_ACCOUNT = 'posture-operator';
/** Checked by the OwnerReferencesPermissionEnforcement admission plugin, not an audited request. */
const FINALIZERS = 'tradingservices/finalizers';

interface Setup {
  admin: KubeClient;
  /** Where the CRs live (the operator watches only this namespace, beside other tests). */
  apps: string;
  /** The release namespace: ServiceAccount and Lease. */
  system: string;
  nats: string;
  release: string;
  manifests: ReturnType<typeof manifestsOf>;
  dir: string;
}

async function installChart(setup: Omit<Setup, 'manifests'>): Promise<Setup> {
  const rendered = await run('helm', [
    'template',
    setup.release,
    'charts/posture',
    `--namespace=${setup.system}`,
    `--set=nats.namespace=${setup.nats}`,
    // The ServiceAccount and RBAC only: this test runs the operator itself, with that account.
    '--values=charts/posture/ci/example-values.yaml',
    '--show-only=templates/serviceaccount.yaml',
    '--show-only=templates/rbac.yaml',
  ]);
  assert.equal(rendered.code, 0, rendered.stderr);
  const applied = await kubectl(['apply', '--server-side', '-f', '-'], rendered.stdout);
  assert.equal(applied.code, 0, applied.stderr);
  return { ...setup, manifests: manifestsOf(rendered.stdout) };
}

/** A kubeconfig whose only credential is a fresh token of the chart's ServiceAccount. */
async function operatorKubeconfig(setup: Setup): Promise<string> {
  const token = await kubectl(['create', 'token', SERVICE_ACCOUNT, '-n', setup.system]);
  assert.equal(token.code, 0, token.stderr);
  const env = testEnv();
  const file = join(setup.dir, 'kubeconfig');
  writeFileSync(file, kubeconfigYaml(env.kube.server, env.kube.caFile, token.stdout.trim()), {
    mode: 0o600,
  });
  return file;
}

/** The chart's ServiceAccount is the operator's only credential for Kubernetes and for Vault. */
function startOperator(
  setup: Setup,
  kubeconfig: string,
  login: OperatorVaultLogin,
  exchange: FakeExchange,
): { child: ChildProcess; log: string[] } {
  writeFileSync(
    join(setup.dir, 'platform.yaml'),
    `vault:\n  authMount: ${login.platform.vault.authMount}\n` +
      `nats:\n  namespace: ${setup.nats}\negressGateway:\n  ips: [203.0.113.10]\n`,
  );
  const flags = [
    `--platform=${join(setup.dir, 'platform.yaml')}`,
    `--watch-namespace=${setup.apps}`,
    `--lease-namespace=${setup.system}`,
    // The credential's daily check asks a stand-in, never the real exchange.
    ...exchange.flags(),
  ];
  const child = spawn(process.execPath, operatorCommand({ login, flags, kubeconfig }), {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  return { child, log };
}

/**
 * The operator as the chart runs it by default: no --platform, its settings read from the
 * cluster's PosturePlatform and watched (docs/adr/0052). Runs until its get, list and watch of
 * the settings are in the audit log, then stops; it reconciles nothing (the system namespace).
 */
async function runOnClusterSettings(
  setup: Setup,
  kubeconfig: string,
  login: OperatorVaultLogin,
): Promise<void> {
  // The Titan settings, applied with the manager the other tests use: the same values everywhere.
  const platform = ['apply', '--server-side', '--field-manager=posture-tests'];
  const applied = await kubectl([...platform, '-f', 'examples/titan/platform.yaml']);
  assert.equal(applied.code, 0, applied.stderr);
  const flags = [`--watch-namespace=${setup.system}`, `--lease-namespace=${setup.system}`];
  // platform.test.ts changes the same cluster settings and gives them back, and may run beside
  // this file: the operator then exits 0 to restart, and is started again, as its Deployment is.
  const start = () => {
    const child = spawn(process.execPath, operatorCommand({ login, flags, kubeconfig }), {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const run = { child, log: '', exited: new Promise((resolve) => child.once('exit', resolve)) };
    child.stderr.on('data', (chunk: Buffer) => (run.log += chunk.toString()));
    return run;
  };
  let run = start();
  const user = `system:serviceaccount:${setup.system}:${SERVICE_ACCOUNT}`;
  const settings = (verb: string): Permission => ({
    verb,
    group: 'posture.dev',
    resource: 'postureplatforms',
    role: 'settings',
  });
  try {
    await eventually(
      'the settings read and watched with the chart account',
      () => {
        const { exitCode } = run.child;
        if (exitCode === 0 && run.log.includes(RESTART_MESSAGE)) run = start();
        else if (exitCode !== null) throw new Error(`exited ${exitCode}: ${run.log}`);
        const events = auditEventsOf(testEnv().kube.auditLog, user);
        return ['get', 'list', 'watch'].every((v) => events.some((e) => uses(e, settings(v))))
          ? true
          : undefined;
      },
      60_000,
    );
  } finally {
    run.child.kill('SIGTERM');
    await run.exited;
  }
}

/** What `posture operator` prints when it exits 0 because the cluster's settings changed. */
const RESTART_MESSAGE = 'platform settings changed; exiting to restart';

async function createWorkload(setup: Setup): Promise<void> {
  const vault = testEnv().vault;
  const path = `${setup.apps}/exchanges/binance`;
  const put = await fetch(`${vault?.addr}/v1/secret/data/${path}`, {
    method: 'POST',
    headers: { 'x-vault-token': vault?.token ?? '' },
    body: JSON.stringify({ data: { apiKey: 'k', apiSecret: 's' } }),
  });
  assert.equal(put.status, 200);
  await setup.admin.create(EXCHANGE_CREDENTIAL, {
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'ExchangeCredential',
    metadata: { name: 'binance', namespace: setup.apps },
    spec: {
      exchange: 'binance',
      vaultPath: `secret/${path}`,
      permissions: { read: true, trade: true, withdraw: false },
      ipWhitelist: ['203.0.113.10/32'],
      consumers: ['execution'],
      maxKeyAge: '24h',
    },
  });
  // A ring with no members: its first key needs hmackeyrings/status.
  await setup.admin.create(HMAC_KEY_RING, {
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'HmacKeyRing',
    metadata: { name: 'signals', namespace: setup.apps },
    spec: { vaultPath: `secret/${setup.apps}/hmac/signals` },
  });
  await setup.admin.create(TRADING_SERVICE, {
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'TradingService',
    metadata: { name: 'execution', namespace: setup.apps },
    spec: {
      image: `ghcr.io/titan-platform/execution:v1@sha256:${'e'.repeat(64)}`,
      // A port, so a Service is rendered too: every kind the chart grants gets written.
      ports: [{ name: 'http', port: 8080 }],
      nats: { subscribe: ['titan.cmd.execution.>'] },
      exchangeCredentials: ['binance'],
    },
  });
}

/**
 * Create → everything applied, a deleted child comes back, delete → cleanup. The service is
 * deleted carrying the finalizer an older posture added (posture adds none now, docs/adr/0063):
 * the operator still releases it, which is what its patch on tradingservices is for.
 */
async function lifecycle(setup: Setup): Promise<void> {
  const { admin, apps: namespace } = setup;
  await eventually(
    'execution applied, NatsNotConfirmed',
    async () =>
      // No nats-server here, so no --nats-monitor-url: all is applied, Ready stays False.
      isNatsUnconfirmed(await admin.get(TRADING_SERVICE, { name: 'execution', namespace })) ||
      undefined,
    45_000,
  );
  await eventually('binance reported', async () =>
    conditionOf(await admin.get(EXCHANGE_CREDENTIAL, { name: 'binance', namespace }), 'Ready'),
  );
  await eventually('the ring keyed', async () =>
    conditionOf(await admin.get(HMAC_KEY_RING, { name: 'signals', namespace }), 'Ready'),
  );
  await admin.delete(RESOURCES.deployment, { name: 'execution', namespace });
  await eventually('the deleted Deployment back', () =>
    admin.get(RESOURCES.deployment, { name: 'execution', namespace }),
  );
  // Isolation and release: the quarantine policy, and deleting it, are the chart's to grant.
  const state = async () =>
    isolationStatus(await admin.get(RESOURCES.namespace, { name: namespace }))?.state;
  await kubectl(['label', 'namespace', namespace, 'posture.dev/isolation=isolated']);
  await eventually('isolated', async () => (await state()) === 'isolated' || undefined, 45_000);
  await kubectl(['label', 'namespace', namespace, 'posture.dev/isolation-']);
  await eventually('released', async () => (await state()) === 'released' || undefined, 45_000);
  await admin.patch(TRADING_SERVICE, {
    name: 'execution',
    namespace,
    type: 'merge',
    patch: { metadata: { finalizers: [FINALIZER] } },
  });
  await admin.delete(TRADING_SERVICE, { name: 'execution', namespace });
  await eventually(
    'execution gone after cleanup',
    async () =>
      (await admin.get(TRADING_SERVICE, { name: 'execution', namespace })) ? undefined : true,
    30_000,
  );
}

describe("the operator with only its Helm chart's RBAC", () => {
  let setup: Setup;
  let denied: string[] = [];
  let used: (p: Permission) => boolean = () => false;
  let login: OperatorVaultLogin | undefined;

  before(async () => {
    await installPostureCrds();
    const admin = testKubeClient();
    const [apps, system, nats] = await Promise.all(
      ['rbac-apps', 'rbac-system', 'rbac-nats'].map((p) => createTestNamespace(admin, p)),
    );
    const release = `rbac-${(apps ?? '').slice(-8)}`;
    const dir = scratchDir('posture-rbac-');
    const base = { admin, apps: apps ?? '', system: system ?? '', nats: nats ?? '', release, dir };
    setup = await installChart(base);
    const kubeconfig = await operatorKubeconfig(setup);
    await createWorkload(setup);
    login = await operatorVaultLogin(setup.system, {}, { existingServiceAccount: SERVICE_ACCOUNT });
    const exchange = await FakeExchange.start();
    exchange.setKey('binance', { apiKey: 'k', apiSecret: 's', ips: ['203.0.113.10'] });
    const operator = startOperator(setup, kubeconfig, login, exchange);
    try {
      await lifecycle(setup);
      await runOnClusterSettings(setup, kubeconfig, login);
    } catch (error) {
      throw new Error(`${String(error)}\noperator stderr: ${operator.log.join('').slice(-1500)}`);
    } finally {
      const exited = new Promise((resolve) => operator.child.once('exit', resolve));
      operator.child.kill('SIGTERM');
      await exited;
      await exchange.stop();
    }
    const user = `system:serviceaccount:${setup.system}:${SERVICE_ACCOUNT}`;
    const events = auditEventsOf(testEnv().kube.auditLog, user);
    denied = events.filter((e) => e.responseStatus?.code === 403).map(describeEvent);
    used = (p) => events.some((e) => uses(e, p));
  });
  after(async () => {
    await login?.remove();
    await kubectl(['delete', 'clusterrole,clusterrolebinding', `${setup.release}-operator`]);
    for (const name of [setup.apps, setup.system, setup.nats])
      await setup.admin.delete(RESOURCES.namespace, { name });
  });

  it('should converge, bring back a deleted child and finalize without a single denied request', () => {
    assert.deepEqual(denied, []);
  });

  it('should use every permission the chart grants', () => {
    const granted = permissionsOf(setup.manifests).filter((p) => p.resource !== FINALIZERS);
    assert.ok(granted.length >= 15, `the chart grants ${granted.length} permissions`);
    const unused = granted.filter((p) => !used(p)).map(describePermission);
    assert.deepEqual(unused, [], 'granted but never used: remove from charts/posture');
  });

  it('should need tradingservices/finalizers to set blockOwnerDeletion on its children', async () => {
    const role = `${setup.release}-operator`;
    const apply = (name: string) =>
      kubectl(
        [
          'apply',
          '--server-side',
          `--as=system:serviceaccount:${setup.system}:${SERVICE_ACCOUNT}`,
          '-f',
          '-',
        ],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: {
            name,
            namespace: setup.apps,
            ownerReferences: [
              {
                apiVersion: 'posture.dev/v1alpha1',
                kind: 'TradingService',
                name: 'owner',
                uid: '00000000-0000-4000-8000-000000000001',
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
        }),
      );
    const withRule = await apply('with-finalizers-rule');
    assert.equal(withRule.code, 0, withRule.stderr);
    const index = permissionsIndex(setup, role);
    const removed = await kubectl([
      'patch',
      'clusterrole',
      role,
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'remove', path: `/rules/${index}` }]),
    ]);
    assert.equal(removed.code, 0, removed.stderr);
    let attempt = 0;
    // A new name each time: once created, an unchanged owner reference is not checked again.
    const without = await eventually('the apply refused', async () => {
      const r = await apply(`without-finalizers-rule-${(attempt += 1)}`);
      return r.code === 0 ? undefined : r;
    });
    assert.match(without.stderr, /cannot set blockOwnerDeletion/);
  });

  it('should not be able to read other Secrets, create Pods or change RBAC', async () => {
    const as = `--as=system:serviceaccount:${setup.system}:${SERVICE_ACCOUNT}`;
    const can = async (...args: string[]) =>
      (await kubectl(['auth', 'can-i', as, ...args])).stdout.trim();
    assert.equal(await can('get', 'secrets', '-n', setup.apps), 'no');
    assert.equal(await can('list', 'secrets', '-n', setup.nats), 'no');
    assert.equal(await can('get', 'secret/other', '-n', setup.nats), 'no');
    assert.equal(await can('get', 'secret/posture-nats-auth', '-n', setup.nats), 'yes');
    assert.equal(await can('create', 'secrets', '-n', setup.apps), 'no');
    assert.equal(await can('create', 'pods', '-n', setup.apps), 'no');
    assert.equal(await can('delete', 'deployments', '-n', setup.apps), 'no');
    assert.equal(await can('create', 'rolebindings', '-n', setup.apps), 'no');
    assert.equal(await can('update', 'leases', '-n', setup.apps), 'no');
    assert.equal(await can('create', 'namespaces'), 'no');
    assert.equal(await can('delete', 'namespaces'), 'no');
  });
});

/** Index of the ClusterRole rule granting tradingservices/finalizers. */
function permissionsIndex(setup: Setup, role: string): number {
  const clusterRole = setup.manifests.find(
    (m) => m.kind === 'ClusterRole' && m.metadata?.name === role,
  );
  const index = clusterRole?.rules?.findIndex((r) => r.resources.includes(FINALIZERS)) ?? -1;
  assert.ok(index >= 0, `${role} has no rule for ${FINALIZERS}`);
  return index;
}

/**
 * Issue 15, items 1, 2 and 5: isolating a namespace on the real environment (apiserver with the
 * Cilium CRDs, Vault with Kubernetes auth, nats-server). Isolating `hot` revokes its services'
 * Vault tokens and refuses new logins while a token of a ServiceAccount in `cold` still works
 * (the operator here watches `hot` only: tests share the apiserver), takes its NATS user out
 * of the config (confirmed by nats-server), and stores the quarantine policy; releasing brings it
 * all back. An operator killed right after the label flips, either way, is replaced and the
 * namespace ends fully isolated or fully released.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { connect, nkeyAuthenticator } from 'nats';
import { TRADING_SERVICE } from '../../src/api/tradingservice/kind.ts';
import { natsAuthText } from '../../src/controllers/tradingservice/nats.ts';
import { nkeyPath } from '../../src/controllers/tradingservice/vault.ts';
import {
  isolationStatus,
  type IsolationStatus,
} from '../../src/controllers/tradingservice/isolation-state.ts';
import { ConfirmedPublisher } from '../../src/nats/publisher.ts';
import { varzConfigLoadTime } from '../../src/nats/reloader.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import { QUARANTINE } from '../../src/render/namespace.ts';
import { vaultRoleName } from '../../src/render/service/index.ts';
import { VAULT_AUDIENCE } from '../../src/render/vault/policy.ts';
import { startNats, type NatsServer } from '../../src/testenv/nats.ts';
import { staticToken } from '../../src/vault/auth.ts';
import { HttpVaultAdapter } from '../../src/vault/http.ts';
import { testEnv } from '../support/env.ts';
import { mustKubectl, serviceAccountToken } from '../support/kubernetes-auth.ts';
import { createTestNamespace, eventually, testKubeClient } from '../support/operator.ts';
import { operatorVaultLogin, type OperatorVaultLogin } from '../support/operator-vault.ts';
import {
  installPostureCrds,
  isReady,
  rootVault,
  startTradingServiceOperator,
  tradingService,
  type RunningOperator,
} from '../support/tradingservice.ts';

const exec = promisify(execFile);

describe('isolating a namespace and releasing it', () => {
  let admin: KubeClient;
  let hot: string;
  let cold: string;
  let system: string;
  let login: OperatorVaultLogin;
  let server: NatsServer;
  let listen = '';
  let operator: RunningOperator | undefined;
  const root = rootVault();

  /** Each operator its own publisher, as each operator process has: it knows no confirmed config. */
  const start = () => {
    const publisher = new ConfirmedPublisher(
      {
        write: (text) => writeFile(server.configFile, `${text}\n${listen}\n`),
        reload: () => Promise.resolve(server.reload()),
        loadedMarker: () => varzConfigLoadTime(server.monitorUrl),
      },
      { quietMs: 100, maxWaitMs: 2000 },
    );
    operator = startTradingServiceOperator({
      namespace: hot,
      platform: login.platform,
      vault: login.adapter(),
      nats: publisher,
    });
  };
  const service = (namespace: string) =>
    tradingService(namespace, 'trader', {
      nats: { publish: [`titan.evt.${namespace}.>`] },
      secrets: [{ name: 'DB', file: 'db', key: 'url', vaultPath: `secret/${namespace}/trader/db` }],
    });
  /** The service's pod logging in to Vault as Vault Agent would. */
  const vaultLogin = async (namespace: string) => {
    const jwt = await serviceAccountToken(namespace, 'trader', { audience: VAULT_AUDIENCE });
    const ref = { namespace, name: 'trader' };
    return root.kubernetesLogin(login.platform.vault.authMount, vaultRoleName(ref), jwt);
  };
  const readsSecret = async (token: string, namespace: string) => {
    const vault = new HttpVaultAdapter({
      address: testEnv().vault!.addr,
      token: staticToken(token),
    });
    return vault.kvRead(`secret/${namespace}/trader/db`).then(
      () => true,
      () => false,
    );
  };
  const natsConnects = async (namespace: string) => {
    const secret = await root.kvRead(nkeyPath(login.platform, { namespace, name: 'trader' }));
    const seed = new TextEncoder().encode(secret?.data['seed'] ?? '');
    try {
      const nc = await connect({
        servers: server.url,
        authenticator: nkeyAuthenticator(seed),
        reconnect: false,
      });
      await nc.close();
      return true;
    } catch {
      return false;
    }
  };
  const statusOf = async (namespace: string): Promise<IsolationStatus | undefined> =>
    isolationStatus(await admin.get(RESOURCES.namespace, { name: namespace }));
  const until = (namespace: string, state: string, step: string) =>
    eventually(
      `${namespace} ${state}`,
      async () => {
        const status = await statusOf(namespace);
        return status?.state === state && status.steps.some((s) => s.step === step)
          ? status
          : undefined;
      },
      60_000,
    );

  before(async () => {
    await installPostureCrds();
    admin = testKubeClient();
    [hot, cold, system] = (await Promise.all(
      ['iso-hot', 'iso-cold', 'iso-sys'].map((p) => createTestNamespace(admin, p)),
    )) as [string, string, string];
    login = await operatorVaultLogin(system);
    server = await startNats(
      testEnv().bin['nats-server']!,
      natsAuthText(login.platform, [], new Map()),
    );
    listen = (await readFile(server.configFile, 'utf8'))
      .split('\n')
      .filter((l) => /^(host|port|http):/.test(l))
      .join('\n');
    for (const ns of [hot, cold])
      await root.kvWrite(`secret/${ns}/trader/db`, { url: `postgres://${ns}` });
    await admin.create(TRADING_SERVICE, service(hot));
    // In the other namespace, a workload posture does not manage, with a login of its own.
    await mustKubectl(['-n', cold, 'create', 'serviceaccount', 'trader']);
    await root.writePolicy(
      `iso-cold-${cold}`,
      `path "secret/data/${cold}/*" { capabilities = ["read"] }\n`,
    );
    await root.write({
      path: `auth/${login.platform.vault.authMount}/role/${vaultRoleName({ namespace: cold, name: 'trader' })}`,
      body: {
        audience: VAULT_AUDIENCE,
        bound_service_account_names: ['trader'],
        bound_service_account_namespaces: [cold],
        token_policies: [`iso-cold-${cold}`],
      },
    });
    start();
    await eventually(
      'hot/trader Ready',
      async () =>
        isReady(await admin.get(TRADING_SERVICE, { name: 'trader', namespace: hot })) || undefined,
      60_000,
    );
  });

  after(async () => {
    await operator?.stop();
    await server?.stop();
    await root.deletePolicy(`iso-cold-${cold}`);
    await login?.remove();
    for (const ns of [hot, cold, system]) await admin?.delete(RESOURCES.namespace, { name: ns });
  });

  it('should cut Vault, NATS and traffic of the isolated namespace only', async () => {
    const [hotToken, coldToken] = [await vaultLogin(hot), await vaultLogin(cold)];
    assert.ok(await readsSecret(hotToken.token, hot), 'before: the hot token reads its secret');
    assert.ok(await natsConnects(hot), 'before: the hot user logs in to NATS');
    await mustKubectl([
      'annotate',
      'namespace',
      hot,
      'posture.dev/isolation-reason=test incident',
      'posture.dev/isolation-actor=test',
    ]);
    await mustKubectl(['label', 'namespace', hot, 'posture.dev/isolation=isolated']);
    const status = await until(hot, 'isolated', 'nats');
    process.stdout.write(
      `# isolated: ${status.steps.map((s) => `${s.step} ${s.atMs} ms${s.detail ? ` (${s.detail})` : ''}`).join(', ')}\n`,
    );
    assert.equal(status.reason, 'test incident');
    assert.deepEqual(
      status.steps.map((s) => s.step),
      ['quarantine', 'vault-logins', 'vault-tokens', 'nats'],
    );
    assert.ok(
      await admin.get(RESOURCES.ciliumNetworkPolicy, { name: QUARANTINE, namespace: hot }),
      'the quarantine policy is stored',
    );
    assert.equal(await readsSecret(hotToken.token, hot), false, 'the hot token reads nothing');
    const lookup = await root.lookupAccessor(hotToken.accessor).catch(() => undefined);
    assert.equal(lookup, undefined, 'the hot token is revoked, not only without policy');
    await assert.rejects(vaultLogin(hot), 'a new login of the hot service is refused');
    assert.ok(await readsSecret(coldToken.token, cold), "the cold namespace's token still works");
    assert.equal(await natsConnects(hot), false, 'the hot NATS user is gone');
    // The service stays without access while isolated: its reconcile does not put the role back.
    await mustKubectl(['-n', hot, 'annotate', 'tradingservice', 'trader', 'posture.test/poke=1']);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await assert.rejects(vaultLogin(hot), 'still refused after the service reconciled');
  });

  it('should restore everything on release and restart the workload', async () => {
    await mustKubectl(['label', 'namespace', hot, 'posture.dev/isolation-']);
    const status = await until(hot, 'released', 'restarted');
    process.stdout.write(
      `# released: ${status.steps.map((s) => `${s.step} ${s.atMs} ms`).join(', ')}\n`,
    );
    assert.equal(
      await admin.get(RESOURCES.ciliumNetworkPolicy, { name: QUARANTINE, namespace: hot }),
      undefined,
    );
    const token = await eventually(
      'a new login of the hot service',
      () => vaultLogin(hot).catch(() => undefined),
      30_000,
    );
    assert.ok(await readsSecret(token.token, hot));
    await eventually(
      'the hot NATS user back',
      async () => (await natsConnects(hot)) || undefined,
      30_000,
    );
    const deployment = await admin.get<{
      metadata: object;
      spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
    }>(RESOURCES.deployment, { name: 'trader', namespace: hot });
    assert.ok(
      deployment?.spec?.template?.metadata?.annotations?.['posture.dev/restarted-at'],
      'restarted',
    );
  });

  it('should end fully isolated, then fully released, when the operator is killed right after each flip', async () => {
    await mustKubectl(['label', 'namespace', hot, 'posture.dev/isolation=isolated']);
    await operator?.stop();
    start();
    await until(hot, 'isolated', 'nats');
    assert.equal(await natsConnects(hot), false);
    await assert.rejects(vaultLogin(hot));
    await mustKubectl(['label', 'namespace', hot, 'posture.dev/isolation=released', '--overwrite']);
    await operator?.stop();
    start();
    await until(hot, 'released', 'restarted');
    await eventually(
      'a new login of the hot service',
      () => vaultLogin(hot).catch(() => undefined),
      30_000,
    );
    await eventually(
      'the hot NATS user back',
      async () => (await natsConnects(hot)) || undefined,
      30_000,
    );
  });

  it('should isolate and release from the CLI, printing each step the operator completes', async () => {
    const posture = (...args: string[]) =>
      exec(process.execPath, [
        'src/cli/main.ts',
        ...args,
        '--kubeconfig',
        testEnv().kube.kubeconfig,
      ]);
    const isolated = await posture('isolate', hot, '--reason', 'cli drill', '--actor', 'responder');
    assert.match(isolated.stdout, /quarantine policy applied/);
    assert.match(isolated.stdout, /vault-tokens/);
    assert.match(isolated.stdout, /isolated in \d+ ms/);
    const status = await posture('status', hot);
    assert.match(status.stdout, /isolated since .* by responder \(cli drill\)/);
    assert.equal(await natsConnects(hot), false);
    const released = await posture('release', hot);
    assert.match(released.stdout, /restarted/);
    assert.match(released.stdout, /released in \d+ ms/);
  });
});

/**
 * The TradingService reconciler against the real apiserver and a real Vault: create, update,
 * delete lifecycles, a deleted child coming back, Vault going down and back, and a no-op
 * resync that sends zero writes (Kubernetes requests and Vault writes counted).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FINALIZER } from '../../src/controllers/tradingservice/reconcile.ts';
import { nkeyPath } from '../../src/controllers/tradingservice/vault.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { DEFAULT_DENY } from '../../src/render/namespace.ts';
import { platformSchema } from '../../src/api/platform/settings.ts';
import { vaultRoleName } from '../../src/render/service/index.ts';
import type { VaultAdapter } from '../../src/vault/adapter.ts';
import { kubectl, testEnv } from '../support/env.ts';
import { assertNoSecrets, eventsText, objectsText } from '../support/secrets.ts';
import {
  createTestNamespace,
  eventually,
  repeatedWrites,
  testKubeClient,
} from '../support/operator.ts';
import {
  conditionOf,
  exchangeCredential,
  installPostureCrds,
  isReady,
  rootVault as root,
  startTradingServiceOperator,
  type RunningOperator,
} from '../support/tradingservice.ts';
import { operatorVaultLogin, type OperatorVaultLogin } from '../support/operator-vault.ts';
import { switchableVault, type SwitchableVault } from '../support/vault.ts';
import { EXCHANGE_CREDENTIAL } from '../../src/api/exchangecredential/kind.ts';
import { TRADING_SERVICE } from '../../src/api/tradingservice/kind.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// The operator logs in with its own role; the platform names that role's auth mount.
let platform = platformSchema.parse({});

function trader(namespace: string, secrets: object[] = []) {
  return {
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'TradingService',
    metadata: { name: 'trader', namespace },
    spec: {
      image: `ghcr.io/titan-platform/trader:v1@sha256:${'a'.repeat(64)}`,
      ports: [{ name: 'http', port: 8080 }],
      nats: { publish: ['titan.evt.trader.>'], subscribe: ['titan.cmd.trader.>'] },
      exchangeCredentials: ['binance'],
      secrets,
    },
  };
}

/** The policy reads the credential and the NKey seed, the role binds the ServiceAccount, and
 * the NKey's public key in Vault is the one in status. */
async function assertVaultAccess(vault: VaultAdapter, namespace: string, ts: KubeObject) {
  const name = vaultRoleName({ namespace, name: 'trader' });
  const policy = (await vault.readPolicy(name)) ?? '';
  assert.match(policy, new RegExp(`secret/data/${namespace}/exchanges/binance`));
  assert.match(policy, new RegExp(`secret/data/posture/nats/${namespace}/trader`));
  const role = await vault.read(`auth/${platform.vault.authMount}/role/${name}`);
  assert.deepEqual(role?.bound_service_account_names, ['trader']);
  const nkey = await vault.kvRead(nkeyPath(platform, { namespace, name: 'trader' }));
  const natsUser = (ts as { status?: { natsUser?: string } }).status?.natsUser ?? '';
  assert.match(natsUser, /^U[A-Z2-7]{55}$/);
  assert.equal(nkey?.data.publicKey, natsUser);
}

/** What Vault holds for a service (as root): its policy, role and NKey, or undefined if none. */
async function vaultStateOf(namespace: string, service: string): Promise<string[] | undefined> {
  const name = vaultRoleName({ namespace, name: service });
  const held = [
    (await root().readPolicy(name)) && 'policy',
    (await root().read(`auth/${platform.vault.authMount}/role/${name}`)) && 'role',
    (await root().kvRead(nkeyPath(platform, { namespace, name: service }))) && 'nkey',
  ].filter((x): x is string => typeof x === 'string');
  return held.length > 0 ? held : undefined;
}

describe('TradingService reconciler against the real apiserver and Vault', () => {
  let admin: KubeClient;
  let operator: RunningOperator;
  let vault: SwitchableVault;
  let namespace: string;
  let login: OperatorVaultLogin;
  const get = () => admin.get(TRADING_SERVICE, { name: 'trader', namespace });
  const ready = () =>
    eventually('trader Ready', async () => {
      const o = await get();
      return isReady(o) ? o : undefined;
    });

  before(async () => {
    await installPostureCrds();
    admin = testKubeClient();
    namespace = await createTestNamespace(admin, 'ts');
    await admin.create(EXCHANGE_CREDENTIAL, exchangeCredential(namespace));
    await admin.create(TRADING_SERVICE, trader(namespace));
    login = await operatorVaultLogin(namespace);
    platform = login.platform;
    vault = switchableVault(login.adapter());
    operator = startTradingServiceOperator({ namespace, platform, vault });
  });
  after(async () => {
    await operator.stop();
    await login.remove();
    await admin.delete(RESOURCES.namespace, { name: namespace });
  });

  it('should create owned children, Vault access and an NKey, and report Ready', async () => {
    const ts = await ready();
    // Cleanup is level-based (docs/adr/0063): the operator writes its status, never a finalizer.
    assert.equal(ts.metadata.finalizers?.includes(FINALIZER) ?? false, false);
    for (const resource of [
      RESOURCES.serviceAccount,
      RESOURCES.service,
      RESOURCES.deployment,
      RESOURCES.ciliumNetworkPolicy,
    ]) {
      const child = await admin.get(resource, { name: 'trader', namespace });
      assert.equal(child?.metadata.ownerReferences?.[0]?.uid, ts.metadata.uid, resource.kind);
    }
    await assertVaultAccess(root(), namespace, ts);
    assert.doesNotMatch(
      await objectsText(namespace),
      /\bSUA[A-Z2-7]{20}/,
      'no NKey seed in Kubernetes',
    );
  });

  it('should give the namespace its baseline, and put back a deleted default-deny policy', async () => {
    await eventually('Pod Security restricted on the namespace', async () => {
      const ns = await admin.get(RESOURCES.namespace, { name: namespace });
      return (
        ns?.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted' || undefined
      );
    });
    const policy = { name: DEFAULT_DENY, namespace };
    const old = await eventually('the default-deny policy', () =>
      admin.get(RESOURCES.ciliumNetworkPolicy, policy),
    );
    assert.equal(old.metadata.ownerReferences, undefined, 'the namespace outlives any service');
    await admin.delete(RESOURCES.ciliumNetworkPolicy, policy);
    await eventually('the default-deny policy back', async () => {
      const p = await admin.get(RESOURCES.ciliumNetworkPolicy, policy);
      return p && p.metadata.uid !== old.metadata.uid ? p : undefined;
    });
  });

  it("should fill status.readyReplicas (the AVAILABLE column) from its Deployment's pods", async () => {
    const ready = await eventually(
      'readyReplicas 1 in status',
      async () => {
        const o = (await get()) as { status?: { readyReplicas?: number } } | undefined;
        return o?.status?.readyReplicas === 1 ? o : undefined;
      },
      120_000,
    );
    const deployment = await admin.get(RESOURCES.deployment, { name: 'trader', namespace });
    const live = (deployment as { status?: { readyReplicas?: number } } | undefined)?.status;
    assert.equal(ready.status?.readyReplicas, live?.readyReplicas);
    const table = await kubectl(['-n', namespace, 'get', 'tradingservice', 'trader']);
    const [header = [], row = []] = table.stdout.split('\n').map((l) => l.trim().split(/\s+/));
    assert.equal(row[header.indexOf('AVAILABLE')], '1', table.stdout);
  });

  it('should perform zero writes during no-op resyncs (requests counted)', async () => {
    await ready();
    await eventually('a quiet operator', async () => {
      const writes = operator.client.writes();
      await sleep(1500);
      return operator.client.writes() === writes ? true : undefined;
    });
    const before = { vault: vault.writes() };
    const since = Date.now();
    const reads = vault.calls();
    await sleep(3500);
    assert.ok(vault.calls() > reads, 'resyncs ran (they read the NKey from Vault)');
    // A write now is a real change the cluster made (on a loaded machine kube-controller-manager
    // may still move the pod, changing readyReplicas) or a no-op resync sending again what it
    // sent before; only the second is a bug, and it repeats a body verbatim.
    const log = operator.client.writeLog();
    const window = log.filter((w) => w.at >= since).map((w) => `${w.verb} ${w.path}`);
    assert.deepEqual(
      repeatedWrites(log, since).map((w) => `${w.verb} ${w.path}`),
      [],
      `Kubernetes writes during resyncs: ${window.join(', ') || 'none'}`,
    );
    assert.equal(vault.writes(), before.vault, 'no Vault write during resyncs');
  });

  it('should bring back a child that was deleted', async () => {
    const old = await admin.get(RESOURCES.service, { name: 'trader', namespace });
    await admin.delete(RESOURCES.service, { name: 'trader', namespace });
    await eventually('the Service to come back', async () => {
      const s = await admin.get(RESOURCES.service, { name: 'trader', namespace });
      return s && s.metadata.uid !== old?.metadata.uid ? s : undefined;
    });
  });

  it('should put back a field it owns that another field manager changed', async () => {
    // The operator caches only the fields it owns (docs/adr/0061): a change to one of them by
    // someone else must still show as drift and be applied back.
    const image = (d: KubeObject | undefined) =>
      (d as { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | undefined)
        ?.spec?.template?.spec?.containers?.[0]?.image;
    const before = image(await admin.get(RESOURCES.deployment, { name: 'trader', namespace }));
    assert.ok(before);
    const patch = {
      spec: { template: { spec: { containers: [{ name: 'trader', image: 'evil:latest' }] } } },
    };
    const changed = await kubectl([
      '-n',
      namespace,
      'patch',
      'deployment',
      'trader',
      '--field-manager=someone-else',
      '--type=strategic',
      '-p',
      JSON.stringify(patch),
    ]);
    assert.equal(changed.code, 0, changed.stderr);
    await eventually('the image put back', async () =>
      image(await admin.get(RESOURCES.deployment, { name: 'trader', namespace })) === before
        ? true
        : undefined,
    );
  });

  it('should follow a spec change into the Deployment and the Vault policy', async () => {
    const secret = {
      name: 'TRADER_DB',
      vaultPath: `secret/${namespace}/db`,
      key: 'url',
      file: 'db',
    };
    await admin.apply(TRADING_SERVICE, trader(namespace, [secret]));
    await ready();
    const policy = await root().readPolicy(vaultRoleName({ namespace, name: 'trader' }));
    assert.match(policy ?? '', new RegExp(`secret/data/${namespace}/db`));
    const deployment = await admin.get(RESOURCES.deployment, { name: 'trader', namespace });
    assert.match(JSON.stringify(deployment), /TRADER_DB_FILE/);
  });

  it('should report VaultUnavailable while Vault is down and recover after', async () => {
    vault.down = true;
    try {
      await eventually('VaultUnavailable', async () => {
        const o = await get();
        return conditionOf(o, 'VaultUnavailable')?.status === 'True' ? o : undefined;
      });
      assert.equal(conditionOf(await get(), 'Ready')?.status, 'False');
      assert.ok(await admin.get(RESOURCES.deployment, { name: 'trader', namespace }), 'kept');
    } finally {
      vault.down = false;
    }
    await ready();
  });

  it("should keep secret values out of objects, Events and the operator's log", async () => {
    const nkey = await root().kvRead(nkeyPath(platform, { namespace, name: 'trader' }));
    const planted = [nkey?.data.seed ?? 'no seed', testEnv().vault?.token ?? 'no token'];
    assertNoSecrets(await objectsText(namespace), planted, 'the namespace objects');
    assertNoSecrets(await eventsText(namespace), planted, 'Events');
    assertNoSecrets(operator.log(), planted, "the operator's log");
    assert.match(operator.log(), /VaultUnavailable|vault/i, 'the log holds the Vault outage');
  });

  it('should remove what a service deleted while the operator was stopped left in Vault, once it starts', async () => {
    const orphan = { ...trader(namespace), metadata: { name: 'orphan', namespace } };
    orphan.spec = { ...orphan.spec, exchangeCredentials: [] };
    await admin.create(TRADING_SERVICE, orphan);
    await eventually(
      'orphan Ready',
      async () =>
        isReady(await admin.get(TRADING_SERVICE, { name: 'orphan', namespace })) || undefined,
    );
    assert.ok(await vaultStateOf(namespace, 'orphan'), 'orphan has Vault state before');
    await operator.stop();
    await admin.delete(TRADING_SERVICE, { name: 'orphan', namespace });
    assert.equal(await admin.get(TRADING_SERVICE, { name: 'orphan', namespace }), undefined);
    assert.ok(await vaultStateOf(namespace, 'orphan'), 'nothing removed it while no operator ran');
    operator = startTradingServiceOperator({ namespace, platform, vault });
    await eventually('the sweep to remove it', async () =>
      (await vaultStateOf(namespace, 'orphan')) ? undefined : true,
    ).catch(async (error: unknown) => {
      const left = (await vaultStateOf(namespace, 'orphan'))?.join(', ');
      throw new Error(`${String(error)}; left: ${left}; log: ${operator.log().slice(-3000)}`);
    });
    assert.ok(
      await vaultStateOf(namespace, 'trader'),
      "the sweep leaves a live service's state alone",
    );
  });

  it('should remove the Vault policy, role and NKey once the TradingService is deleted', async () => {
    await admin.delete(TRADING_SERVICE, { name: 'trader', namespace });
    await eventually('the TradingService to be gone', async () =>
      (await get()) ? undefined : true,
    );
    await eventually('its Vault state to be gone', async () =>
      (await vaultStateOf(namespace, 'trader')) ? undefined : true,
    );
  });
});

/**
 * Issue 12, access truth on the real apiserver and Vault: every withdrawal (a credential drops
 * the service or is deleted, a key ring drops it, a secret entry is removed) is revoked within
 * one reconcile, proven by a fresh Kubernetes-auth login of the service (a TokenRequest for its
 * ServiceAccount with audience `vault`, as a pod makes) and by the rendered objects; a grant
 * comes back only when every side agrees again; a CR naming a path its namespace does not own
 * is Forbidden and its service cannot read it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES, type Resource } from '../../src/operator/kube/resources.ts';
import type { Platform } from '../../src/api/platform/settings.ts';
import { vaultRoleName } from '../../src/render/service/index.ts';
import { staticToken } from '../../src/vault/auth.ts';
import { VaultRequestError } from '../../src/vault/errors.ts';
import { HttpVaultAdapter } from '../../src/vault/http.ts';
import { kubectl, testEnv } from '../support/env.ts';
import { serviceAccountToken } from '../support/kubernetes-auth.ts';
import { operatorVaultLogin, type OperatorVaultLogin } from '../support/operator-vault.ts';
import { createTestNamespace, eventually, testKubeClient } from '../support/operator.ts';
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
import { EXCHANGE_CREDENTIAL } from '../../src/api/exchangecredential/kind.ts';
import { HMAC_KEY_RING } from '../../src/api/hmackeyring/kind.ts';
import { TRADING_SERVICE } from '../../src/api/tradingservice/kind.ts';

const service = (namespace: string, name: string, spec: Record<string, unknown>) =>
  tradingService(namespace, name, { ports: [{ name: 'http', port: 8080 }], ...spec });

const keyRing = (namespace: string, listeners: string[]) => ({
  apiVersion: 'posture.dev/v1alpha1',
  kind: 'HmacKeyRing',
  metadata: { name: 'signals', namespace },
  spec: {
    vaultPath: `secret/${namespace}/hmac/signals`,
    rotationPeriod: '720h',
    gracePeriod: '24h',
    algorithm: 'sha256',
    signers: ['brain'],
    listeners,
  },
});

const denied = (error: unknown) => error instanceof VaultRequestError && error.status === 403;
const root = rootVault();

describe('Revocation within one reconcile, proven by a fresh login', () => {
  let admin: KubeClient;
  let namespace: string;
  let login: OperatorVaultLogin;
  let platform: Platform;
  let operator: RunningOperator;
  const paths = {
    db: () => `secret/${namespace}/trader/db`,
    binance: () => `secret/${namespace}/exchanges/binance`,
    ring: () => `secret/${namespace}/hmac/signals`,
    thiefDb: () => `secret/${namespace}/thief/db`,
  };

  /** Logs in as the service's pod would, then tries each path: the ones it can read. */
  async function readable(name: string): Promise<string[]> {
    const jwt = await serviceAccountToken(namespace, name, { audience: 'vault' });
    const login = await root.kubernetesLogin(
      platform.vault.authMount,
      vaultRoleName({ namespace, name }),
      jwt,
    );
    const vault = new HttpVaultAdapter({
      address: testEnv().vault?.addr ?? '',
      token: staticToken(login.token),
    });
    const out: Record<string, boolean> = {};
    for (const [key, path] of Object.entries(paths)) {
      out[key] = await vault.kvRead(path()).then(
        () => true,
        (error: unknown) => {
          if (denied(error)) return false;
          throw error;
        },
      );
    }
    return Object.keys(out).filter((key) => out[key]);
  }

  const policyOf = (name: string) => root.readPolicy(vaultRoleName({ namespace, name }));
  const get = (resource: Resource, name: string) => admin.get(resource, { name, namespace });
  const patchSpec = (resource: Resource, name: string, spec: Record<string, unknown>) =>
    admin.patch(resource, { name, namespace, patch: { spec }, type: 'merge' });

  /** Until the trader's policy (still there) no longer holds a path containing `fragment`. */
  async function revoked(fragment: string) {
    await waitPolicy(`${fragment} to leave the policy`, (p) => p !== '' && !p.includes(fragment));
  }

  async function waitPolicy(what: string, test: (policy: string) => boolean) {
    await eventually(what, async () => test((await policyOf('trader')) ?? '') || undefined, 30_000);
  }

  before(async () => {
    await installPostureCrds();
    admin = testKubeClient();
    namespace = await createTestNamespace(admin, 'revoke');
    // The operator logs in with its own role, never the root token (which only seeds here).
    login = await operatorVaultLogin(namespace);
    platform = login.platform;
    for (const [key, path] of Object.entries(paths)) await root.kvWrite(path(), { value: key });
    await admin.create(
      EXCHANGE_CREDENTIAL,
      exchangeCredential(namespace, { consumers: ['trader'] }),
    );
    await admin.create(HMAC_KEY_RING, keyRing(namespace, ['trader']));
    await admin.create(
      TRADING_SERVICE,
      service(namespace, 'trader', {
        exchangeCredentials: ['binance'],
        hmac: [{ keyRing: 'signals', role: 'listener', env: 'SIGNALS', file: 'hmac' }],
        secrets: [{ name: 'DB_URL', file: 'db', key: 'value', vaultPath: paths.db() }],
      }),
    );
    operator = startTradingServiceOperator({ namespace, platform, vault: login.adapter() });
  });

  after(async () => {
    await operator.stop();
    await admin.delete(RESOURCES.namespace, { name: namespace });
    await login.remove();
  });

  it('should let a fresh login read exactly what every side granted', async () => {
    await eventually(
      'trader Ready',
      async () => isReady(await get(TRADING_SERVICE, 'trader')) || undefined,
      30_000,
    );
    assert.deepEqual(await readable('trader'), ['db', 'binance', 'ring']);
  });

  it('should revoke the key, its file and its egress when the credential drops the service', async () => {
    await patchSpec(EXCHANGE_CREDENTIAL, 'binance', { consumers: [] });
    await revoked('exchanges/binance');
    assert.deepEqual(await readable('trader'), ['db', 'ring']);
    const deployment = JSON.stringify(await get(RESOURCES.deployment, 'trader'));
    assert.doesNotMatch(deployment, /exchanges\/binance/);
    assert.doesNotMatch(
      JSON.stringify(await get(RESOURCES.ciliumNetworkPolicy, 'trader')),
      /api\.binance\.com/,
    );
    const degraded = conditionOf(await get(TRADING_SERVICE, 'trader'), 'Degraded');
    assert.equal(degraded?.status, 'True');
    assert.match(
      (degraded as { message?: string }).message ?? '',
      /does not list trader in spec\.consumers/,
    );
  });

  it('should grant the key again only once the credential lists the service again', async () => {
    await patchSpec(EXCHANGE_CREDENTIAL, 'binance', { consumers: ['trader'] });
    await eventually(
      'trader Ready again',
      async () => isReady(await get(TRADING_SERVICE, 'trader')) || undefined,
      30_000,
    );
    assert.ok((await readable('trader')).includes('binance'));
  });

  it('should revoke the key when the credential is deleted', async () => {
    await admin.delete(EXCHANGE_CREDENTIAL, { name: 'binance', namespace });
    await revoked('exchanges/binance');
    assert.deepEqual(await readable('trader'), ['db', 'ring']);
  });

  it('should revoke the ring key when the key ring drops the service from listeners', async () => {
    await patchSpec(HMAC_KEY_RING, 'signals', { listeners: ['sentinel'] });
    await revoked('hmac/signals');
    assert.deepEqual(await readable('trader'), ['db']);
  });

  it('should remove the policy and the role when the last secret entry is removed', async () => {
    await patchSpec(TRADING_SERVICE, 'trader', { secrets: null });
    await eventually(
      'the policy to be gone',
      async () => ((await policyOf('trader')) === undefined ? true : undefined),
      30_000,
    );
    const jwt = await serviceAccountToken(namespace, 'trader', { audience: 'vault' });
    await assert.rejects(
      root.kubernetesLogin(
        platform.vault.authMount,
        vaultRoleName({ namespace, name: 'trader' }),
        jwt,
      ),
    );
    assert.doesNotMatch(
      JSON.stringify(await get(RESOURCES.deployment, 'trader')),
      /agent-inject-secret/,
    );
  });

  it("should report Forbidden for a plain secret naming a credential's path and never grant it", async () => {
    await admin.create(
      EXCHANGE_CREDENTIAL,
      exchangeCredential(namespace, { consumers: ['trader'] }),
    );
    await admin.create(
      TRADING_SERVICE,
      service(namespace, 'thief', {
        secrets: [
          { name: 'OWN', file: 'own', key: 'value', vaultPath: paths.thiefDb() },
          { name: 'LOOT', file: 'loot', key: 'value', vaultPath: paths.binance() },
        ],
      }),
    );
    const forbidden = await eventually(
      'thief Forbidden',
      async () => {
        const c = conditionOf(await get(TRADING_SERVICE, 'thief'), 'Forbidden');
        return c?.status === 'True' ? (c as { message?: string }) : undefined;
      },
      30_000,
    );
    assert.match(
      forbidden.message ?? '',
      /spec\.secrets\[1\]\.vaultPath: .* is owned by ExchangeCredential .*\/binance/,
    );
    await eventually('thief policy', async () => (await policyOf('thief')) ?? undefined, 30_000);
    assert.deepEqual(await readable('thief'), ['thiefDb']);
  });

  it("should refuse at the apiserver a service naming posture's own prefix", async () => {
    const seed = service(namespace, 'seedthief', {
      secrets: [
        {
          name: 'SEED',
          file: 'seed',
          key: 'seed',
          vaultPath: `secret/posture/nats/${namespace}/trader`,
        },
      ],
    });
    const result = await kubectl(['apply', '-f', '-'], JSON.stringify(seed));
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /posture keeps the NKey seeds/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exchangeCredentialController } from '../../src/controllers/exchangecredential/reconcile.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { kubectl, testEnv } from '../support/env.ts';
import { operatorVaultLogin } from '../support/operator-vault.ts';
import { assertNoSecrets, eventsText } from '../support/secrets.ts';
import {
  createTestNamespace,
  eventually,
  startTestOperator,
  testKubeClient,
} from '../support/operator.ts';
import { EXCHANGE_CREDENTIAL } from '../../src/api/exchangecredential/kind.ts';
import { FakeExchange } from '../../src/exchanges/testing/fake-exchange.ts';

interface Status {
  status?: {
    conditions?: { type: string; status: string; reason: string }[];
    keyCreatedTime?: string;
  };
}
const condition = (o: KubeObject | undefined, type: string) =>
  (o as Status | undefined)?.status?.conditions?.find((c) => c.type === type);

/** The exchange key the test writes to Vault: these values must never leave Vault. */
const PLANTED_KEY = {
  apiKey: 'ec-test-api-key-5bd1c0a7e2',
  apiSecret: 'ec-test-api-secret-93fa61d4c8',
};

interface EventItem {
  involvedObject: { name: string };
  reason: string;
  type: string;
  message: string;
}

function credential(namespace: string, name: string, whitelist: string[]) {
  return {
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'ExchangeCredential',
    metadata: { name, namespace },
    spec: {
      exchange: name,
      vaultPath: `secret/${namespace}/exchanges/${name}`,
      permissions: { read: true, trade: true, withdraw: false },
      ipWhitelist: whitelist,
      consumers: ['execution'],
      maxKeyAge: '24h',
    },
  };
}

async function installCrds(): Promise<void> {
  const applied = await kubectl(['apply', '--server-side', '-f', 'charts/posture/crds/']);
  assert.equal(applied.code, 0, applied.stderr);
  await eventually(
    'the CRD to be served',
    async () => (await kubectl(['get', 'exchangecredentials', '-A'])).code === 0 || undefined,
  );
}

describe('ExchangeCredential reconciler against the real apiserver and Vault', () => {
  it('should report key presence, rotation, whitelist and key age, and follow spec changes', async () => {
    const env = testEnv();
    if (!env.vault) throw new Error('the test environment has no Vault');
    await installCrds();
    const admin = testKubeClient();
    const namespace = await createTestNamespace(admin, 'ec');
    const put = await fetch(`${env.vault.addr}/v1/secret/data/${namespace}/exchanges/binance`, {
      method: 'POST',
      headers: { 'x-vault-token': env.vault.token },
      body: JSON.stringify({ data: PLANTED_KEY }),
    });
    assert.equal(put.status, 200);
    await admin.create(EXCHANGE_CREDENTIAL, credential(namespace, 'binance', ['203.0.113.10/32']));
    await admin.create(EXCHANGE_CREDENTIAL, credential(namespace, 'bybit', ['203.0.113.10/32']));
    // The operator logs in with its own role and policy, never the root token.
    const login = await operatorVaultLogin(namespace, { egressGateway: { ips: ['203.0.113.10'] } });
    // Binance, as the daily check asks it (exchange-introspection.test.ts tests the check).
    const exchange = await FakeExchange.start();
    exchange.setKey('binance', { ...PLANTED_KEY, ips: ['203.0.113.10'] });
    const operator = startTestOperator({
      namespace,
      podName: 'ec-test',
      register: [exchangeCredentialController(login.platform, { namespace })],
      vault: login,
      captureLog: true,
      flags: exchange.flags(),
    });
    const planted = [...Object.values(PLANTED_KEY), env.vault.token];
    try {
      const get = (name: string) => admin.get(EXCHANGE_CREDENTIAL, { name, namespace });
      const binance = await eventually('binance Ready', async () => {
        const o = await get('binance');
        return condition(o, 'Ready')?.status === 'True' ? o : undefined;
      });
      assert.equal(condition(binance, 'RotationDue')?.status, 'False');
      assert.ok((binance as Status).status?.keyCreatedTime, 'status has the key creation time');
      assertNoSecrets(JSON.stringify(binance), planted, 'status');
      const bybit = await eventually('bybit reported', async () => {
        const o = await get('bybit');
        return condition(o, 'Degraded') ? o : undefined;
      });
      assert.equal(
        condition(bybit, 'Degraded')?.reason,
        'KeyMissing',
        'fails closed without a key',
      );
      assert.equal(condition(bybit, 'Ready')?.status, 'False');
      const metrics = await (await fetch(`http://127.0.0.1:${operator.port()}/metrics`)).text();
      const ageLine = metrics
        .split('\n')
        .find(
          (l) =>
            l.startsWith('posture_exchange_key_age_seconds{') &&
            l.includes('name="binance"') &&
            l.includes(`namespace="${namespace}"`),
        );
      assert.ok(ageLine, `no key-age sample for binance in:\n${metrics}`);
      assert.ok(Number(ageLine.split(' ').at(-1)) >= 0);

      const patched = await kubectl([
        '-n',
        namespace,
        'patch',
        'exchangecredential',
        'binance',
        '--type=merge',
        '-p',
        JSON.stringify({ spec: { ipWhitelist: ['198.51.100.0/24'] } }),
      ]);
      assert.equal(patched.code, 0, patched.stderr);
      const mismatched = await eventually('WhitelistMismatch', async () => {
        const o = await get('binance');
        return condition(o, 'WhitelistMismatch')?.status === 'True' ? o : undefined;
      });
      assert.equal(condition(mismatched, 'Ready')?.reason, 'EgressIpNotWhitelisted');
      const event = await eventually('a Warning Event for the whitelist', async () => {
        const events = JSON.parse(await eventsText(namespace)) as { items: EventItem[] };
        return events.items.find(
          (e) => e.involvedObject.name === 'binance' && e.reason === 'EgressIpNotWhitelisted',
        );
      });
      assert.equal(event.type, 'Warning');
      assert.match(event.message, /WhitelistMismatch True: egress IPs not in ipWhitelist/);
      assertNoSecrets(await eventsText(namespace), planted, 'Events');
      assertNoSecrets(operator.log(), planted, "the operator's log");
      assert.match(operator.log(), /started leading/, 'the log was captured and scanned');
    } finally {
      await operator.stop();
      await exchange.stop();
      await login.remove();
      await admin.delete(RESOURCES.namespace, { name: namespace });
    }
  });
});

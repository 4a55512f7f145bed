/**
 * Issue 14, item 6: the daily question to the exchange. Keys in the real Vault, credentials in
 * the real apiserver, the operator on its own Vault policy, and a stand-in for Binance and Bybit
 * on loopback that checks each signed request the way the exchange does (wrong signature: that
 * exchange's own refusal). The operator reads the key, asks, and reports ExchangeVerified,
 * WithdrawEnabled, the IP binding and the withdraw gauge; it asks again only for a new key, a
 * new spec or a new day, retries an exchange that is down, and never shows the key anywhere.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EXCHANGE_CREDENTIAL } from '../../src/api/exchangecredential/kind.ts';
import { exchangeCredentialController } from '../../src/controllers/exchangecredential/reconcile.ts';
import { FakeExchange } from '../../src/exchanges/testing/fake-exchange.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { kubectl, testEnv } from '../support/env.ts';
import { mustKubectl } from '../support/kubernetes-auth.ts';
import {
  createTestNamespace,
  eventually,
  startTestOperator,
  testKubeClient,
  type TestOperator,
} from '../support/operator.ts';
import { operatorVaultLogin, type OperatorVaultLogin } from '../support/operator-vault.ts';
import { assertNoSecrets, eventsText } from '../support/secrets.ts';
import { conditionOf, installPostureCrds, rootVault } from '../support/tradingservice.ts';

const KEYS = {
  binance: { apiKey: 'xi-binance-key-3c81d0', apiSecret: 'xi-binance-secret-77e2a9' },
  bybit: { apiKey: 'xi-bybit-key-b5e190', apiSecret: 'xi-bybit-secret-0d4f6c' },
  stale: { apiKey: 'xi-stale-key-91ab2e', apiSecret: 'xi-stale-secret-e3c7d5' },
};
/** What Vault holds for `stale` at first: its key with a secret that does not sign for it. */
const WRONG_SECRET = 'xi-wrong-secret-5a0f13';
const BOUND = ['203.0.113.10'];

interface Observed {
  status?: {
    lastVerifiedTime?: string;
    exchangeKey?: { keyVersion: number; generation: number; [field: string]: unknown };
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}
const observed = (o: KubeObject | undefined) => (o as Observed | undefined)?.status;
const messageOf = (o: KubeObject | undefined, type: string) =>
  observed(o)?.conditions?.find((c) => c.type === type)?.message ?? '';
const brief = (o: KubeObject | undefined, type: string) =>
  `${conditionOf(o, type)?.status} ${conditionOf(o, type)?.reason}`;

function credential(namespace: string, name: string, exchange: 'binance' | 'bybit') {
  return {
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'ExchangeCredential',
    metadata: { name, namespace },
    spec: {
      exchange,
      vaultPath: `secret/${namespace}/exchanges/${name}`,
      permissions: { read: true, trade: true, withdraw: false },
      ipWhitelist: ['203.0.113.10/32'],
      consumers: [],
    },
  };
}

describe('ExchangeCredential asks the exchange about its key', () => {
  let admin: KubeClient;
  let namespace: string;
  let login: OperatorVaultLogin;
  let exchange: FakeExchange;
  let operator: TestOperator;
  const root = rootVault();
  const path = (name: string) => `secret/${namespace}/exchanges/${name}`;
  const get = (name: string) => admin.get(EXCHANGE_CREDENTIAL, { name, namespace });
  const until = (what: string, name: string, check: (o: KubeObject | undefined) => boolean) =>
    eventually(what, async () => ((o) => (check(o) ? o : undefined))(await get(name)), 60_000);
  const poke = (name: string, value: string) =>
    mustKubectl([
      '-n',
      namespace,
      'annotate',
      '--overwrite',
      'xc',
      name,
      `posture.test/poke=${value}`,
    ]);
  const patch = (name: string, ipWhitelist: string[]) =>
    mustKubectl([
      '-n',
      namespace,
      'patch',
      'xc',
      name,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { ipWhitelist } }),
    ]);

  before(async () => {
    await installPostureCrds();
    admin = testKubeClient();
    namespace = await createTestNamespace(admin, 'xi');
    await root.kvWrite(path('binance'), KEYS.binance);
    await root.kvWrite(path('bybit'), KEYS.bybit);
    await root.kvWrite(path('stale'), { ...KEYS.stale, apiSecret: WRONG_SECRET });
    exchange = await FakeExchange.start();
    exchange.setKey('binance', { ...KEYS.binance, ips: BOUND });
    exchange.setKey('bybit', { ...KEYS.bybit, withdraw: true, ips: BOUND });
    exchange.setKey('binance', { ...KEYS.stale, ips: BOUND });
    await admin.create(EXCHANGE_CREDENTIAL, credential(namespace, 'binance', 'binance'));
    await admin.create(EXCHANGE_CREDENTIAL, credential(namespace, 'bybit', 'bybit'));
    await admin.create(EXCHANGE_CREDENTIAL, credential(namespace, 'stale', 'binance'));
    login = await operatorVaultLogin(namespace, { egressGateway: { ips: BOUND } });
    operator = startTestOperator({
      namespace,
      podName: 'xi-test',
      register: [exchangeCredentialController(login.platform, { namespace })],
      vault: login,
      captureLog: true,
      flags: exchange.flags(),
    });
  });

  after(async () => {
    await operator.stop();
    await exchange.stop();
    await login.remove();
    for (const name of ['binance', 'bybit', 'stale']) await root.kvDestroy(path(name));
    await admin.delete(RESOURCES.namespace, { name: namespace });
  });

  it('should verify a trade-only key: ExchangeVerified True, WithdrawEnabled False, Ready', async () => {
    const binance = await until(
      'binance verified',
      'binance',
      (o) => brief(o, 'Ready') === 'True Reconciled',
    );
    assert.equal(brief(binance, 'ExchangeVerified'), 'True ExchangeAnswered');
    assert.equal(brief(binance, 'WithdrawEnabled'), 'False TradeOnly');
    const status = observed(binance);
    assert.ok(status?.lastVerifiedTime, 'status has lastVerifiedTime');
    assert.deepEqual(status.exchangeKey, {
      keyVersion: 1,
      generation: 1,
      accepted: true,
      withdrawEnabled: false,
      tradeEnabled: true,
      readEnabled: true,
      ipRestricted: true,
    });
    assert.match(messageOf(binance, 'WhitelistMismatch'), /binance says the key is IP-restricted/);
  });

  it('should flag a key that may withdraw: WithdrawEnabled True, a Warning Event, the gauge at 1', async () => {
    const bybit = await until(
      'bybit answered',
      'bybit',
      (o) => brief(o, 'WithdrawEnabled') === 'True WithdrawPermitted',
    );
    assert.equal(brief(bybit, 'Ready'), 'False WithdrawPermitted');
    assert.equal(brief(bybit, 'ExchangeVerified'), 'True ExchangeAnswered');
    assert.deepEqual(observed(bybit)?.exchangeKey?.ips, BOUND);
    assert.match(
      messageOf(bybit, 'WhitelistMismatch'),
      /bybit binds the key to 203\.0\.113\.10, all in it/,
    );
    const event = await eventually('a Warning Event for bybit', async () => {
      const { items } = JSON.parse(await eventsText(namespace)) as {
        items: {
          involvedObject: { name: string };
          reason: string;
          type: string;
          message: string;
        }[];
      };
      return items.find(
        (e) => e.involvedObject.name === 'bybit' && e.reason === 'WithdrawPermitted',
      );
    });
    assert.equal(event.type, 'Warning');
    assert.match(event.message, /^WithdrawEnabled True: bybit says the key may withdraw funds/);
    const metrics = await (await fetch(`http://127.0.0.1:${operator.port()}/metrics`)).text();
    const gauge = (name: string) =>
      metrics
        .split('\n')
        .find(
          (l) =>
            l.startsWith('posture_exchange_withdraw_enabled{') &&
            l.includes(`name="${name}"`) &&
            l.includes(`namespace="${namespace}"`),
        )
        ?.split(' ')
        .at(-1);
    assert.equal(gauge('bybit'), '1');
    assert.equal(gauge('binance'), '0');
  });

  it("should report the exchange's refusal when the secret in Vault does not sign for the key", async () => {
    const stale = await until(
      'stale refused',
      'stale',
      (o) => brief(o, 'ExchangeVerified') === 'False SignatureInvalid',
    );
    assert.equal(brief(stale, 'Ready'), 'False SignatureInvalid');
    assert.match(
      messageOf(stale, 'ExchangeVerified'),
      /binance refused key version 1 at .*: binance -1022: Signature for this request is not valid\./,
    );
    assert.equal(brief(stale, 'WithdrawEnabled'), 'Unknown NotVerified');
  });

  it('should ask again only for a new key or a new spec, never in a loop', async () => {
    const asked = { binance: exchange.count('binance'), bybit: exchange.count('bybit') };
    assert.deepEqual(asked, { binance: 2, bybit: 1 }, 'one question per credential so far');
    for (const name of ['binance', 'bybit', 'stale']) await poke(name, 'again');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.deepEqual(
      { binance: exchange.count('binance'), bybit: exchange.count('bybit') },
      asked,
      'reconciles without news ask nothing',
    );
    // The key is fixed in Vault: the next reconcile sees version 2 and asks about it.
    await root.kvWrite(path('stale'), KEYS.stale);
    await poke('stale', 'new-key');
    const stale = await until(
      'stale verified',
      'stale',
      (o) => brief(o, 'ExchangeVerified') === 'True ExchangeAnswered',
    );
    assert.equal(observed(stale)?.exchangeKey?.keyVersion, 2);
    assert.equal(exchange.count('binance'), asked.binance + 1);
    // A spec change asks again (about the same key).
    await patch('bybit', ['203.0.113.10/32', '203.0.113.12/32']);
    await until(
      'bybit asked for generation 2',
      'bybit',
      (o) => observed(o)?.exchangeKey?.generation === 2,
    );
    assert.equal(exchange.count('bybit'), asked.bybit + 1);
  });

  it('should retry an exchange that does not answer, keeping its last answer about the key', async () => {
    exchange.setDown('bybit', true);
    await patch('bybit', ['203.0.113.10/32']);
    const down = await until(
      'bybit unreachable',
      'bybit',
      (o) => brief(o, 'ExchangeVerified') === 'False ExchangeUnreachable',
    );
    assert.match(
      messageOf(down, 'ExchangeVerified'),
      /unavailable: HTTP 503; asking again with backoff; its last answer .* stands/,
    );
    assert.equal(
      brief(down, 'WithdrawEnabled'),
      'True WithdrawPermitted',
      'the last answer stands',
    );
    const tries = exchange.count('bybit');
    await eventually('a retry', () => (exchange.count('bybit') > tries ? true : undefined));
    exchange.setDown('bybit', false);
    const back = await until(
      'bybit answered again',
      'bybit',
      (o) => observed(o)?.exchangeKey?.generation === 3,
    );
    assert.equal(brief(back, 'ExchangeVerified'), 'True ExchangeAnswered');
  });

  it('should never show a key or a secret in status, Events or the operator log', async () => {
    const planted = [
      ...Object.values(KEYS).flatMap((k) => [k.apiKey, k.apiSecret]),
      WRONG_SECRET,
      testEnv().vault?.token ?? '',
    ];
    for (const name of ['binance', 'bybit', 'stale'])
      assertNoSecrets(JSON.stringify(await get(name)), planted, `${name}'s object`);
    assertNoSecrets(await eventsText(namespace), planted, 'Events');
    const described = await kubectl(['-n', namespace, 'describe', 'xc']);
    assertNoSecrets(described.stdout, planted, 'kubectl describe');
    assertNoSecrets(operator.log(), planted, "the operator's log");
    assert.match(
      operator.log(),
      /asked the exchange about the key/,
      'the log was captured and scanned',
    );
  });
});

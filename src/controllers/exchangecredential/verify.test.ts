import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  ExchangeCredentialSchema,
  type ExchangeCredential,
  type ExchangeKeyStatus,
} from '../../api/exchangecredential/schema.ts';
import type { KeyRestrictions } from '../../exchanges/types.ts';
import { platformSchema } from '../../api/platform/settings.ts';
import { DAY_MS, decideExchangeCredential, type ExchangeCheck } from './decide.ts';
import { newest, planCheck, type CheckPlan, type StoredAnswer } from './verify.ts';

const example = (file: string): ExchangeCredential =>
  ExchangeCredentialSchema.parse(
    parse(readFileSync(new URL(`../../../examples/titan/${file}`, import.meta.url), 'utf8')),
  );
const withGeneration = (c: ExchangeCredential, generation = 2): ExchangeCredential => ({
  ...c,
  metadata: { ...c.metadata, generation },
});
const binance = withGeneration(example('exchangecredential-binance.yaml'));
const bybit = withGeneration(example('exchangecredential-bybit.yaml'));
const gemini = withGeneration(example('exchangecredential-gemini.yaml'));
const elsewhere = { ...binance, spec: { ...binance.spec, vaultPath: 'secret/titan/binance' } };
const platform = platformSchema.parse({ egressGateway: { ips: ['203.0.113.10', '203.0.113.11'] } });
const now = new Date('2026-11-25T12:00:00Z');
const hoursAgo = (h: number) =>
  new Date(now.getTime() - h * 3_600_000).toISOString().replace(/\.000Z$/, 'Z');
const key = { state: 'present' as const, createdTime: '2026-11-20T12:00:00Z', version: 3 };

const tradeOnly: KeyRestrictions = {
  withdrawEnabled: false,
  tradeEnabled: true,
  readEnabled: true,
  ipRestricted: true,
};
const stored = (hours: number, k: Partial<ExchangeKeyStatus> = {}): StoredAnswer => ({
  time: hoursAgo(hours),
  key: { keyVersion: 3, generation: 2, accepted: true, ...tradeOnly, ...k },
});

describe('ExchangeCredential: when to ask the exchange', () => {
  const plan = (over: Partial<Parameters<typeof planCheck>[0]>) =>
    planCheck({
      credential: binance,
      platform,
      keyVersion: 3,
      previous: undefined,
      generation: 2,
      now,
      intervalMs: DAY_MS,
      ...over,
    });
  const cases: [string, CheckPlan, Partial<CheckPlan>][] = [
    ['should ask about a key it has never asked about', plan({}), { ask: true, version: 3 }],
    [
      'should not ask again within the day about the same key and spec',
      plan({ previous: stored(23) }),
      { ask: false, why: 'answered', nextAt: new Date(now.getTime() + 3_600_000) },
    ],
    ['should ask again once the day has passed', plan({ previous: stored(24) }), { ask: true }],
    [
      'should ask again when Vault holds a new version of the key',
      plan({ previous: stored(1, { keyVersion: 2 }) }),
      { ask: true, version: 3 },
    ],
    [
      'should ask again when the spec changed',
      plan({ previous: stored(1, { generation: 1 }) }),
      { ask: true },
    ],
    [
      'should not ask again soon after the exchange refused the key',
      plan({ previous: stored(1, { accepted: false }) }),
      { ask: false, why: 'answered' },
    ],
    [
      'should follow a configured interval',
      plan({ previous: stored(2), intervalMs: 3_600_000 }),
      { ask: true },
    ],
    [
      'should never ask an exchange without a key-introspection API',
      plan({ credential: gemini }),
      { ask: false, why: 'unsupported' },
    ],
    [
      "should not read a key outside the namespace's exchanges/ folder",
      plan({ credential: elsewhere }),
      { ask: false, why: 'outside-folder' },
    ],
    [
      'should not ask while Vault holds no key',
      plan({ keyVersion: undefined }),
      { ask: false, why: 'no-key' },
    ],
  ];
  for (const [name, got, want] of cases) it(name, () => assert.deepEqual({ ...got, ...want }, got));

  it('should go by the answer this process just got while the cached status lags it', () => {
    const lagging = stored(30);
    const justGot = stored(0);
    assert.equal(newest(lagging, justGot), justGot);
    assert.equal(newest(justGot, lagging), justGot);
    assert.equal(newest(undefined, justGot), justGot);
    assert.equal(plan({ previous: newest(lagging, justGot) }).ask, false);
  });
});

function decide(credential: ExchangeCredential, exchange: ExchangeCheck, ips = platform) {
  const decision = decideExchangeCredential({ credential, platform: ips, key, now, exchange });
  const byType = Object.fromEntries(decision.conditions.map((c) => [c.type, c]));
  const brief = (type: string) => `${byType[type]?.status} ${byType[type]?.reason}`;
  return { decision, byType, brief };
}
const answered = (restrictions: Partial<KeyRestrictions> = {}): ExchangeCheck => ({
  result: {
    state: 'answered',
    answer: { outcome: 'accepted', restrictions: { ...tradeOnly, ...restrictions } },
  },
});

describe('ExchangeCredential: what the exchange said', () => {
  const cases: [string, ExchangeCredential, ExchangeCheck, Record<string, string>][] = [
    [
      'should be Ready, verified and trade-only when the exchange accepts a trade-only key',
      binance,
      answered(),
      {
        Ready: 'True Reconciled',
        ExchangeVerified: 'True ExchangeAnswered',
        WithdrawEnabled: 'False TradeOnly',
      },
    ],
    [
      'should not be Ready when the exchange says the key may withdraw',
      binance,
      answered({ withdrawEnabled: true }),
      { Ready: 'False WithdrawPermitted', WithdrawEnabled: 'True WithdrawPermitted' },
    ],
    [
      "should not be Ready when the exchange refuses the key's signature",
      binance,
      {
        result: {
          state: 'answered',
          answer: {
            outcome: 'refused',
            reason: 'SignatureInvalid',
            detail: 'binance -1022: Signature for this request is not valid.',
          },
        },
      },
      {
        Ready: 'False SignatureInvalid',
        ExchangeVerified: 'False SignatureInvalid',
        WithdrawEnabled: 'Unknown NotVerified',
      },
    ],
    [
      'should not be Ready while the exchange does not answer, and keep its last answer about the key',
      binance,
      {
        previous: stored(25, { withdrawEnabled: true }),
        result: {
          state: 'unreachable',
          message: 'binance GET /sapi/v1/account/apiRestrictions: unavailable: ECONNREFUSED',
        },
      },
      {
        Ready: 'False WithdrawPermitted',
        ExchangeVerified: 'False ExchangeUnreachable',
        WithdrawEnabled: 'True WithdrawPermitted',
      },
    ],
    [
      'should not carry an answer about an older key over to the new one',
      binance,
      {
        previous: stored(1, { keyVersion: 2, withdrawEnabled: true }),
        result: { state: 'unreachable', message: 'ECONNREFUSED' },
      },
      { Ready: 'False ExchangeUnreachable', WithdrawEnabled: 'Unknown NotVerified' },
    ],
    [
      'should keep the standing answer between checks',
      binance,
      { previous: stored(3) },
      {
        Ready: 'True Reconciled',
        ExchangeVerified: 'True ExchangeAnswered',
        WithdrawEnabled: 'False TradeOnly',
      },
    ],
    [
      "should not make an unsupported exchange's credential un-Ready",
      gemini,
      {},
      {
        Ready: 'True Reconciled',
        ExchangeVerified: 'False ExchangeUnsupported',
        WithdrawEnabled: 'Unknown NotVerified',
      },
    ],
    [
      'should say a key outside the exchanges/ folder is not checked, without making it un-Ready',
      elsewhere,
      {},
      { Ready: 'True Reconciled', ExchangeVerified: 'False KeyOutsideExchangeFolder' },
    ],
    [
      "should report Vault refusing the operator's read of the key",
      binance,
      {
        result: {
          state: 'vault',
          vault: {
            state: 'refused',
            message: 'vault GET secret/data/titan/exchanges/binance: 403',
          },
        },
      },
      { Ready: 'False VaultRefused', ExchangeVerified: 'False VaultRefused' },
    ],
    [
      'should report a secret without apiKey and apiSecret as unusable',
      binance,
      {
        result: {
          state: 'unusable',
          message:
            'the secret at secret/titan/exchanges/binance (version 3) lacks apiKey or apiSecret',
        },
      },
      { Ready: 'False KeyUnusable', ExchangeVerified: 'False KeyUnusable' },
    ],
    [
      'should report a key the exchange binds to no IP as a whitelist mismatch',
      bybit,
      answered({ ipRestricted: false }),
      { Ready: 'False KeyNotIpRestricted', WhitelistMismatch: 'True KeyNotIpRestricted' },
    ],
    [
      'should report an IP the exchange binds that spec.ipWhitelist does not list',
      bybit,
      answered({ ips: ['203.0.113.10', '203.0.113.11', '198.51.100.7'] }),
      { WhitelistMismatch: 'True ExchangeIpsNotDeclared' },
    ],
    [
      'should report an egress IP the exchange does not bind to the key',
      bybit,
      answered({ ips: ['203.0.113.10'] }),
      { WhitelistMismatch: 'True EgressIpNotBoundAtExchange' },
    ],
    [
      'should agree when the exchange binds the key to exactly the egress IPs',
      bybit,
      answered({ ips: ['203.0.113.11', '203.0.113.10'] }),
      { Ready: 'True Reconciled', WhitelistMismatch: 'False EgressIpsWhitelisted' },
    ],
  ];
  for (const [name, credential, exchange, want] of cases)
    it(name, () => {
      const { brief } = decide(credential, exchange);
      for (const [type, expected] of Object.entries(want))
        assert.equal(brief(type), expected, type);
    });

  it('should store the answer with its time, key version and generation, and ask again in a day', () => {
    const { decision, byType } = decide(binance, answered());
    assert.deepEqual(decision.fields.exchangeKey, {
      keyVersion: 3,
      generation: 2,
      accepted: true,
      ...tradeOnly,
    });
    assert.equal(decision.fields.lastVerifiedTime, '2026-11-25T12:00:00Z');
    assert.equal(decision.withdrawEnabled, 0);
    assert.equal(decision.requeueAfterMs, 3_600_000);
    assert.match(
      byType.ExchangeVerified?.message ?? '',
      /binance answered for key version 3 at 2026-11-25T12:00:00Z/,
    );
    assert.match(byType.WhitelistMismatch?.message ?? '', /binance says the key is IP-restricted/);
  });

  it('should name the refusal and its fix, and store it so the next day asks again', () => {
    const refused: ExchangeCheck = {
      result: {
        state: 'answered',
        answer: {
          outcome: 'refused',
          reason: 'KeyRefused',
          detail: 'bybit 10003: API key is invalid.',
        },
      },
    };
    const { decision, byType } = decide(bybit, refused);
    assert.match(
      byType.ExchangeVerified?.message ?? '',
      /bybit refused key version 3 at .*: bybit 10003: API key is invalid\. \(fix: .*bound to the operator's egress IP\)/,
    );
    assert.deepEqual(decision.fields.exchangeKey?.refusal, {
      reason: 'KeyRefused',
      message: 'bybit 10003: API key is invalid.',
    });
    assert.equal(decision.withdrawEnabled, undefined);
  });

  it('should count a key that may withdraw in the gauge and tell what to do', () => {
    const { decision, byType } = decide(binance, answered({ withdrawEnabled: true }));
    assert.equal(decision.withdrawEnabled, 1);
    assert.match(
      byType.WithdrawEnabled?.message ?? '',
      /create a trade-only key, write it to Vault, then delete this one at binance/,
    );
  });

  it('should look again when the standing answer runs out, sooner than hourly', () => {
    const { decision } = decide(binance, { previous: stored(1), intervalMs: 90 * 60_000 });
    assert.equal(decision.requeueAfterMs, 30 * 60_000);
    assert.deepEqual(decision.fields.exchangeKey, stored(1).key, 'the standing answer, unchanged');
  });
});

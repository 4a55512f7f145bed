import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { platformSchema } from '../../api/platform/settings.ts';
import { ExchangeCredentialSchema } from '../../api/exchangecredential/schema.ts';
import { FakeVault } from '../../vault/fake.ts';
import { decideExchangeCredential, type KeyObservation } from './decide.ts';
import { observeKey } from './reconcile.ts';

const credential = ExchangeCredentialSchema.parse(
  parse(
    readFileSync(
      new URL('../../../examples/titan/exchangecredential-binance.yaml', import.meta.url),
      'utf8',
    ),
  ),
);
const platform = (ips: string[]) => platformSchema.parse({ egressGateway: { ips } });
const now = new Date('2026-11-25T12:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
const present = (days: number): KeyObservation => ({
  state: 'present',
  createdTime: daysAgo(days),
  version: 1,
});

function statusOf(key: KeyObservation, ips = ['203.0.113.10']) {
  const decision = decideExchangeCredential({ credential, platform: platform(ips), key, now });
  const byType = Object.fromEntries(decision.conditions.map((c) => [c.type, c]));
  return { decision, byType };
}

describe('ExchangeCredential decide', () => {
  const cases: [string, KeyObservation, string[], Record<string, string>][] = [
    [
      'should be Ready when the key is fresh and every egress IP is whitelisted',
      present(10),
      ['203.0.113.10', '203.0.113.11'],
      { Ready: 'True', RotationDue: 'False', WhitelistMismatch: 'False' },
    ],
    [
      'should report RotationDue once the key is older than maxKeyAge (90 days)',
      present(91),
      ['203.0.113.10'],
      { Ready: 'False', RotationDue: 'True' },
    ],
    [
      'should not report RotationDue one day before maxKeyAge',
      present(89),
      ['203.0.113.10'],
      { RotationDue: 'False' },
    ],
    [
      'should report WhitelistMismatch when an egress IP is not whitelisted',
      present(1),
      ['203.0.113.10', '198.51.100.7'],
      { Ready: 'False', WhitelistMismatch: 'True' },
    ],
    [
      'should fail closed as Degraded when no key is in Vault',
      { state: 'missing' },
      [],
      { Ready: 'False', Degraded: 'True' },
    ],
    [
      'should report VaultUnavailable and not Ready when Vault does not answer',
      { state: 'unavailable', message: 'connect ECONNREFUSED' },
      [],
      { Ready: 'False', VaultUnavailable: 'True' },
    ],
    [
      "should report VaultUnavailable and not Ready when Vault refuses the operator's read",
      { state: 'refused', message: 'vault GET secret/metadata/titan/x: 403: permission denied' },
      [],
      { Ready: 'False', VaultUnavailable: 'True' },
    ],
  ];
  for (const [name, key, ips, expected] of cases) {
    it(name, () => {
      const { byType } = statusOf(key, ips);
      for (const [type, status] of Object.entries(expected))
        assert.equal(byType[type]?.status, status, type);
    });
  }

  it('should give a refusal its own reason, so it is not taken for Vault being down', () => {
    const { byType } = statusOf({ state: 'refused', message: '403' }, []);
    assert.equal(byType.VaultUnavailable?.reason, 'VaultRefused');
  });

  it('should name the missing IPs and the fix in the WhitelistMismatch message', () => {
    const { byType } = statusOf(present(1), ['198.51.100.7']);
    assert.match(byType.WhitelistMismatch?.message ?? '', /198\.51\.100\.7.*fix/);
    assert.equal(byType.Ready?.reason, 'EgressIpNotWhitelisted');
  });

  it('should give the key age for the metric and the due time in status, never the key', () => {
    const { decision } = statusOf(present(10));
    assert.equal(decision.keyAgeSeconds, 10 * 86_400);
    assert.equal(decision.fields.rotationDueTime, '2027-02-13T12:00:00Z');
    assert.deepEqual(decision.fields.apiHosts, ['api.binance.com']);
    assert.doesNotMatch(JSON.stringify(decision), /secret|apiKey/i);
  });

  it('should look again when rotation falls due, and at least hourly', () => {
    const dueInTenMinutes = new Date(now.getTime() - (90 * 86_400_000 - 600_000)).toISOString();
    assert.equal(
      statusOf({ state: 'present', createdTime: dueInTenMinutes, version: 1 }).decision
        .requeueAfterMs,
      600_000,
    );
    assert.equal(statusOf(present(10)).decision.requeueAfterMs, 3_600_000);
    assert.equal(statusOf(present(100)).decision.requeueAfterMs, 3_600_000);
  });
});

describe('ExchangeCredential rotation in Vault', () => {
  it('should clear RotationDue once a new key version is written, reading only KV metadata', async () => {
    let clock = Date.parse(daysAgo(100));
    const vault = new FakeVault(() => clock);
    const path = credential.spec.vaultPath;
    await vault.kvWrite(path, { apiKey: 'old', apiSecret: 'old' });
    clock = now.getTime();
    const due = statusOf(await observeKey(vault, path)).byType['RotationDue'];
    assert.equal(due?.status, 'True');
    await vault.kvWrite(path, { apiKey: 'new', apiSecret: 'new' });
    const after = await observeKey(vault, path);
    assert.equal(statusOf(after).byType['RotationDue']?.status, 'False');
    assert.doesNotMatch(JSON.stringify(after), /new|old/, 'no key value is observed');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TradingServiceDecision } from './decide.ts';
import { VaultRequestError } from '../../vault/errors.ts';
import { natsFailed, natsUnconfirmed, vaultRefused } from './failures.ts';

const decided: TradingServiceDecision = {
  terminal: false,
  objects: [],
  needsNkey: true,
  conditions: [
    { type: 'Degraded', status: 'False', reason: 'NoProblems', message: 'none' },
    { type: 'Ready', status: 'True', reason: 'Ready', message: 'in place' },
  ],
  fields: { natsUser: 'U'.padEnd(56, 'A') },
};

const byType = (d: TradingServiceDecision) => new Map(d.conditions.map((c) => [c.type, c]));

describe('TradingService conditions after apply', () => {
  it('should report Ready False NatsNotConfirmed, naming the flag, when no server confirms', () => {
    const conditions = byType(natsUnconfirmed(decided, 'nats/posture-nats-auth'));
    assert.equal(conditions.get('Ready')?.status, 'False');
    assert.equal(conditions.get('Ready')?.reason, 'NatsNotConfirmed');
    assert.match(conditions.get('Ready')?.message ?? '', /--nats-monitor-url/);
    assert.match(conditions.get('Ready')?.message ?? '', /nats\/posture-nats-auth/);
    assert.equal(conditions.get('Degraded')?.status, 'False', 'nothing is broken');
  });

  it('should report Degraded and Ready False when nats-server refused the reload', () => {
    const conditions = byType(natsFailed(new Error('no reload'), decided));
    assert.equal(conditions.get('Degraded')?.reason, 'NatsNotConfirmed');
    assert.equal(conditions.get('Ready')?.status, 'False');
    assert.equal(conditions.get('Ready')?.message, 'no reload');
  });

  it("should name the operator's policy when Vault refuses a call with 403", () => {
    const error = new VaultRequestError(
      'PUT sys/policies/acl/posture-titan-brain',
      403,
      'permission denied',
    );
    const conditions = byType(vaultRefused(error, decided));
    assert.equal(conditions.get('VaultUnavailable')?.reason, 'VaultRefused');
    assert.match(
      conditions.get('VaultUnavailable')?.message ?? '',
      /sys\/policies\/acl\/posture-titan-brain: 403/,
    );
    assert.match(conditions.get('Ready')?.message ?? '', /posture vault operator-policy/);
    assert.equal(conditions.get('Ready')?.status, 'False');
  });
});

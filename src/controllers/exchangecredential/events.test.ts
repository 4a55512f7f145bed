import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition } from '../kit/conditions.ts';
import { conditionEvents } from './events.ts';

const at = '2026-01-01T00:00:00Z';
const c = (type: string, status: 'True' | 'False', reason: string): Condition => ({
  type,
  status,
  reason,
  message: `${reason} details`,
  lastTransitionTime: at,
});
const fresh = c('RotationDue', 'False', 'KeyFresh');
const old = c('RotationDue', 'True', 'KeyTooOld');
const listed = c('WhitelistMismatch', 'False', 'EgressIpsWhitelisted');
const unlisted = c('WhitelistMismatch', 'True', 'EgressIpNotWhitelisted');

describe('ExchangeCredential condition Events', () => {
  const cases: [string, Condition[] | undefined, Condition[], string[]][] = [
    [
      'should warn when the key becomes too old',
      [fresh, listed],
      [old, listed],
      ['Warning KeyTooOld'],
    ],
    [
      'should say Normal when a rotated key is fresh again',
      [old, listed],
      [fresh, listed],
      ['Normal KeyFresh'],
    ],
    [
      'should warn when an egress IP leaves the whitelist',
      [fresh, listed],
      [fresh, unlisted],
      ['Warning EgressIpNotWhitelisted'],
    ],
    [
      'should warn about a new credential that is already mismatched',
      undefined,
      [fresh, unlisted],
      ['Warning EgressIpNotWhitelisted'],
    ],
    ['should say nothing about a new credential that is fine', undefined, [fresh, listed], []],
    ['should say nothing when no condition flipped', [old, unlisted], [old, unlisted], []],
    [
      'should announce both when both flip',
      [fresh, listed],
      [old, unlisted],
      ['Warning KeyTooOld', 'Warning EgressIpNotWhitelisted'],
    ],
  ];
  const tradeOnly = c('WithdrawEnabled', 'False', 'TradeOnly');
  const canWithdraw = c('WithdrawEnabled', 'True', 'WithdrawPermitted');
  const unknown: Condition = { ...c('WithdrawEnabled', 'False', 'NotVerified'), status: 'Unknown' };
  const answered = c('ExchangeVerified', 'True', 'ExchangeAnswered');
  const badSignature = c('ExchangeVerified', 'False', 'SignatureInvalid');
  const unsupported = c('ExchangeVerified', 'False', 'ExchangeUnsupported');
  cases.push(
    [
      'should warn when the exchange says the key may withdraw',
      [fresh, listed, unknown],
      [fresh, listed, canWithdraw],
      ['Warning WithdrawPermitted'],
    ],
    [
      'should say Normal when a key that could withdraw is replaced by a trade-only one',
      [fresh, listed, canWithdraw],
      [fresh, listed, tradeOnly],
      ['Normal TradeOnly'],
    ],
    [
      'should say nothing when the answer arrives and the key is trade-only',
      [fresh, listed, unknown, unsupported],
      [fresh, listed, tradeOnly, answered],
      [],
    ],
    [
      'should warn when the exchange refuses the signature of a new credential',
      undefined,
      [fresh, listed, badSignature],
      ['Warning SignatureInvalid'],
    ],
    [
      'should not warn about an exchange posture cannot ask',
      undefined,
      [fresh, listed, unsupported],
      [],
    ],
    [
      'should say Normal when the exchange answers again',
      [fresh, listed, badSignature],
      [fresh, listed, answered],
      ['Normal ExchangeAnswered'],
    ],
  );
  for (const [name, before, after, want] of cases)
    it(name, () => {
      const notes = conditionEvents(before, after);
      assert.deepEqual(
        notes.map((n) => `${n.type} ${n.reason}`),
        want,
      );
    });

  it('should carry the condition type, status and message', () => {
    const [note] = conditionEvents([fresh, listed], [old, listed]);
    assert.equal(note?.message, 'RotationDue True: KeyTooOld details');
  });
});

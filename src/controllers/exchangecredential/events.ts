import type { EventNote } from '../../operator/kube/events.ts';
import { findCondition, type Condition } from '../kit/conditions.ts';
import { ExchangeCredentialConditionType } from '../../api/exchangecredential/schema.ts';
import { verificationFails } from './verify.ts';

const isTrue = (c: Condition) => c.status === 'True';

/**
 * Conditions whose change someone must act on, and when each is bad: RotationDue,
 * WhitelistMismatch and WithdrawEnabled when True; ExchangeVerified when the exchange could not
 * verify a key it can be asked about (not when it cannot be asked at all).
 */
const ANNOUNCED: readonly [string, (c: Condition) => boolean][] = [
  [ExchangeCredentialConditionType.RotationDue, isTrue],
  [ExchangeCredentialConditionType.WhitelistMismatch, isTrue],
  [ExchangeCredentialConditionType.WithdrawEnabled, isTrue],
  [ExchangeCredentialConditionType.ExchangeVerified, verificationFails],
];

/**
 * Pure: the Events for conditions that changed between two statuses. Turning bad is a Warning
 * (rotate the key; fix the whitelist; replace a key that can withdraw), turning good again is
 * Normal. A condition seen for the first time is announced only when bad: a fresh key on a new
 * credential is no news.
 */
export function conditionEvents(
  before: readonly Condition[] | undefined,
  after: readonly Condition[] | undefined,
): EventNote[] {
  const notes: EventNote[] = [];
  for (const [type, bad] of ANNOUNCED) {
    const now = findCondition(after, type);
    const was = findCondition(before, type);
    if (!now || (was ? bad(was) === bad(now) : !bad(now))) continue;
    notes.push({
      type: bad(now) ? 'Warning' : 'Normal',
      reason: now.reason,
      message: `${type} ${now.status}: ${now.message}`,
      action: 'Observe',
    });
  }
  return notes;
}

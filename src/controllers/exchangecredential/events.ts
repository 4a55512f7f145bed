import type { EventNote } from '../../operator/kube/events.ts';
import { findCondition, type Condition } from '../kit/conditions.ts';
import { ExchangeCredentialConditionType } from '../../api/exchangecredential/schema.ts';

/** Conditions whose change someone must act on: an Event each time they flip. */
const ANNOUNCED: readonly string[] = [
  ExchangeCredentialConditionType.RotationDue,
  ExchangeCredentialConditionType.WhitelistMismatch,
];

/**
 * Pure: the Events for conditions that changed between two statuses. Turning True is a Warning
 * (rotate the key; fix the whitelist), turning back False is Normal. A condition seen for the
 * first time is announced only when True: a fresh key on a new credential is no news.
 */
export function conditionEvents(
  before: readonly Condition[] | undefined,
  after: readonly Condition[] | undefined,
): EventNote[] {
  const notes: EventNote[] = [];
  for (const type of ANNOUNCED) {
    const now = findCondition(after, type);
    const was = findCondition(before, type)?.status;
    if (!now || now.status === was || (was === undefined && now.status !== 'True')) continue;
    notes.push({
      type: now.status === 'True' ? 'Warning' : 'Normal',
      reason: now.reason,
      message: `${type} ${now.status}: ${now.message}`,
      action: 'Observe',
    });
  }
  return notes;
}

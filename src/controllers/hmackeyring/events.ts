import { ConditionType } from '../../api/common/conditions.ts';
import { HmacKeyRingConditionType } from '../../api/hmackeyring/schema.ts';
import type { EventNote } from '../../operator/kube/events.ts';
import { findCondition } from '../kit/conditions.ts';
import type { Announce } from '../kit/status-writer.ts';

/**
 * Pure: an Event for each stage of a rotation (Rotating's reason changes: ListenersRolling,
 * SignersRolling, GracePeriod, Stable) and a Warning when a rollout failure stops the ring.
 */
export const ringEvents: Announce = (before, after) => {
  const notes: EventNote[] = [];
  const was = findCondition(before, HmacKeyRingConditionType.Rotating);
  const now = findCondition(after, HmacKeyRingConditionType.Rotating);
  if (now && was && now.reason !== was.reason)
    notes.push({ type: 'Normal', reason: now.reason, message: now.message, action: 'Rotate' });
  const degraded = findCondition(after, ConditionType.Degraded);
  const wasDegraded = findCondition(before, ConditionType.Degraded)?.status;
  if (degraded?.status === 'True' && wasDegraded !== 'True')
    notes.push({
      type: 'Warning',
      reason: degraded.reason,
      message: degraded.message,
      action: 'Rotate',
    });
  return notes;
};

import { Reason } from '../kit/reasons.ts';

/** Reasons of HmacKeyRing conditions: the common ones and its own. */
export const HmacKeyRingReason = {
  ...Reason,
  /** Rotating False: every member reads the current version; the next rotation is scheduled. */
  Stable: 'Stable',
  /** Rotating True: listeners move to the version holding the new and the old key. */
  ListenersRolling: 'ListenersRolling',
  /** Rotating True: every listener accepts the new key; signers move to it. */
  SignersRolling: 'SignersRolling',
  /** Rotating True: everyone signs with the new key; the old one is accepted until graceEndTime. */
  GracePeriod: 'GracePeriod',
  /** Degraded: a member's rollout failed; the rotation stopped where it was. */
  RolloutFailed: 'RolloutFailed',
  /** Degraded: what Vault holds at spec.vaultPath is not a ring; posture overwrites nothing. */
  RingDataInvalid: 'RingDataInvalid',
  /** Forbidden: spec.vaultPath outside what the namespace owns (docs/adr/0037). */
  OwnsOnlyItsNamespace: 'OwnsOnlyItsNamespace',
} as const;

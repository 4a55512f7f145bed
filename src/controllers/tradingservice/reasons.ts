import { Reason } from '../kit/reasons.ts';

/** Reasons of TradingService conditions: the common ones and its own. */
export const TradingServiceReason = {
  ...Reason,
  /** Degraded: a credential, key ring or peer has not (or no longer) granted what the spec names. */
  DependencyMissing: 'DependencyMissing',
  /** Forbidden: a Vault path outside what the namespace owns (docs/adr/0037). */
  NotOwned: 'NotOwned',
  /** nats-server did not (or cannot be seen to) load the config with this service's user. */
  NatsNotConfirmed: 'NatsNotConfirmed',
  /** NkeyRotating False: nats-server accepts one key, the one every pod's seed gives. */
  NkeyStable: 'NkeyStable',
  /** NkeyRotating True: a new seed is in Vault; nats-server is to accept it beside the old key. */
  NkeyAuthorizing: 'NkeyAuthorizing',
  /** NkeyRotating True: nats-server accepts both keys; pods roll to the new seed. */
  NkeyRolling: 'NkeyRolling',
  /** NkeyRotating True: the rollout to the new seed failed; both keys stay accepted. */
  NkeyRolloutFailed: 'NkeyRolloutFailed',
} as const;

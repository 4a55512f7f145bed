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
} as const;

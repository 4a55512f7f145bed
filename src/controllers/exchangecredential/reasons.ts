import { Reason } from '../kit/reasons.ts';

/** Reasons of ExchangeCredential conditions: the common ones and its own. */
export const ExchangeCredentialReason = {
  ...Reason,
  KeyTooOld: 'KeyTooOld',
  KeyFresh: 'KeyFresh',
  KeyMissing: 'KeyMissing',
  KeyPresent: 'KeyPresent',
  EgressIpNotWhitelisted: 'EgressIpNotWhitelisted',
  EgressIpsWhitelisted: 'EgressIpsWhitelisted',
  /** Forbidden, True or False: the key must lie under the namespace's own prefix. */
  OwnsOnlyItsNamespace: 'OwnsOnlyItsNamespace',
} as const;

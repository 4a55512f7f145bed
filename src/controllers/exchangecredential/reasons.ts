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
  /** WhitelistMismatch from the exchange's answer: the key is bound to no IP at all. */
  KeyNotIpRestricted: 'KeyNotIpRestricted',
  /** WhitelistMismatch: the exchange binds the key to IPs spec.ipWhitelist does not list. */
  ExchangeIpsNotDeclared: 'ExchangeIpsNotDeclared',
  /** WhitelistMismatch: an egress IP is not bound to the key at the exchange. */
  EgressIpNotBoundAtExchange: 'EgressIpNotBoundAtExchange',
  /** Forbidden, True or False: the key must lie under the namespace's own prefix. */
  OwnsOnlyItsNamespace: 'OwnsOnlyItsNamespace',
  /** ExchangeVerified True: the exchange answered a signed request for the key. */
  ExchangeAnswered: 'ExchangeAnswered',
  /** ExchangeVerified False: the secret does not sign for the key (Binance -1022, Bybit 10004). */
  SignatureInvalid: 'SignatureInvalid',
  /** ExchangeVerified False: the exchange refuses the key (unknown, expired, not from this IP). */
  KeyRefused: 'KeyRefused',
  /** ExchangeVerified False: the exchange refused the request itself (a clock out of its window). */
  RequestRefused: 'RequestRefused',
  /** ExchangeVerified False: no answer (network, timeout, 5xx, rate limit); retried with backoff. */
  ExchangeUnreachable: 'ExchangeUnreachable',
  /** ExchangeVerified False, not a problem: the exchange has no key-introspection call posture uses. */
  ExchangeUnsupported: 'ExchangeUnsupported',
  /** ExchangeVerified False, not a problem: the key lies outside the folder the operator may read. */
  KeyOutsideExchangeFolder: 'KeyOutsideExchangeFolder',
  /** ExchangeVerified False: the secret in Vault lacks apiKey or apiSecret. */
  KeyUnusable: 'KeyUnusable',
  /** ExchangeVerified or WithdrawEnabled Unknown: nothing was asked about the current key yet. */
  NotVerified: 'NotVerified',
  /** WithdrawEnabled True: the exchange says the key may withdraw. */
  WithdrawPermitted: 'WithdrawPermitted',
  /** WithdrawEnabled False: the exchange says the key cannot withdraw. */
  TradeOnly: 'TradeOnly',
} as const;

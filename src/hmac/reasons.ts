/** Why a verification failed: constants for logs and metrics, never key or signature text. */
export const HmacReason = {
  /** The envelope is missing a field or a field has the wrong form. */
  MalformedEnvelope: 'MalformedEnvelope',
  /** The key id names neither the ring's primary nor its secondary key. */
  UnknownKeyId: 'UnknownKeyId',
  /** The timestamp is further than the allowed skew from now (either way). */
  StaleTimestamp: 'StaleTimestamp',
  /** The MAC does not match: wrong key, or message, key id, timestamp or nonce changed. */
  BadSignature: 'BadSignature',
  /** The nonce was already accepted within the replay window. */
  ReplayedNonce: 'ReplayedNonce',
  /** The nonce cache holds its maximum: refused (fail closed) rather than risk a replay. */
  NonceCacheFull: 'NonceCacheFull',
} as const;

export type HmacReason = (typeof HmacReason)[keyof typeof HmacReason];

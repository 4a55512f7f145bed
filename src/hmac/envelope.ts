import { KEY_ID_PATTERN } from './ring.ts';

/**
 * What a signer sends beside a message. The MAC covers, in this fixed layout (macHeader, then
 * the message):
 *
 *   "posture-hmac-v1" 0x00 | u8 keyId length | keyId (ASCII) | u64 BE timestamp | 16-byte nonce | message
 *
 * Every field before the message has a fixed length or a length prefix, and the message is
 * last, so no two (keyId, timestamp, nonce, message) tuples share MAC input.
 */
export interface Envelope {
  keyId: string;
  /** Milliseconds since the epoch when the message was signed (the Clock's unit). */
  timestamp: number;
  /** 16 random bytes (128 bits), base64url without padding: 22 characters. */
  nonce: string;
  /** The MAC, base64url without padding. */
  signature: string;
}

/** An envelope whose fields have the right form (not yet authenticated). */
export interface ParsedEnvelope {
  keyId: string;
  timestamp: number;
  nonce: Buffer;
  signature: Buffer;
}

export const NONCE_BYTES = 16;
const DOMAIN = Buffer.from('posture-hmac-v1\0', 'latin1');
const VERSION = 'v1';
const NONCE_TEXT = /^[A-Za-z0-9_-]{22}$/;
// base64url of 32 to 64 bytes (sha256 to sha512); the exact length is checked against the key.
const MAC_TEXT = /^[A-Za-z0-9_-]{43,86}$/;

/** The bytes the MAC covers before the message. */
export function macHeader(keyId: string, timestamp: number, nonce: Buffer): Buffer {
  const id = Buffer.from(keyId, 'latin1');
  const header = Buffer.allocUnsafe(DOMAIN.length + 1 + id.length + 8 + NONCE_BYTES);
  let at = DOMAIN.copy(header, 0);
  at = header.writeUInt8(id.length, at);
  at += id.copy(header, at);
  at = header.writeUInt32BE(Math.floor(timestamp / 2 ** 32), at);
  at = header.writeUInt32BE(timestamp >>> 0, at);
  nonce.copy(header, at);
  return header;
}

/** One header value: `v1.<timestamp>.<nonce>.<signature>.<keyId>` (the id last: it may hold dots). */
export function formatEnvelope(envelope: Envelope): string {
  const { timestamp, nonce, signature, keyId } = envelope;
  return `${VERSION}.${timestamp}.${nonce}.${signature}.${keyId}`;
}

function envelopeOfText(text: string): Envelope | undefined {
  const parts = text.split('.');
  if (parts.length < 5 || parts[0] !== VERSION) return undefined;
  const [, timestamp = '', nonce = '', signature = ''] = parts;
  if (!/^\d{1,16}$/.test(timestamp)) return undefined;
  return { timestamp: Number(timestamp), nonce, signature, keyId: parts.slice(4).join('.') };
}

function wellFormed(e: Partial<Record<keyof Envelope, unknown>>): e is Envelope {
  return (
    typeof e.keyId === 'string' &&
    KEY_ID_PATTERN.test(e.keyId) &&
    Number.isSafeInteger(e.timestamp) &&
    (e.timestamp as number) >= 0 &&
    typeof e.nonce === 'string' &&
    NONCE_TEXT.test(e.nonce) &&
    typeof e.signature === 'string' &&
    MAC_TEXT.test(e.signature)
  );
}

/**
 * Decodes an envelope (object or header string) from untrusted input; undefined when any field
 * has the wrong form. An all-zero nonce is refused: the nonce cache uses zero as "empty slot".
 */
export function parseEnvelope(input: unknown): ParsedEnvelope | undefined {
  const envelope = typeof input === 'string' ? envelopeOfText(input) : input;
  if (typeof envelope !== 'object' || envelope === null || !wellFormed(envelope)) return undefined;
  const nonce = Buffer.from(envelope.nonce, 'base64url');
  if (nonce.every((b) => b === 0)) return undefined;
  return {
    keyId: envelope.keyId,
    timestamp: envelope.timestamp,
    nonce,
    signature: Buffer.from(envelope.signature, 'base64url'),
  };
}

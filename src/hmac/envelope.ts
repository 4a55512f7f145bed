import { base64UrlLength, decodeBase64Url } from './base64url.ts';
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
const PREFIX = `${VERSION}.`;
const NONCE_TEXT_LENGTH = base64UrlLength(NONCE_BYTES);

function headerPrefix(keyId: string): Buffer {
  const id = Buffer.from(keyId, 'latin1');
  return Buffer.concat([DOMAIN, Buffer.of(id.length), id]);
}

/** Timestamp (u64 big-endian) and nonce into the header's last 24 bytes, byte by byte (hot path). */
function writeTail(header: Buffer, timestamp: number, nonce: Uint8Array): Buffer {
  const at = header.length - 8 - NONCE_BYTES;
  let high = Math.floor(timestamp / 2 ** 32);
  let low = timestamp >>> 0;
  for (let i = 3; i >= 0; i--, high >>>= 8, low >>>= 8) {
    header[at + i] = high & 0xff;
    header[at + 4 + i] = low & 0xff;
  }
  for (let i = 0; i < NONCE_BYTES; i++) header[at + 8 + i] = nonce[i]!;
  return header;
}

/** The bytes the MAC covers before the message. */
export function macHeader(keyId: string, timestamp: number, nonce: Uint8Array): Buffer {
  const prefix = headerPrefix(keyId);
  const header = Buffer.alloc(prefix.length + 8 + NONCE_BYTES);
  prefix.copy(header);
  return writeTail(header, timestamp, nonce);
}

/**
 * macHeader into a buffer per key id, reused call after call (hmac.update copies what it is
 * given): the verifier's hot path allocates no header. Only ids the ring holds reach it.
 */
export class MacHeaders {
  readonly #byKey = new Map<string, Buffer>();

  write(keyId: string, timestamp: number, nonce: Uint8Array): Buffer {
    let header = this.#byKey.get(keyId);
    if (!header) {
      // A ring holds two ids; rotations add one each: forget old ids rather than grow.
      if (this.#byKey.size >= 8) this.#byKey.clear();
      header = macHeader(keyId, timestamp, nonce);
      this.#byKey.set(keyId, header);
    }
    return writeTail(header, timestamp, nonce);
  }
}

/** One header value: `v1.<timestamp>.<nonce>.<signature>.<keyId>` (the id last: it may hold dots). */
export function formatEnvelope(envelope: Envelope): string {
  const { timestamp, nonce, signature, keyId } = envelope;
  return `${VERSION}.${timestamp}.${nonce}.${signature}.${keyId}`;
}

const DOT = 46;
const ZERO = 48;

/** The decimal number in text[from, to): 1 to 16 digits and a safe integer, else -1. */
function digits(text: string, from: number, to: number): number {
  if (to - from < 1 || to - from > 16) return -1;
  let value = 0;
  for (let at = from; at < to; at++) {
    const digit = text.charCodeAt(at) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return Number.isSafeInteger(value) ? value : -1;
}

function wellFormed(e: Partial<Record<keyof Envelope, unknown>>): e is Envelope {
  return (
    typeof e.keyId === 'string' &&
    KEY_ID_PATTERN.test(e.keyId) &&
    Number.isSafeInteger(e.timestamp) &&
    (e.timestamp as number) >= 0 &&
    typeof e.nonce === 'string' &&
    e.nonce.length === NONCE_TEXT_LENGTH &&
    typeof e.signature === 'string'
  );
}

/**
 * Decodes envelopes (object or header string) from untrusted input into buffers it reuses: the
 * result's nonce and signature are valid until the next read. Undefined when any field has the
 * wrong form. Parsed by hand, not by regex and Buffer.from: this is most of what verifying
 * costs beyond the HMAC itself (bench/hmac.ts).
 */
export class EnvelopeReader {
  readonly #nonce = Buffer.alloc(NONCE_BYTES);
  /** One buffer per MAC length (sha256, sha384, sha512), chosen by the text's length. */
  readonly #signatures = new Map([32, 48, 64].map((n) => [base64UrlLength(n), Buffer.alloc(n)]));

  read(input: unknown): ParsedEnvelope | undefined {
    if (typeof input === 'string') return this.#readText(input);
    if (typeof input !== 'object' || input === null || !wellFormed(input)) return undefined;
    const { keyId, timestamp, nonce, signature: mac } = input;
    const signature = this.#nonceAt(nonce, 0) && this.#signatureAt(mac, 0, mac.length);
    return signature ? { keyId, timestamp, nonce: this.#nonce, signature } : undefined;
  }

  /** `v1.<timestamp>.<nonce>.<signature>.<keyId>` */
  #readText(text: string): ParsedEnvelope | undefined {
    if (!text.startsWith(PREFIX)) return undefined;
    const t = text.indexOf('.', PREFIX.length);
    const timestamp = digits(text, PREFIX.length, t);
    const n = t + 1 + NONCE_TEXT_LENGTH;
    if (timestamp < 0 || text.charCodeAt(n) !== DOT || !this.#nonceAt(text, t + 1))
      return undefined;
    const s = text.indexOf('.', n + 1);
    const signature = s > 0 && this.#signatureAt(text, n + 1, s);
    const keyId = text.slice(s + 1);
    if (!signature || !KEY_ID_PATTERN.test(keyId)) return undefined;
    return { keyId, timestamp, nonce: this.#nonce, signature };
  }

  /** Decodes the nonce at text[from...]; false when malformed. */
  #nonceAt(text: string, from: number): boolean {
    return decodeBase64Url(text, from, this.#nonce);
  }

  /** Decodes a MAC spanning text[from, to); undefined unless a MAC length and well formed. */
  #signatureAt(text: string, from: number, to: number): Buffer | undefined {
    const signature = this.#signatures.get(to - from);
    return signature && decodeBase64Url(text, from, signature) ? signature : undefined;
  }
}

/** EnvelopeReader's answer in buffers of its own. */
export function parseEnvelope(input: unknown): ParsedEnvelope | undefined {
  const parsed = new EnvelopeReader().read(input);
  return (
    parsed && {
      ...parsed,
      nonce: Buffer.from(parsed.nonce),
      signature: Buffer.from(parsed.signature),
    }
  );
}

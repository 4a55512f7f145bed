import { createHmac, createSecretKey, type Hmac, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';

export const HMAC_ALGORITHMS = ['sha256', 'sha384', 'sha512'] as const;
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];

/** Bytes of a MAC per algorithm: a signature of another length can never verify. */
export const MAC_BYTES: Record<HmacAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };

/** Bytes of every ring key (the operator generates 32 random bytes). */
export const KEY_BYTES = 32;

/**
 * Key ids travel in every envelope (the envelope string puts the id last, so it may contain
 * dots): printable ASCII without spaces, at most 128 characters like the CR status.
 */
export const KEY_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

export interface RingKey {
  keyId: string;
  /** Raw key bytes; the ring copies them into a KeyObject and zeroes this buffer. */
  key: Buffer;
}

export interface RingKeys {
  algorithm: HmacAlgorithm;
  primary: RingKey;
  secondary?: RingKey;
}

const REDACTED = '[redacted]';

/**
 * The keys of one HmacKeyRing: the primary signs, primary and secondary (during a rotation's
 * grace period) verify. Key bytes live only in private fields as KeyObjects (outside the JS
 * heap; `createHmac` with a KeyObject is also ~5x faster than with a Buffer on Node 24), so
 * neither JSON.stringify, util.inspect nor a logger walking the object can reach them.
 */
export class KeyRing {
  readonly algorithm: HmacAlgorithm;
  readonly keyId: string;
  readonly secondaryKeyId: string | undefined;
  readonly macBytes: number;
  readonly #keys = new Map<string, KeyObject>();

  constructor(keys: RingKeys) {
    this.algorithm = keys.algorithm;
    this.keyId = keys.primary.keyId;
    this.secondaryKeyId = keys.secondary?.keyId;
    this.macBytes = MAC_BYTES[keys.algorithm];
    for (const entry of [keys.primary, keys.secondary]) {
      if (!entry) continue;
      this.#keys.set(entry.keyId, createSecretKey(entry.key));
      entry.key.fill(0);
    }
  }

  /** Key ids this ring accepts, primary first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  has(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /** A fresh HMAC keyed with the named key, or undefined when the ring has no such key. */
  hmac(keyId: string): Hmac | undefined {
    const key = this.#keys.get(keyId);
    return key && createHmac(this.algorithm, key);
  }

  /** Whether both rings hold the same ids, algorithm and key bytes. */
  equals(other: KeyRing): boolean {
    if (other.algorithm !== this.algorithm || other.keyIds.join('\0') !== this.keyIds.join('\0'))
      return false;
    return this.keyIds.every((id) => other.#keys.get(id)?.equals(this.#keys.get(id)!) === true);
  }

  toJSON(): Record<string, string> {
    const json: Record<string, string> = {
      algorithm: this.algorithm,
      keyId: this.keyId,
      primary: REDACTED,
    };
    if (this.secondaryKeyId !== undefined) {
      json['secondaryKeyId'] = this.secondaryKeyId;
      json['secondary'] = REDACTED;
    }
    return json;
  }

  [inspect.custom](): string {
    return `KeyRing ${JSON.stringify(this.toJSON())}`;
  }
}

import { randomBytes } from 'node:crypto';
import { KEY_BYTES, KEY_ID_PATTERN, type HmacAlgorithm } from './ring.ts';

/** A new ring key: KEY_BYTES random bytes, base64 (what the ring file's primary holds). */
export function generateKey(random: (bytes: number) => Buffer = randomBytes): string {
  return random(KEY_BYTES).toString('base64');
}

export interface GeneratedRing {
  algorithm: HmacAlgorithm;
  keyId: string;
  primary: string;
}

/** A whole ring file with a new key; the id is random unless given (never derived from the key). */
export function generateRing(
  algorithm: HmacAlgorithm,
  keyId?: string,
  random: (bytes: number) => Buffer = randomBytes,
): GeneratedRing {
  const id = keyId ?? `k-${random(6).toString('hex')}`;
  if (!KEY_ID_PATTERN.test(id)) {
    throw new Error(
      `key id ${JSON.stringify(id)}: use 1 to 128 printable ASCII characters without spaces`,
    );
  }
  return { algorithm, keyId: id, primary: generateKey(random) };
}

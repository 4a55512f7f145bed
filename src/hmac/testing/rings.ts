import { randomBytes } from 'node:crypto';
import type { RingFile } from '../ring-file.ts';
import { ringOf } from '../ring-file.ts';
import type { HmacAlgorithm, KeyRing } from '../ring.ts';

/** A ring file's fields with fresh random keys (and the base64 to look for in output). */
export function ringFile(keyId = 'k1', algorithm: HmacAlgorithm = 'sha256'): RingFile {
  return { algorithm, keyId, primary: randomBytes(32).toString('base64') };
}

/** The ring after a rotation: new primary, the old primary as secondary. */
export function rotated(previous: RingFile, keyId: string): RingFile {
  return {
    ...ringFile(keyId, previous.algorithm),
    secondaryKeyId: previous.keyId,
    secondary: previous.primary,
  };
}

export function ring(file: RingFile = ringFile()): KeyRing {
  return ringOf(file);
}

/** A nonce source that returns the given bytes (to replay a nonce on purpose). */
export function fixedNonce(byte: number): (bytes: number) => Buffer {
  return (bytes) => Buffer.alloc(bytes, byte);
}

/** A clock that tests set by hand. */
export function manualClock(start = 1_800_000_000_000): { now(): number; set(ms: number): void } {
  let now = start;
  return { now: () => now, set: (ms) => (now = ms) };
}

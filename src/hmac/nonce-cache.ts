import type { Clock } from '../lib/clock.ts';
import { NONCE_BYTES } from './envelope.ts';
import { NonceTable } from './nonce-table.ts';

/** The cache keeps GENERATIONS tables; each covers window / (GENERATIONS - 1) of time. */
const GENERATIONS = 4;

export type NonceCheck = 'fresh' | 'replayed' | 'full';

export interface NonceCacheOptions {
  /** Every nonce is remembered at least this long (and at most 4/3 of it). */
  windowMs: number;
  /** Hard cap on nonces held; beyond it `check` answers 'full' (fail closed). */
  maxEntries: number;
  clock: Pick<Clock, 'now'>;
}

/**
 * Which nonces were seen within the window. Time-bounded by generations: the newest table
 * takes new nonces; every window/3 the oldest of four tables is dropped whole and a new one
 * starts, so a nonce stays between `windowMs` and 4/3 of it, and memory follows the recent
 * rate. Bounded by `maxEntries`: when full, a fresh nonce is refused rather than stored or an
 * old one forgotten early, so a flood can deny service but never open a replay.
 */
export class NonceCache {
  readonly windowMs: number;
  readonly maxEntries: number;
  readonly #span: number;
  readonly #clock: Pick<Clock, 'now'>;
  #tables: NonceTable[];
  #start: number;
  readonly #key = new Uint32Array(4);

  constructor(options: NonceCacheOptions) {
    const { windowMs, maxEntries } = options;
    if (!(windowMs > 0) || !Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new Error(
        `nonce cache: windowMs (${windowMs}) and maxEntries (${maxEntries}) must be positive`,
      );
    }
    this.windowMs = windowMs;
    this.maxEntries = maxEntries;
    this.#span = windowMs / (GENERATIONS - 1);
    this.#clock = options.clock;
    this.#tables = Array.from({ length: GENERATIONS }, () => new NonceTable());
    this.#start = options.clock.now();
  }

  /** Nonces held now (including some older than the window, until their table is dropped). */
  get size(): number {
    this.#rotate();
    return this.#tables.reduce((n, t) => n + t.size, 0);
  }

  /** Bytes of the tables' slot arrays. */
  get bytes(): number {
    return this.#tables.reduce((n, t) => n + t.bytes, 0);
  }

  /** Records the nonce unless it was seen within the window or the cache is full. */
  check(nonce: Uint8Array): NonceCheck {
    if (nonce.length !== NONCE_BYTES) throw new Error(`nonce must be ${NONCE_BYTES} bytes`);
    this.#rotate();
    const key = this.#key;
    for (let i = 0, b = 0; i < 4; i++, b += 4) {
      key[i] = nonce[b]! | (nonce[b + 1]! << 8) | (nonce[b + 2]! << 16) | (nonce[b + 3]! << 24);
    }
    if ((key[0]! | key[1]! | key[2]! | key[3]!) === 0) throw new Error('nonce must not be zero');
    let held = 0;
    for (const table of this.#tables) {
      if (table.has(key)) return 'replayed';
      held += table.size;
    }
    if (held >= this.maxEntries) return 'full';
    this.#tables[0]!.add(key);
    return 'fresh';
  }

  /**
   * Drops the tables whose whole span ended more than a window ago. A clock going backwards
   * drops nothing (nonces are then kept longer, never shorter).
   */
  #rotate(): void {
    const elapsed = this.#clock.now() - this.#start;
    if (elapsed < this.#span) return;
    const steps = Math.floor(elapsed / this.#span);
    for (let i = 0; i < Math.min(steps, GENERATIONS); i++) {
      this.#tables.pop();
      this.#tables.unshift(new NonceTable());
    }
    this.#start += steps * this.#span;
  }
}

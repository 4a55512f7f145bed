import type { Clock } from '../lib/clock.ts';
import { NONCE_BYTES } from './envelope.ts';
import { FOUND, NonceTable } from './nonce-table.ts';

export type NonceCheck = 'fresh' | 'replayed' | 'full';

export interface NonceCacheOptions {
  /** Every nonce is remembered at least this long (and less than 3 s longer). */
  windowMs: number;
  /** Hard cap on live nonces; beyond it `check` answers 'full' (fail closed). */
  maxEntries: number;
  clock: Pick<Clock, 'now'>;
}

const INITIAL_SLOTS = 1024;
/** Rebuild when this share of the slots is taken (live or expired)... */
const MAX_LOAD = 0.7;
/** ...into a table with this many slots per live entry (rounded up to a power of two). */
const SLOTS_PER_LIVE = 2;

/**
 * Which nonces were seen within the window: one open-addressing table (nonce-table.ts) whose
 * entries carry the second they were seen, so a check is one probe sequence (one cache miss in
 * a large table) and expiry is exact to the second. Expired slots are reused by inserts; when
 * 70% of the slots are taken the table is rebuilt with only the live entries, at two to four
 * slots each (it grows and shrinks with the rate). Bounded by `maxEntries`: when that many are
 * live, a fresh nonce is refused ('full') rather than stored or an unexpired one forgotten, so
 * a flood can deny service but never open a replay.
 */
export class NonceCache {
  readonly windowMs: number;
  readonly maxEntries: number;
  readonly #windowS: number;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #origin: number;
  readonly #key = new Uint32Array(3);
  #table = new NonceTable(INITIAL_SLOTS);
  /** Live entries at most: exact after a rebuild, then counting every insert. */
  #live = 0;
  /** Second at which the oldest entry of the last rebuild expires: no point rebuilding before. */
  #nextExpiry = 0;

  constructor(options: NonceCacheOptions) {
    const { windowMs, maxEntries } = options;
    if (!(windowMs > 0) || !Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new Error(
        `nonce cache: windowMs (${windowMs}) and maxEntries (${maxEntries}) must be positive`,
      );
    }
    this.windowMs = windowMs;
    this.maxEntries = maxEntries;
    this.#windowS = Math.ceil(windowMs / 1000);
    this.#clock = options.clock;
    this.#origin = options.clock.now();
  }

  /** Live nonces, counted exactly: O(table), for a gauge rather than per message. */
  get size(): number {
    return this.#table.live(this.#oldest(this.#second())).live;
  }

  /** Bytes of the table's slot array. */
  get bytes(): number {
    return this.#table.bytes;
  }

  /** Records the nonce unless it was seen within the window or the cache is full. */
  check(nonce: Uint8Array): NonceCheck {
    if (nonce.length !== NONCE_BYTES) throw new Error(`nonce must be ${NONCE_BYTES} bytes`);
    // The table keys on 96 bits: the last word is folded into the third.
    const key = this.#key;
    for (let i = 0, b = 0; i < 4; i++, b += 4) {
      const word = nonce[b]! | (nonce[b + 1]! << 8) | (nonce[b + 2]! << 16) | (nonce[b + 3]! << 24);
      key[Math.min(i, 2)] = i === 3 ? key[2]! ^ word : word;
    }
    const now = this.#second();
    const oldest = this.#oldest(now);
    let at = this.#table.probe(key, oldest);
    if (at === FOUND) return 'replayed';
    const full = this.#live >= this.maxEntries;
    if (full || this.#table.used + 1 > this.#table.slots * MAX_LOAD) {
      // A rebuild moves every entry: probe again in the new table.
      if (full && !this.#reclaim(now)) return 'full';
      if (!full) this.#rebuild(now);
      at = this.#table.probe(key, oldest);
    }
    this.#table.put(at, key, now);
    this.#live++;
    return 'fresh';
  }

  /** Whole seconds since the cache started (a clock going backwards only keeps nonces longer). */
  #second(): number {
    return Math.max(0, Math.floor((this.#clock.now() - this.#origin) / 1000));
  }

  /**
   * The table's expiry bound: an entry seen in second s (stored as s + 1) is expired when
   * s + 1 <= now - window, i.e. now - s > window in whole seconds. Seconds are floored, so that
   * is more than windowMs after the entry's millisecond (and less than windowMs + 3 s after it).
   */
  #oldest(now: number): number {
    return now - this.#windowS;
  }

  /** At the cap: rebuild if an entry can have expired since the last rebuild; true if room. */
  #reclaim(now: number): boolean {
    if (now < this.#nextExpiry) return false;
    this.#rebuild(now);
    return this.#live < this.maxEntries;
  }

  #rebuild(now: number): void {
    const oldest = this.#oldest(now);
    const { live, first } = this.#table.live(oldest);
    this.#table = this.#table.rebuilt(Math.max(INITIAL_SLOTS, live * SLOTS_PER_LIVE), oldest);
    this.#live = live;
    // Entries inserted from now on were seen now or later.
    this.#nextExpiry = Math.min(first, now) + this.#windowS + 1;
  }
}

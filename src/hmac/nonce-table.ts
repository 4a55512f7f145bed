/**
 * Nonces with the second each was seen, in one Uint32Array: open addressing with linear probing,
 * four words per slot (96 bits of the nonce, then the second it was seen + 1; 0 marks an
 * empty slot). An entry whose stored second is <= `oldest` is expired: lookups probe past it (it
 * may sit inside another nonce's probe sequence) and inserts take its slot. `rebuilt` drops
 * expired entries.
 * 96 bits suffice: a fresh nonce is mistaken for a replay with probability live / 2^96.
 */
export class NonceTable {
  readonly #words: Uint32Array;
  readonly #mask: number;
  #used = 0;

  constructor(slots: number) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(16, slots)));
    this.#words = new Uint32Array(size * 4);
    this.#mask = size - 1;
  }

  get slots(): number {
    return this.#mask + 1;
  }

  /** Slots taken, live or expired. */
  get used(): number {
    return this.#used;
  }

  get bytes(): number {
    return this.#words.byteLength;
  }

  /**
   * FOUND when the key is held and live; else where to put it: its own expired slot, the first
   * expired slot on its probe sequence, or the empty slot that ends it.
   */
  probe(key: Uint32Array, oldest: number): number {
    const words = this.#words;
    let reuse = -1;
    for (let slot = hash(key) & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const at = slot * 4;
      const seen = words[at + 3]!;
      if (seen === 0) return reuse >= 0 ? reuse : at;
      const same = words[at] === key[0] && words[at + 1] === key[1] && words[at + 2] === key[2];
      if (same) return seen > oldest ? FOUND : at;
      if (seen <= oldest && reuse < 0) reuse = at;
    }
  }

  /** Stores the key at a slot `probe` returned; `seen` >= 0. */
  put(at: number, key: Uint32Array, seen: number): void {
    const words = this.#words;
    if (words[at + 3] === 0) this.#used++;
    words[at] = key[0]!;
    words[at + 1] = key[1]!;
    words[at + 2] = key[2]!;
    words[at + 3] = seen + 1;
  }

  /** Live entries (stored seen > oldest), and the earliest second one of them was seen. */
  live(oldest: number): { live: number; first: number } {
    const words = this.#words;
    let [live, first] = [0, Infinity];
    for (let at = 3; at < words.length; at += 4) {
      if (words[at]! <= oldest || words[at] === 0) continue;
      live++;
      first = Math.min(first, words[at]! - 1);
    }
    return { live, first };
  }

  /** The live entries in a new table of at least `slots` slots. */
  rebuilt(slots: number, oldest: number): NonceTable {
    const table = new NonceTable(slots);
    const words = this.#words;
    const key = new Uint32Array(3);
    for (let at = 0; at < words.length; at += 4) {
      const seen = words[at + 3]!;
      if (seen <= oldest || seen === 0) continue;
      key.set(words.subarray(at, at + 3));
      table.put(table.probe(key, oldest), key, seen - 1);
    }
    return table;
  }
}

/** probe's answer for a live key. */
export const FOUND = -1;

/** Nonces are random, but a careless signer's counter should not cluster: mix the words. */
function hash(key: Uint32Array): number {
  return (Math.imul(key[0]! ^ key[2]!, 0x9e3779b1) ^ Math.imul(key[1]!, 0x85ebca6b)) >>> 0;
}

/**
 * A set of 128-bit nonces in one Uint32Array: open addressing with linear probing, four words
 * per slot, all-zero words meaning an empty slot (so the all-zero nonce cannot be stored:
 * envelopes refuse it). No deletes: the cache drops whole tables (generations) instead, which
 * keeps probing simple and memory at 16 bytes per slot, at most 2 slots per nonce.
 */
export class NonceTable {
  #words: Uint32Array;
  #mask: number;
  #count = 0;

  constructor(slots = 1024) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(16, slots)));
    this.#words = new Uint32Array(size * 4);
    this.#mask = size - 1;
  }

  get size(): number {
    return this.#count;
  }

  /** Bytes of the slot array. */
  get bytes(): number {
    return this.#words.byteLength;
  }

  has(key: Uint32Array): boolean {
    return !empty(this.#words, this.#find(this.#words, this.#mask, key));
  }

  /** Adds a nonce known to be absent. */
  add(key: Uint32Array): void {
    if ((this.#count + 1) * 2 > this.#mask + 1) this.#grow();
    this.#put(this.#words, this.#mask, key);
    this.#count++;
  }

  /** Index of the slot holding the key, or of the empty slot that ends its probe sequence. */
  #find(words: Uint32Array, mask: number, key: Uint32Array): number {
    const k0 = key[0]!;
    for (let slot = hash(key) & mask; ; slot = (slot + 1) & mask) {
      const at = slot * 4;
      const w0 = words[at]!;
      if (w0 === k0 && same(words, at, key)) return at;
      if (w0 === 0 && empty(words, at)) return at;
    }
  }

  #put(words: Uint32Array, mask: number, key: Uint32Array): void {
    words.set(key, this.#find(words, mask, key));
  }

  #grow(): void {
    const size = (this.#mask + 1) * 2;
    const words = new Uint32Array(size * 4);
    const old = this.#words;
    const key = new Uint32Array(4);
    for (let at = 0; at < old.length; at += 4) {
      if (empty(old, at)) continue;
      for (let i = 0; i < 4; i++) key[i] = old[at + i]!;
      this.#put(words, size - 1, key);
    }
    this.#words = words;
    this.#mask = size - 1;
  }
}

function empty(words: Uint32Array, at: number): boolean {
  return (words[at]! | words[at + 1]! | words[at + 2]! | words[at + 3]!) === 0;
}

function same(words: Uint32Array, at: number, key: Uint32Array): boolean {
  return words[at + 1] === key[1] && words[at + 2] === key[2] && words[at + 3] === key[3];
}

/** Nonces are random, but a careless signer's counter should not cluster: mix the words. */
function hash(key: Uint32Array): number {
  return (
    (Math.imul(key[0]! ^ key[2]!, 0x9e3779b1) ^ Math.imul(key[1]! ^ key[3]!, 0x85ebca6b)) >>> 0
  );
}

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NonceCache } from './nonce-cache.ts';
import { FOUND, NonceTable } from './nonce-table.ts';
import { manualClock } from './testing/rings.ts';

const WINDOW = 300_000;
const nonce = (n: number) => {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(n + 1, 12);
  return bytes;
};

function cache(maxEntries = 1_000) {
  const clock = manualClock(0);
  return { clock, cache: new NonceCache({ windowMs: WINDOW, maxEntries, clock }) };
}

describe('nonce cache', () => {
  it('should answer fresh once and replayed after', () => {
    const { cache: c } = cache();
    assert.equal(c.check(nonce(1)), 'fresh');
    assert.equal(c.check(nonce(1)), 'replayed');
    assert.equal(c.check(nonce(2)), 'fresh');
  });

  const times: [string, number, 'fresh' | 'replayed'][] = [
    ['should refuse a nonce seen 1 ms ago', 1, 'replayed'],
    ['should refuse a nonce seen exactly one window ago', WINDOW, 'replayed'],
    ['should forget a nonce seen the window and 2 s ago', WINDOW + 2_000, 'fresh'],
    ['should forget a nonce seen a day ago', 86_400_000, 'fresh'],
  ];
  for (const [name, later, expected] of times) {
    it(name, () => {
      const { clock, cache: c } = cache();
      assert.equal(c.check(nonce(7)), 'fresh');
      clock.set(later);
      assert.equal(c.check(nonce(7)), expected);
    });
  }

  it('should refuse a nonce seen late in a second until a full window has passed', () => {
    const { clock, cache: c } = cache();
    clock.set(999);
    assert.equal(c.check(nonce(8)), 'fresh');
    clock.set(999 + WINDOW - 1);
    assert.equal(c.check(nonce(8)), 'replayed');
  });

  it('should refuse new nonces at the cap but still name replays, and recover as time passes', () => {
    const { clock, cache: c } = cache(2);
    assert.equal(c.check(nonce(1)), 'fresh');
    assert.equal(c.check(nonce(2)), 'fresh');
    assert.equal(c.check(nonce(3)), 'full');
    assert.equal(c.check(nonce(1)), 'replayed');
    assert.equal(c.size, 2);
    clock.set(WINDOW + 2_000);
    assert.equal(c.check(nonce(3)), 'fresh');
    assert.equal(c.size, 1);
  });

  it('should keep nonces when the clock goes backwards', () => {
    const { clock, cache: c } = cache();
    clock.set(WINDOW);
    assert.equal(c.check(nonce(1)), 'fresh');
    clock.set(0);
    assert.equal(c.check(nonce(1)), 'replayed');
  });

  it('should refuse a zero cap or window', () => {
    const clock = manualClock();
    assert.throws(() => new NonceCache({ windowMs: 0, maxEntries: 1, clock }), /must be positive/);
    assert.throws(() => new NonceCache({ windowMs: 1, maxEntries: 0, clock }), /must be positive/);
  });

  it('should never forget a nonce within the window nor keep one 2 s beyond it', () => {
    // Model: the last time each nonce was accepted. Steps move time forward and check nonces
    // from a small pool, so replays, expiry and generation changes all happen.
    const step = fc.record({ advance: fc.nat({ max: WINDOW / 2 }), id: fc.nat({ max: 20 }) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const { clock, cache: c } = cache(10_000);
        const accepted = new Map<number, number>();
        let now = 0;
        for (const { advance, id } of steps) {
          now += advance;
          clock.set(now);
          const answer = c.check(nonce(id));
          const last = accepted.get(id);
          if (last !== undefined && now - last <= WINDOW) assert.equal(answer, 'replayed');
          if (last === undefined || now - last >= WINDOW + 2_000) assert.equal(answer, 'fresh');
          if (answer === 'fresh') accepted.set(id, now);
        }
      }),
    );
  });
});

describe('nonce cache at its cap', () => {
  it('should answer full only when the cap is really reached, and fresh otherwise', () => {
    const CAP = 5;
    const step = fc.record({ advance: fc.nat({ max: WINDOW / 4 }), id: fc.nat({ max: 30 }) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
        const { clock, cache: c } = cache(CAP);
        const accepted = new Map<number, number>();
        let now = 0;
        for (const { advance, id } of steps) {
          now += advance;
          clock.set(now);
          const answer = c.check(nonce(id));
          // Held: everything accepted within the window, and nothing older than window + 2 s.
          const recent = [...accepted].filter(([, at]) => now - at < WINDOW + 2_000);
          const last = accepted.get(id);
          if (answer === 'full') assert.ok(recent.length >= CAP, `full with ${recent.length}`);
          if (last !== undefined && now - last <= WINDOW) assert.equal(answer, 'replayed');
          const seen = recent.some(([other]) => other === id);
          if (recent.length < CAP && !seen) assert.equal(answer, 'fresh');
          if (answer === 'fresh') accepted.set(id, now);
          assert.ok(c.size <= CAP);
        }
      }),
    );
  });
});

describe('nonce table', () => {
  const key = (...words: number[]) => new Uint32Array(words);

  it('should hold 100,000 random nonces and find each of them', () => {
    let table = new NonceTable(16);
    const keys = Array.from({ length: 100_000 }, () => new Uint32Array(randomBytes(12).buffer));
    for (const k of keys) {
      if ((table.used + 1) * 2 > table.slots) table = table.rebuilt(table.slots * 2, 0);
      const at = table.probe(k, 0);
      assert.notEqual(at, FOUND);
      table.put(at, k, 5);
    }
    assert.equal(table.used, keys.length);
    assert.ok(keys.every((k) => table.probe(k, 0) === FOUND));
    assert.deepEqual(table.live(0), { live: keys.length, first: 5 });
    assert.deepEqual(table.live(6), { live: 0, first: Infinity });
  });

  it('should probe past an expired entry and reuse its slot', () => {
    const table = new NonceTable(16);
    const [a, b] = [key(1, 2, 3), key(1, 2, 4)];
    table.put(table.probe(a, 0), a, 1);
    table.put(table.probe(b, 0), b, 9);
    // a is expired at oldest 2 (stored as 2); b, live, is still found behind it.
    assert.equal(table.probe(b, 2), FOUND);
    const c = key(7, 7, 7);
    const at = table.probe(c, 2);
    assert.notEqual(at, FOUND);
    assert.equal(table.probe(a, 2), table.probe(a, 2));
    table.put(at, c, 9);
    assert.equal(table.probe(c, 2), FOUND);
  });

  it('should drop expired entries when rebuilt', () => {
    const table = new NonceTable(16);
    for (let i = 1; i <= 10; i++) table.put(table.probe(key(i, 0, 0), 0), key(i, 0, 0), i);
    const rebuilt = table.rebuilt(16, 6);
    assert.deepEqual(rebuilt.live(6), { live: 5, first: 6 });
    assert.equal(rebuilt.probe(key(10, 0, 0), 6), FOUND);
    assert.notEqual(rebuilt.probe(key(3, 0, 0), 6), FOUND);
  });
});

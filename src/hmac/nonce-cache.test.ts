import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NonceCache } from './nonce-cache.ts';
import { NonceTable } from './nonce-table.ts';
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
    ['should forget a nonce seen 4/3 of the window ago', (WINDOW * 4) / 3, 'fresh'],
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

  it('should refuse new nonces at the cap but still name replays, and recover as time passes', () => {
    const { clock, cache: c } = cache(2);
    assert.equal(c.check(nonce(1)), 'fresh');
    assert.equal(c.check(nonce(2)), 'fresh');
    assert.equal(c.check(nonce(3)), 'full');
    assert.equal(c.check(nonce(1)), 'replayed');
    assert.equal(c.size, 2);
    clock.set((WINDOW * 4) / 3);
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

  it('should never forget a nonce within the window nor keep one beyond 4/3 of it', () => {
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
          if (last === undefined || now - last >= (WINDOW * 4) / 3) assert.equal(answer, 'fresh');
          if (answer === 'fresh') accepted.set(id, now);
        }
      }),
    );
  });
});

describe('nonce table', () => {
  it('should hold 100,000 random nonces at 32 to 64 bytes of slots each', () => {
    const table = new NonceTable();
    const keys = Array.from({ length: 100_000 }, () => new Uint32Array(randomBytes(16).buffer));
    for (const key of keys) {
      assert.equal(table.has(key), false);
      table.add(key);
    }
    assert.equal(table.size, keys.length);
    assert.ok(keys.every((key) => table.has(key)));
    const perNonce = table.bytes / keys.length;
    assert.ok(perNonce >= 32 && perNonce <= 64, `${perNonce} bytes per nonce`);
    assert.equal(table.has(new Uint32Array([1, 2, 3, 4])), false);
  });

  it('should tell nonces apart that share their first or last words', () => {
    const table = new NonceTable(16);
    const keys = [
      [1, 0, 0, 0],
      [1, 0, 0, 1],
      [0, 0, 0, 1],
      [0, 1, 0, 0],
    ].map((k) => new Uint32Array(k));
    for (const key of keys.slice(0, 2)) table.add(key);
    assert.deepEqual(
      keys.map((k) => table.has(k)),
      [true, true, false, false],
    );
  });
});

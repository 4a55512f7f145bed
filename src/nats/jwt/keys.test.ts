import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromSeed as slowFromSeed } from '@nats-io/nkeys';
import { fromSeed, newKey } from './keys.ts';

describe('native NKey pairs', () => {
  for (const kind of ['operator', 'account', 'user'] as const)
    it(`sign exactly as @nats-io/nkeys does for an ${kind} key`, () => {
      const { pair, seed } = newKey(kind);
      const slow = slowFromSeed(new TextEncoder().encode(seed));
      const data = new TextEncoder().encode('header.payload');
      assert.equal(pair.getPublicKey(), slow.getPublicKey());
      assert.deepEqual(pair.sign(data), slow.sign(data));
      assert.ok(slow.verify(data, pair.sign(data)));
      assert.equal(fromSeed(seed, kind).getPublicKey(), pair.getPublicKey());
    });

  it('refuses a seed of another kind', () => {
    const { seed } = newKey('user');
    assert.throws(() => fromSeed(seed, 'account'), /not an NKey account seed/);
  });
});

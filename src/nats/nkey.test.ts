import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromPublic, fromSeed } from '@nats-io/nkeys';
import { newUserNkey } from './nkey.ts';

describe('newUserNkey', () => {
  it('should make a pair @nats-io/nkeys accepts: the seed derives the public key and signs for it', () => {
    for (let i = 0; i < 20; i++) {
      const { publicKey, seed } = newUserNkey();
      assert.match(publicKey, /^U[A-Z2-7]{55}$/);
      assert.match(seed, /^SU[A-Z2-7]{56}$/);
      const pair = fromSeed(new TextEncoder().encode(seed));
      assert.equal(pair.getPublicKey(), publicKey);
      const nonce = new TextEncoder().encode(`nonce ${i}`);
      assert.ok(fromPublic(publicKey).verify(nonce, pair.sign(nonce)));
    }
  });

  it('should never make the same pair twice', () => {
    const keys = new Set(Array.from({ length: 100 }, () => newUserNkey().publicKey));
    assert.equal(keys.size, 100);
  });
});

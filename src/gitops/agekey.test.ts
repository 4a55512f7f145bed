import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bech32Encode, generateAgeKeyPair } from './agekey.ts';

describe('age keys', () => {
  it('encodes the BIP 173 test vector exactly', () => {
    // BIP 173: "a12uel5l" is the valid encoding of hrp "a" with no data.
    assert.equal(bech32Encode('a', new Uint8Array()), 'a12uel5l');
  });
  it('writes a recipient and an identity in the forms age reads', () => {
    const pair = generateAgeKeyPair();
    assert.match(pair.recipient, /^age1[02-9ac-hj-np-z]{58}$/);
    assert.match(pair.identity, /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/);
  });
  it('never returns the same key twice', () => {
    assert.notEqual(generateAgeKeyPair().identity, generateAgeKeyPair().identity);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { base64UrlLength, decodeBase64Url } from './base64url.ts';

describe('base64url decoding', () => {
  it('should decode what Buffer encodes, at any offset', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 80 }),
        fc.string({ maxLength: 5 }),
        (bytes, prefix) => {
          const text = prefix + Buffer.from(bytes).toString('base64url');
          const out = new Uint8Array(bytes.length);
          assert.equal(decodeBase64Url(text, prefix.length, out), true);
          assert.deepEqual(out, bytes);
        },
      ),
    );
  });

  const refused: [string, string, number][] = [
    ['should refuse a character outside the alphabet', 'AAAAAAAAAAAAAAAAAAAA+A', 16],
    ['should refuse padding', 'AAAAAAAAAAAAAAAAAAAAA=', 16],
    ['should refuse non-zero bits after the last byte', 'AAAAAAAAAAAAAAAAAAAAAB', 16],
    ['should refuse text shorter than the length', 'AAAA', 16],
    ['should refuse a non-ASCII character', 'AAAAAAAAAAAAAAAAAAAAAé', 16],
  ];
  for (const [name, text, bytes] of refused) {
    it(name, () => assert.equal(decodeBase64Url(text, 0, new Uint8Array(bytes)), false));
  }

  it('should know the unpadded lengths of the nonce and the MACs', () => {
    assert.deepEqual([16, 32, 48, 64].map(base64UrlLength), [22, 43, 64, 86]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bech32Decode, bech32Encode } from '../lib/bech32.ts';
import { ageDecrypt, ageEncrypt, armor, dearmor, newIdentity, recipientOf } from './age.ts';

describe('bech32', () => {
  const cases: { name: string; text: string; hrp?: string; error?: RegExp }[] = [
    { name: 'the BIP 173 vector with no data decodes', text: 'A12UEL5L', hrp: 'a' },
    { name: 'a changed character fails the checksum', text: 'a12uel5m', error: /checksum/ },
    { name: 'mixed case is refused', text: 'A12uEL5L', error: /mixed case/ },
    { name: 'a character outside the charset is refused', text: 'a12ueb5l', error: /character/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.error) assert.throws(() => bech32Decode(c.text), c.error);
      else assert.equal(bech32Decode(c.text).hrp, c.hrp);
    });
  }
  it('decodes what it encodes', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    assert.deepEqual(bech32Decode(bech32Encode('age', bytes)).bytes, bytes);
  });
});

describe('age X25519', () => {
  const alice = newIdentity();
  const bob = newIdentity();
  const data = Buffer.from('0123456789abcdef0123456789abcdef');

  it('a recipient is the age1 form of the identity public key', () => {
    assert.match(recipientOf(alice), /^age1[02-9ac-hj-np-z]{58}$/);
    assert.notEqual(recipientOf(alice), recipientOf(bob));
  });

  it('every recipient decrypts a file made for several', () => {
    const file = ageEncrypt([recipientOf(alice), recipientOf(bob)], data);
    assert.deepEqual(ageDecrypt([alice], file), data);
    assert.deepEqual(ageDecrypt([bob], file), data);
  });

  it('a payload longer than one 64 KiB chunk comes back whole', () => {
    const big = Buffer.alloc(150_000, 7);
    assert.deepEqual(ageDecrypt([alice], ageEncrypt([recipientOf(alice)], big)), big);
  });

  const tampered: { name: string; edit: (file: Buffer) => Buffer; error: RegExp }[] = [
    {
      name: 'an identity that is not a recipient cannot decrypt',
      edit: (file) => file,
      error: /no identity matches/,
    },
    {
      name: 'a flipped payload byte fails the chunk tag',
      edit: (file) => Buffer.concat([file.subarray(0, -1), Buffer.from([file.at(-1)! ^ 1])]),
      error: /authenticate/,
    },
    {
      name: 'a changed header fails the header MAC',
      edit: (file) =>
        Buffer.from(
          file
            .toString('latin1')
            .replace('age-encryption.org/v1\n', 'age-encryption.org/v1\n-> grease x\n\n'),
          'latin1',
        ),
      error: /header MAC/,
    },
  ];
  for (const c of tampered) {
    it(c.name, () => {
      const file = c.edit(ageEncrypt([recipientOf(bob)], data));
      const who = c.name.startsWith('an identity') ? alice : bob;
      assert.throws(() => ageDecrypt([who], file), c.error);
    });
  }

  it('armor is PEM-like base64 in 64 columns and reads back', () => {
    const file = ageEncrypt([recipientOf(alice)], data);
    const text = armor(file);
    assert.match(
      text,
      /^-----BEGIN AGE ENCRYPTED FILE-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END AGE ENCRYPTED FILE-----\n$/,
    );
    assert.deepEqual(dearmor(text), file);
  });
});

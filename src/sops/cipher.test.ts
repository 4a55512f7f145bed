import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { decryptScalar, encryptScalar, scalarBytes, type Scalar } from './cipher.ts';

describe('sops value bytes (ToBytes)', () => {
  const cases: { name: string; value: Scalar; bytes: string }[] = [
    { name: 'a string is its UTF-8 text', value: 'pässword', bytes: 'pässword' },
    { name: 'true is written in title case', value: true, bytes: 'True' },
    { name: 'false is written in title case', value: false, bytes: 'False' },
    { name: 'an integer has no decimal point', value: 5432, bytes: '5432' },
    { name: 'a float has its shortest digits', value: 0.5, bytes: '0.5' },
    { name: 'a large number has no exponent', value: 1e21, bytes: '1000000000000000000000' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(scalarBytes(c.value), c.bytes));
});

describe('sops value cipher', () => {
  const key = randomBytes(32);
  const cases: { name: string; value: Scalar; type: string }[] = [
    { name: 'a string comes back as a string', value: 'hunter2', type: 'str' },
    { name: 'an integer comes back as an integer', value: 42, type: 'int' },
    { name: 'a float comes back as a float', value: 2.5, type: 'float' },
    { name: 'a boolean comes back as a boolean', value: true, type: 'bool' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const text = encryptScalar(c.value, key, 'data:password:');
      assert.match(
        text,
        new RegExp(
          `^ENC\\[AES256_GCM,data:[^,]+,iv:[A-Za-z0-9+/]{43}=,tag:[A-Za-z0-9+/]{22}==,type:${c.type}\\]$`,
        ),
      );
      assert.equal(decryptScalar(text, key, 'data:password:'), c.value);
    });
  }

  it('an empty string stays empty, as sops leaves it', () => {
    assert.equal(encryptScalar('', key, 'a:'), '');
    assert.equal(decryptScalar('', key, 'a:'), '');
  });

  const refusals: { name: string; aad: string; key: Buffer; edit: (text: string) => string }[] = [
    {
      name: 'a value moved to another key does not decrypt',
      aad: 'data:token:',
      key,
      edit: (t) => t,
    },
    {
      name: 'another data key does not decrypt',
      aad: 'data:password:',
      key: randomBytes(32),
      edit: (t) => t,
    },
    {
      name: 'a flipped ciphertext byte does not decrypt',
      aad: 'data:password:',
      key,
      edit: (t) => t.replace(/data:(.)/, (_, c: string) => `data:${c === 'A' ? 'B' : 'A'}`),
    },
  ];
  for (const c of refusals) {
    it(c.name, () => {
      const text = c.edit(encryptScalar('hunter2', key, 'data:password:'));
      assert.throws(() => decryptScalar(text, c.key, c.aad), /does not decrypt/);
    });
  }
});

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { decryptTree, encryptTree, shouldEncrypt, type EncryptionRule, type Tree } from './tree.ts';

describe('which values a rule encrypts (shouldBeEncrypted)', () => {
  const cases: { name: string; path: string[]; rule: EncryptionRule; encrypted: boolean }[] = [
    {
      name: 'the default suffix leaves a marked key in clear',
      path: ['replicas_unencrypted'],
      rule: { unencryptedSuffix: '_unencrypted' },
      encrypted: false,
    },
    {
      name: 'the default suffix encrypts any other key',
      path: ['db', 'password'],
      rule: { unencryptedSuffix: '_unencrypted' },
      encrypted: true,
    },
    {
      name: 'a marked parent leaves its children in clear',
      path: ['tls_unencrypted', 'cert'],
      rule: { unencryptedSuffix: '_unencrypted' },
      encrypted: false,
    },
    {
      name: 'the Secret regex encrypts data values',
      path: ['data', 'token'],
      rule: { encryptedRegex: '^(data|stringData)$' },
      encrypted: true,
    },
    {
      name: 'the Secret regex leaves metadata in clear',
      path: ['metadata', 'name'],
      rule: { encryptedRegex: '^(data|stringData)$' },
      encrypted: false,
    },
    {
      name: 'the regex is anchored only where the pattern says',
      path: ['metadata', 'labels', 'mydata'],
      rule: { encryptedRegex: 'data' },
      encrypted: true,
    },
    {
      name: 'an encrypted suffix selects only marked keys',
      path: ['password_enc'],
      rule: { encryptedSuffix: '_enc' },
      encrypted: true,
    },
    {
      name: 'an unencrypted regex leaves matching keys in clear',
      path: ['public', 'x'],
      rule: { unencryptedRegex: '^public$' },
      encrypted: false,
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(shouldEncrypt(c.path, c.rule), c.encrypted));
});

const sha512 = (text: string): string =>
  createHash('sha512').update(text).digest('hex').toUpperCase();
const tree = (): Tree =>
  parse('a: x\nb:\n  c: 1\n  d: [true, 0.5, null, ""]\nkeep_unencrypted: y\n', {
    mapAsMap: true,
  }) as Tree;

describe('tree encryption', () => {
  const key = randomBytes(32);
  const rule = { unencryptedSuffix: '_unencrypted' };

  it('the MAC is SHA-512 over every value in document order, null skipped', () => {
    assert.equal(encryptTree(tree(), key, rule), sha512('x1True0.5y'));
  });

  it('selected values are encrypted with their path as additional data and come back', () => {
    const sealed = tree();
    const mac = encryptTree(sealed, key, rule);
    assert.match(String(sealed.get('a')), /^ENC\[AES256_GCM,.*type:str\]$/);
    assert.equal(sealed.get('keep_unencrypted'), 'y');
    assert.equal(decryptTree(sealed, key, rule), mac);
    assert.deepEqual(sealed, tree());
  });

  it('a value moved under another key does not decrypt', () => {
    const sealed = tree();
    encryptTree(sealed, key, rule);
    sealed.set('z', sealed.get('a'));
    assert.throws(() => decryptTree(sealed, key, rule), /^Error: z: value does not decrypt/);
  });
});

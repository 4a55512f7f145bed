import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { newIdentity, recipientOf } from './age.ts';
import { sealText, unsealText } from './file.ts';
import { ageIdentities } from './keys.ts';

const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: titan
type: Opaque
data:
  token: aGVsbG8=
stringData:
  password: hunter2
`;

const testdata = (name: string): string =>
  readFileSync(new URL(`testdata/${name}`, import.meta.url), 'utf8');
const FIXTURE_KEY = ageIdentities({ SOPS_AGE_KEY: testdata('test-only-age-key.txt') })[0]!;

describe('sealed files', () => {
  const identity = newIdentity();
  const now = new Date('2026-12-01T18:00:00.123Z');
  const seal = (text: string): string =>
    sealText(text, { recipients: [recipientOf(identity)], rule: {}, now });

  it('a Secret keeps its name and type in clear and its values encrypted by default', () => {
    const sealed = parse(seal(SECRET)) as Record<string, Record<string, string>>;
    assert.deepEqual(sealed['metadata'], { name: 'db', namespace: 'titan' });
    assert.equal(sealed['type'], 'Opaque');
    assert.match(sealed['data']!['token']!, /^ENC\[AES256_GCM,/);
    assert.equal(sealed['sops']!['encrypted_regex'], '^(data|stringData)$');
    assert.equal(sealed['sops']!['lastmodified'], '2026-12-01T18:00:00Z');
    assert.doesNotMatch(seal(SECRET), /hunter2|aGVsbG8=/);
  });

  it('unsealing gives back the same document', () => {
    assert.deepEqual(parse(unsealText(seal(SECRET), [identity])), parse(SECRET));
  });

  it('a file written by sops 3.11 unseals with its key', () => {
    const plain: unknown = parse(unsealText(testdata('values.sops-3.11.yaml'), [FIXTURE_KEY]));
    assert.deepEqual(plain, {
      db: { password: 'hunter2', port: 5432, ratio: 0.5, tls: true },
      replicas_unencrypted: 3,
      hosts: ['a.example', 'b.example'],
      empty: '',
    });
  });

  const tampered: { name: string; edit: (text: string) => string; error: RegExp }[] = [
    {
      name: 'a flipped byte in a value fails',
      edit: (t) =>
        t.replace(
          /password: ENC\[AES256_GCM,data:(.)/,
          (_, c: string) => `password: ENC[AES256_GCM,data:${c === 'A' ? 'B' : 'A'}`,
        ),
      error: /password: value does not decrypt/,
    },
    {
      name: 'a flipped byte in the MAC fails',
      edit: (t) =>
        t.replace(
          /mac: ENC\[AES256_GCM,data:(.)/,
          (_, c: string) => `mac: ENC[AES256_GCM,data:${c === 'A' ? 'B' : 'A'}`,
        ),
      error: /sops\.mac does not decrypt/,
    },
    {
      name: 'a changed clear value fails the MAC',
      edit: (t) => t.replace('replicas_unencrypted: 3', 'replicas_unencrypted: 4'),
      error: /MAC mismatch/,
    },
    {
      name: 'a removed value fails the MAC',
      edit: (t) => t.replace(/ {4}tls: ENC\[.*\n/, ''),
      error: /MAC mismatch/,
    },
    {
      name: 'another key cannot unseal',
      edit: (t) => t,
      error: /no identity matches/,
    },
  ];
  for (const c of tampered) {
    it(c.name, () => {
      const key = c.name.startsWith('another') ? identity : FIXTURE_KEY;
      assert.throws(() => unsealText(c.edit(testdata('values.sops-3.11.yaml')), [key]), c.error);
    });
  }

  it('strings a YAML 1.1 reader would misread stay quoted through seal and unseal', () => {
    const text =
      'apiVersion: v1\nkind: Secret\nmetadata:\n  labels:\n    enabled: "yes"\nstringData:\n  "on": "2026-01-01"\n';
    const sealed = seal(text);
    assert.match(sealed, /enabled: "yes"/);
    const plain = unsealText(sealed, [identity]);
    assert.match(plain, /"on": "2026-01-01"/);
    assert.deepEqual(parse(plain), parse(text));
  });

  it('sealing a sealed file is refused', () => {
    assert.throws(() => seal(seal(SECRET)), /already sealed/);
  });

  it('unsealing a plain file says it is not sealed', () => {
    assert.throws(() => unsealText(SECRET, [identity]), /not a sealed file/);
  });
});

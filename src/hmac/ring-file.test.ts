import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseRingFile, ringFromText } from './ring-file.ts';
import { ringFile, rotated } from './testing/rings.ts';

const good = ringFile('k1');
const text = (value: unknown) => JSON.stringify(value);

describe('ring file', () => {
  it('should read a ring with a primary key only', () => {
    const ring = parseRingFile(text(good), '/tmp/ring.json');
    assert.deepEqual([ring.algorithm, ring.keyId, ring.keyIds], ['sha256', 'k1', ['k1']]);
    assert.equal(ring.secondaryKeyId, undefined);
  });

  it('should read a ring in its grace period with the secondary key', () => {
    const ring = parseRingFile(text(rotated(good, 'k2')), '/tmp/ring.json');
    assert.deepEqual(ring.keyIds, ['k2', 'k1']);
    assert.equal(ring.secondaryKeyId, 'k1');
  });

  const short = randomBytes(31).toString('base64');
  const long = randomBytes(33).toString('base64');
  const invalid: [string, string, RegExp][] = [
    ['should refuse text that is not JSON', '{"keyId": k1', /^is not JSON$/],
    ['should refuse a JSON array', '[]', /expected object/],
    ['should refuse an unknown algorithm', text({ ...good, algorithm: 'md5' }), /^algorithm: /],
    ['should refuse a missing key id', text({ ...good, keyId: undefined }), /^keyId: /],
    ['should refuse a key id with spaces', text({ ...good, keyId: 'k 1' }), /^keyId: .*spaces/],
    ['should refuse a key of 31 bytes', text({ ...good, primary: short }), /^primary: .*32 bytes/],
    ['should refuse a key of 33 bytes', text({ ...good, primary: long }), /^primary: .*32 bytes/],
    [
      'should refuse a key in base64url',
      text({ ...good, primary: good.primary.replaceAll('+', '-').replaceAll('/', '_') + '-' }),
      /^primary: /,
    ],
    ['should refuse a numeric key', text({ ...good, primary: 42 }), /^primary: must be a string/],
    ['should refuse a misspelt field', text({ ...good, keyID: 'k1' }), /keyID/],
    [
      'should refuse a secondary key without its id',
      text({ ...good, secondary: good.primary }),
      /^secondary: .*come together/,
    ],
    [
      'should refuse a secondary key id equal to the primary one',
      text({ ...good, secondaryKeyId: 'k1', secondary: good.primary }),
      /^secondaryKeyId: must differ from keyId/,
    ],
  ];
  for (const [name, value, problem] of invalid) {
    it(name, () => {
      const result = ringFromText(value);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.match(result.problem, problem);
      assert.ok(!result.problem.includes(good.primary.slice(0, 12)), 'the key must not appear');
    });
  }

  it('should name the file, the problem and the expected format when it throws', () => {
    assert.throws(
      () => parseRingFile('nope', '/vault/secrets/hmac (TITAN_HMAC_SECRET_FILE)'),
      new RegExp(
        '^Error: HMAC key file /vault/secrets/hmac \\(TITAN_HMAC_SECRET_FILE\\) is not a valid ' +
          'key ring: is not JSON\\. Expected JSON \\{"algorithm"',
      ),
    );
  });

  it('should never quote the file text in a JSON syntax error', () => {
    const secret = good.primary;
    const result = ringFromText(`{"primary": "${secret}" oops}`);
    assert.deepEqual(result, { ok: false, problem: 'is not JSON' });
  });
});

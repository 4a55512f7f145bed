import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ring, ringFile, rotated } from '../hmac/testing/rings.ts';
import { parseDigests, type Digests } from './digests.ts';
import { signDigests, verifyDigests } from './provenance.ts';
import { parseSignatureFile } from './signature.ts';

const BRAIN = `sha256:${'a'.repeat(64)}`;
const EXECUTION = `sha256:${'0123456789abcdef'.repeat(4)}`;
const digests: Digests = {
  'ghcr.io/titan/brain': BRAIN,
  'ghcr.io/titan/execution': EXECUTION,
};

describe('digests.json', () => {
  it('should read an object of images pinned by sha256 digests', () => {
    assert.deepEqual(parseDigests(JSON.stringify(digests)), { ok: true, value: digests });
  });

  const refused: [string, string, RegExp][] = [
    ['should refuse text that is not JSON', '{"a":', /^is not JSON/],
    ['should refuse an array', `["${BRAIN}"]`, /must be a JSON object of image → digest/],
    ['should refuse an empty object', '{}', /lists no images/],
    ['should refuse a tag instead of a digest', '{"brain":"v1.4.2"}', /image brain is not pinned/],
    [
      'should refuse an uppercase digest',
      `{"brain":"${BRAIN.toUpperCase().replace('SHA', 'sha')}"}`,
      /not pinned/,
    ],
    ['should refuse a sha512 digest', `{"brain":"sha512:${'a'.repeat(128)}"}`, /not pinned/],
    ['should refuse a digest of 63 hex digits', `{"brain":"${BRAIN.slice(0, -1)}"}`, /not pinned/],
    ['should refuse a digest that is not a string', '{"brain":42}', /not pinned.*got 42/],
    [
      'should refuse a digest after @ in the image',
      `{"brain@${BRAIN}":"${BRAIN}"}`,
      /not an image/,
    ],
    [
      'should refuse an image listed twice',
      `{"brain":"${'sha256:' + 'b'.repeat(64)}","brain":"${BRAIN}"}`,
      /names an image more than once/,
    ],
  ];
  for (const [name, text, problem] of refused) {
    it(name, () => {
      const parsed = parseDigests(text);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.problem, problem);
    });
  }

  it('should name every unpinned image, not only the first', () => {
    const parsed = parseDigests('{"a":"latest","b":"v2"}');
    assert.ok(!parsed.ok && /image a .*; image b /.test(parsed.problem));
  });

  it('should not count quotes inside names as extra entries', () => {
    const text = JSON.stringify({ 'registry/with\\"quote': BRAIN });
    assert.equal(parseDigests(text).ok, true);
  });
});

describe('release provenance', () => {
  it('should verify digests signed with the primary key', () => {
    const keys = ring();
    const signature = signDigests(digests, keys);
    assert.deepEqual(Object.keys(signature), ['keyId', 'algorithm', 'signature']);
    assert.deepEqual(verifyDigests(digests, signature, keys), { ok: true, keyId: 'k1' });
  });

  it('should verify a signature by the secondary key after a rotation', () => {
    const before = ringFile('k1');
    const signature = signDigests(digests, ring(before));
    assert.deepEqual(verifyDigests(digests, signature, ring(rotated(before, 'k2'))), {
      ok: true,
      keyId: 'k1',
    });
  });

  it('should sign the same digests the same whatever their order', () => {
    const keys = ring();
    const reversed = Object.fromEntries(Object.entries(digests).reverse());
    assert.deepEqual(signDigests(reversed, keys), signDigests(digests, keys));
  });

  it('should refuse any change of an image or a digest', () => {
    const keys = ring();
    const signature = signDigests(digests, keys);
    const hex = fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`);
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(digests)), hex, (image, digest) => {
        fc.pre(digest !== digests[image]);
        const check = verifyDigests({ ...digests, [image]: digest }, signature, keys);
        assert.equal(check.ok ? 'ok' : check.problem, 'SignatureMismatch');
      }),
    );
  });

  const keys = ring();
  const signature = signDigests(digests, keys);
  const refused: [string, () => ReturnType<typeof verifyDigests>, string, RegExp][] = [
    [
      'should refuse a key id the ring does not hold',
      () => verifyDigests(digests, { ...signature, keyId: 'k7' }, keys),
      'UnknownKeyId',
      /key "k7", which the key ring does not hold \(it holds "k1"\)/,
    ],
    [
      'should refuse a signature naming another algorithm',
      () => verifyDigests(digests, signDigests(digests, ring(ringFile('k1', 'sha512'))), keys),
      'AlgorithmMismatch',
      /signature says sha512 but the key ring uses sha256/,
    ],
    [
      'should refuse a signature by another key under the same id',
      () => verifyDigests(digests, signDigests(digests, ring()), keys),
      'SignatureMismatch',
      /does not match the digests with key "k1"/,
    ],
    [
      'should refuse an image added after signing',
      () => verifyDigests({ ...digests, 'ghcr.io/evil/miner': BRAIN }, signature, keys),
      'SignatureMismatch',
      /changed after signing/,
    ],
  ];
  for (const [name, check, problem, message] of refused) {
    it(name, () => {
      const result = check();
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.problem, problem);
      assert.match(result.message, message);
    });
  }
});

describe('signature file', () => {
  const good = signDigests(digests, ring());
  const refused: [string, unknown, RegExp][] = [
    ['should refuse a missing key id', { ...good, keyId: undefined }, /^keyId: /],
    ['should refuse an unknown algorithm', { ...good, algorithm: 'sha1' }, /^algorithm: /],
    ['should refuse a signature that is not base64', { ...good, signature: '!!' }, /base64/],
    [
      'should refuse a signature of the wrong length',
      { ...good, signature: Buffer.alloc(16).toString('base64') },
      /^signature: is not as long as a MAC of its algorithm/,
    ],
    ['should refuse an extra field', { ...good, note: 'x' }, /note/],
  ];
  for (const [name, value, problem] of refused) {
    it(name, () => {
      const parsed = parseSignatureFile(JSON.stringify(value));
      assert.ok(!parsed.ok && problem.test(parsed.problem), JSON.stringify(parsed));
    });
  }

  it('should refuse text that is not JSON without quoting it', () => {
    assert.deepEqual(parseSignatureFile('{"signature": "abc'), {
      ok: false,
      problem: 'is not JSON',
    });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatEnvelope, type Envelope } from './envelope.ts';
import { HmacReason } from './reasons.ts';
import { HMAC_ALGORITHMS } from './ring.ts';
import { Signer } from './sign.ts';
import { fixedNonce, manualClock, ring, ringFile, rotated } from './testing/rings.ts';
import { Verifier } from './verify.ts';

const T0 = 1_800_000_000_000;

function pair(options: { maxNonces?: number } = {}) {
  const clock = manualClock(T0);
  const keys = ring();
  return {
    clock,
    signer: new Signer({ ring: keys, clock }),
    verifier: new Verifier({ ring: keys, clock, ...options }),
  };
}

describe('HMAC sign and verify', () => {
  for (const algorithm of HMAC_ALGORITHMS) {
    it(`should verify a message signed with the primary key (${algorithm})`, () => {
      const keys = ring(ringFile('k1', algorithm));
      const envelope = new Signer({ ring: keys }).sign('buy 1 BTC');
      assert.equal(envelope.keyId, 'k1');
      assert.deepEqual(new Verifier({ ring: keys }).verify('buy 1 BTC', envelope), {
        ok: true,
        keyId: 'k1',
        timestamp: envelope.timestamp,
      });
    });
  }

  it('should verify with the secondary key after a rotation, and sign with the new primary', () => {
    const before = ringFile('k1');
    const after = rotated(before, 'k2');
    const oldSignature = new Signer({ ring: ring(before) }).sign('sell');
    const listener = new Verifier({ ring: ring(after) });
    assert.deepEqual(listener.verify('sell', oldSignature), {
      ok: true,
      keyId: 'k1',
      timestamp: oldSignature.timestamp,
    });
    const newSignature = new Signer({ ring: ring(after) }).sign('sell');
    assert.equal(newSignature.keyId, 'k2');
    assert.equal(listener.verify('sell', newSignature).ok, true);
  });

  it('should reject a key id the ring does not hold, naming the id', () => {
    const envelope = new Signer({ ring: ring(ringFile('k9')) }).sign('m');
    assert.deepEqual(new Verifier({ ring: ring() }).verify('m', envelope), {
      ok: false,
      reason: HmacReason.UnknownKeyId,
      keyId: 'k9',
    });
  });

  it('should reject a signature made with another key under the same id', () => {
    const envelope = new Signer({ ring: ring() }).sign('m');
    assert.equal(new Verifier({ ring: ring() }).verify('m', envelope).ok, false);
  });

  it('should accept the envelope as one header string', () => {
    const { signer, verifier } = pair();
    const text = signer.signToString(Buffer.from('bytes'));
    assert.match(text, /^v1\.\d+\.[\w-]{22}\.[\w-]{43}\.k1$/);
    assert.equal(verifier.verify(Buffer.from('bytes'), text).ok, true);
  });

  it('should accept a key id with dots in the header string', () => {
    const keys = ring(ringFile('ring.2025-01.v2'));
    const text = new Signer({ ring: keys }).signToString('m');
    assert.equal(new Verifier({ ring: keys }).verify('m', text).ok, true);
  });

  it('should report BadSignature when any byte of the message or the envelope changes', () => {
    const keys = ring();
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (bytes, at, flip) => {
          const message = Buffer.from(bytes);
          const verifier = new Verifier({ ring: keys });
          const envelope = new Signer({ ring: keys }).sign(message);
          const tampered = Buffer.from(message);
          tampered[at % tampered.length]! ^= flip;
          assert.deepEqual(verifier.verify(tampered, envelope), { ...bad, keyId: 'k1' });
          assert.equal(verifier.verify(message, envelope).ok, true);
        },
      ),
    );
  });

  it('should refuse the header string with any character changed', () => {
    const keys = ring();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(...alphabet), (at, char) => {
        const header = new Signer({ ring: keys }).signToString('m');
        const i = at % header.length;
        fc.pre(header[i] !== char);
        const changed = header.slice(0, i) + char + header.slice(i + 1);
        const verifier = new Verifier({
          ring: keys,
          maxSkewMs: 10 ** 13,
          replayWindowMs: 2 * 10 ** 13,
        });
        assert.equal(verifier.verify('m', changed).ok, false, changed);
      }),
    );
  });

  it('should report BadSignature when the timestamp, nonce or signature is changed', () => {
    const { signer, verifier } = pair();
    const envelope = signer.sign('m');
    const otherNonce = new Signer({ ring: ring(), random: fixedNonce(7) }).sign('m').nonce;
    const flipped = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const cases: [string, Envelope][] = [
      ['timestamp + 1 ms', { ...envelope, timestamp: envelope.timestamp + 1 }],
      ['another nonce', { ...envelope, nonce: otherNonce }],
      ['first signature character', { ...envelope, signature: flipped(envelope.signature) }],
    ];
    for (const [what, changed] of cases) {
      assert.deepEqual(verifier.verify('m', changed), { ...bad, keyId: 'k1' }, what);
    }
    assert.equal(verifier.verify('m', envelope).ok, true);
  });

  it('should keep the key id inside the MAC: a prefix of another id does not verify', () => {
    const a = ringFile('k1');
    const keys = ring({ ...a, secondaryKeyId: 'k11', secondary: a.primary });
    const envelope = new Signer({ ring: keys }).sign('1m');
    const verifier = new Verifier({ ring: keys });
    assert.equal(verifier.verify('m', { ...envelope, keyId: 'k11' }).ok, false);
  });
});

const bad = { ok: false, reason: HmacReason.BadSignature };

describe('HMAC timestamps', () => {
  const cases: [string, number, boolean][] = [
    ['should accept a signature made now', 0, true],
    ['should accept a signature made 60 s ago', -60_000, true],
    ['should accept a signature dated 60 s ahead', 60_000, true],
    ['should reject a signature made 60.001 s ago', -60_001, false],
    ['should reject a signature dated 60.001 s ahead', 60_001, false],
    ['should reject a signature made an hour ago', -3_600_000, false],
  ];
  for (const [name, offset, ok] of cases) {
    it(name, () => {
      const { clock, signer, verifier } = pair();
      const envelope = signer.sign('m');
      clock.set(T0 - offset);
      const result = verifier.verify('m', envelope);
      assert.deepEqual(result, ok ? { ok, keyId: 'k1', timestamp: T0 } : stale);
    });
  }

  it('should take the allowed skew from the options', () => {
    const clock = manualClock(T0);
    const keys = ring();
    const verifier = new Verifier({ ring: keys, clock, maxSkewMs: 5_000 });
    const envelope = new Signer({ ring: keys, clock }).sign('m');
    clock.set(T0 + 5_001);
    assert.deepEqual(verifier.verify('m', envelope), stale);
  });

  it('should refuse a replay window shorter than twice the skew', () => {
    assert.throws(
      () => new Verifier({ ring: ring(), maxSkewMs: 60_000, replayWindowMs: 100_000 }),
      /replayWindowMs \(100000\) must be at least 2 x maxSkewMs \(60000\)/,
    );
  });
});

const stale = { ok: false, reason: HmacReason.StaleTimestamp, keyId: 'k1' };

describe('HMAC nonces', () => {
  it('should reject a replayed envelope and a new signature reusing the nonce', () => {
    const clock = manualClock(T0);
    const keys = ring();
    const signer = new Signer({ ring: keys, clock, random: fixedNonce(1) });
    const listener = new Verifier({ ring: keys, clock });
    const first = signer.sign('m');
    assert.equal(listener.verify('m', first).ok, true);
    assert.equal(listener.verify('m', first).ok, false);
    clock.set(T0 + 299_000);
    const again = signer.sign('other message');
    const replayed = { ok: false, reason: HmacReason.ReplayedNonce, keyId: 'k1' };
    assert.deepEqual(listener.verify('other message', again), replayed);
  });

  it('should accept a nonce again once the replay window has passed', () => {
    const clock = manualClock(T0);
    const keys = ring();
    const signer = new Signer({ ring: keys, clock, random: fixedNonce(2) });
    const verifier = new Verifier({ ring: keys, clock });
    assert.equal(verifier.verify('m', signer.sign('m')).ok, true);
    clock.set(T0 + 400_000);
    assert.equal(verifier.verify('m', signer.sign('m')).ok, true);
  });

  it('should not record the nonce of an envelope whose signature is bad', () => {
    const { signer, verifier } = pair();
    const envelope = signer.sign('m');
    assert.equal(verifier.verify('forged', envelope).ok, false);
    assert.equal(verifier.verify('m', envelope).ok, true);
  });

  it('should fail closed with NonceCacheFull once the cap is reached', () => {
    const { signer, verifier } = pair({ maxNonces: 3 });
    for (let i = 0; i < 3; i++) assert.equal(verifier.verify('m', signer.sign('m')).ok, true);
    const full = { ok: false, reason: HmacReason.NonceCacheFull, keyId: 'k1' };
    assert.deepEqual(verifier.verify('m', signer.sign('m')), full);
    assert.equal(verifier.nonces, 3);
  });
});

describe('HMAC envelopes', () => {
  const { signer, verifier } = pair();
  const good = signer.sign('m');
  const malformed: [string, unknown][] = [
    ['should reject an envelope that is not an object', 42],
    ['should reject an envelope without a key id', { ...good, keyId: undefined }],
    ['should reject a key id with a space', { ...good, keyId: 'k 1' }],
    ['should reject a timestamp that is not an integer', { ...good, timestamp: 1.5 }],
    ['should reject a timestamp given as text', { ...good, timestamp: String(T0) }],
    ['should reject a negative timestamp', { ...good, timestamp: -1 }],
    ['should reject a nonce of 15 bytes', { ...good, nonce: good.nonce.slice(0, 20) }],
    ['should reject a nonce in standard base64', { ...good, nonce: `+${good.nonce.slice(1)}` }],
    ['should reject a signature of 16 bytes', { ...good, signature: 'A'.repeat(22) }],
    ['should reject a header of another version', formatEnvelope(good).replace('v1.', 'v2.')],
    ['should reject a header with a missing field', formatEnvelope(good).replace('.k1', '')],
    ['should reject a header with a signed timestamp', formatEnvelope(good).replace('.', '.+')],
  ];
  for (const [name, envelope] of malformed) {
    it(name, () =>
      assert.deepEqual(verifier.verify('m', envelope as Envelope), {
        ok: false,
        reason: HmacReason.MalformedEnvelope,
      }),
    );
  }

  it('should reject a signature of the length of another algorithm as BadSignature', () => {
    const long = new Signer({ ring: ring(ringFile('k1', 'sha512')) }).sign('m');
    assert.deepEqual(verifier.verify('m', { ...good, signature: long.signature }), {
      ...bad,
      keyId: 'k1',
    });
  });
});

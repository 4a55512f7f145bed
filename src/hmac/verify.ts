import { timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';
import type { Clock } from '../lib/clock.ts';
import { EnvelopeReader, MacHeaders, type Envelope, type ParsedEnvelope } from './envelope.ts';
import { NonceCache } from './nonce-cache.ts';
import { HmacReason } from './reasons.ts';
import type { KeyRing } from './ring.ts';
import type { Message } from './sign.ts';
import { currentRing, type RingSource } from './source.ts';

export const DEFAULT_MAX_SKEW_MS = 60_000;
export const DEFAULT_REPLAY_WINDOW_MS = 300_000;
export const DEFAULT_MAX_NONCES = 1_000_000;

export interface VerifierOptions {
  ring: RingSource;
  clock?: Pick<Clock, 'now'>;
  /** How far a timestamp may be from now, either way. @default 60 s */
  maxSkewMs?: number;
  /** How long an accepted nonce is refused again; at least 2 x maxSkewMs. @default 5 min */
  replayWindowMs?: number;
  /** Nonces remembered at most; beyond, verification fails with NonceCacheFull. @default 1e6 */
  maxNonces?: number;
}

export type Verification =
  | { ok: true; keyId: string; timestamp: number }
  | { ok: false; reason: HmacReason; keyId?: string };

const fail = (reason: HmacReason, keyId?: string): Verification =>
  keyId === undefined ? { ok: false, reason } : { ok: false, reason, keyId };

/**
 * Verifies envelopes made with any key of the current ring (chosen by key id), within the clock
 * skew, each nonce once. Checks run cheapest first and the nonce is recorded only after the MAC
 * verified, so forged envelopes can neither fill the cache nor burn a signer's nonce.
 * Synchronous and not shared across threads: it decodes into buffers of its own.
 */
export class Verifier {
  readonly maxSkewMs: number;
  readonly #ring: RingSource;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #nonces: NonceCache;
  readonly #reader = new EnvelopeReader();
  readonly #headers = new MacHeaders();

  constructor(options: VerifierOptions) {
    this.maxSkewMs = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
    const windowMs = options.replayWindowMs ?? DEFAULT_REPLAY_WINDOW_MS;
    if (!(this.maxSkewMs >= 0) || !(windowMs >= 2 * this.maxSkewMs)) {
      // A nonce must be remembered as long as its timestamp can pass the skew check: 2 x skew.
      throw new Error(
        `HMAC verifier: replayWindowMs (${windowMs}) must be at least 2 x maxSkewMs ` +
          `(${this.maxSkewMs}), or a replay could pass once the nonce is forgotten`,
      );
    }
    this.#ring = options.ring;
    this.#clock = options.clock ?? Date;
    this.#nonces = new NonceCache({
      windowMs,
      maxEntries: options.maxNonces ?? DEFAULT_MAX_NONCES,
      clock: this.#clock,
    });
  }

  /** Nonces held now (for a gauge). */
  get nonces(): number {
    return this.#nonces.size;
  }

  verify(message: Message, envelope: Envelope | string): Verification {
    const parsed = this.#reader.read(envelope);
    if (!parsed) return fail(HmacReason.MalformedEnvelope);
    const ring = currentRing(this.#ring);
    const { keyId, timestamp } = parsed;
    if (!ring.has(keyId)) return fail(HmacReason.UnknownKeyId, keyId);
    if (Math.abs(this.#clock.now() - timestamp) > this.maxSkewMs)
      return fail(HmacReason.StaleTimestamp, keyId);
    if (!this.#macMatches(ring, parsed, message)) return fail(HmacReason.BadSignature, keyId);
    const nonce = this.#nonces.check(parsed.nonce);
    if (nonce === 'replayed') return fail(HmacReason.ReplayedNonce, keyId);
    if (nonce === 'full') return fail(HmacReason.NonceCacheFull, keyId);
    return { ok: true, keyId, timestamp };
  }

  #macMatches(ring: KeyRing, envelope: ParsedEnvelope, message: Message): boolean {
    const { keyId, timestamp, nonce, signature } = envelope;
    const expected = ring
      .hmac(keyId)!
      .update(this.#headers.write(keyId, timestamp, nonce))
      .update(message)
      .digest();
    // Lengths are public (fixed per algorithm); only equal lengths compare in constant time.
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }

  toJSON(): Record<string, unknown> {
    return { verifier: currentRing(this.#ring).keyIds, maxSkewMs: this.maxSkewMs };
  }

  [inspect.custom](): string {
    return `Verifier ${JSON.stringify(this.toJSON())}`;
  }
}

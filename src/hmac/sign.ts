import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { Clock } from '../lib/clock.ts';
import { formatEnvelope, macHeader, NONCE_BYTES, type Envelope } from './envelope.ts';
import { currentRing, type RingSource } from './source.ts';

export type Message = Uint8Array | string;

export interface SignerOptions {
  ring: RingSource;
  clock?: Pick<Clock, 'now'>;
  /** Source of nonces; tests inject one to replay a nonce on purpose. */
  random?: (bytes: number) => Buffer;
}

/** Signs messages with the current ring's primary key. */
export class Signer {
  readonly #ring: RingSource;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #random: (bytes: number) => Buffer;

  constructor(options: SignerOptions) {
    this.#ring = options.ring;
    this.#clock = options.clock ?? Date;
    this.#random = options.random ?? randomBytes;
  }

  /** The envelope to send beside the message: key id, timestamp (ms), nonce and MAC. */
  sign(message: Message): Envelope {
    const ring = currentRing(this.#ring);
    const timestamp = this.#clock.now();
    const nonce = this.#random(NONCE_BYTES);
    const hmac = ring.hmac(ring.keyId)!;
    const signature = hmac
      .update(macHeader(ring.keyId, timestamp, nonce))
      .update(message)
      .digest('base64url');
    return { keyId: ring.keyId, timestamp, nonce: nonce.toString('base64url'), signature };
  }

  /** The envelope as one header value (`v1.<timestamp>.<nonce>.<signature>.<keyId>`). */
  signToString(message: Message): string {
    return formatEnvelope(this.sign(message));
  }

  toJSON(): Record<string, string> {
    return { signer: currentRing(this.#ring).keyId };
  }

  [inspect.custom](): string {
    return `Signer ${JSON.stringify(this.toJSON())}`;
  }
}

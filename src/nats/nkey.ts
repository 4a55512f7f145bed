import { generateKeyPairSync } from 'node:crypto';
import { Prefix } from '@nats-io/nkeys';
import { Codec } from '@nats-io/nkeys/lib/codec.js';

/**
 * A new NKey user pair from Node's native Ed25519: the same keys as `createUser()` of
 * @nats-io/nkeys (seed = the 32-byte Ed25519 private key, NKey-encoded), made in native code
 * instead of tweetnacl's pure JavaScript, which took ~7 ms of CPU per key and was the
 * operator's largest cost when a thousand services arrive at once.
 */
export function newUserNkey(): { publicKey: string; seed: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const raw = Buffer.from(jwk.d ?? '', 'base64url');
  const pub = Buffer.from(jwk.x ?? '', 'base64url');
  const text = new TextDecoder();
  const seed = text.decode(Codec.encodeSeed(Prefix.User, raw));
  raw.fill(0);
  return { publicKey: text.decode(Codec.encode(Prefix.User, pub)), seed };
}

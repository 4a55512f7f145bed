import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { Prefix, type KeyPair } from '@nats-io/nkeys';
import { Codec } from '@nats-io/nkeys/lib/codec.js';

/**
 * NKey pairs signed in native code. @nats-io/jwt signs through the KeyPair interface; the
 * @nats-io/nkeys implementation is tweetnacl's pure JavaScript (milliseconds per signature),
 * which at 10,000 services is most of a burst's CPU. Same keys, same Ed25519 signatures.
 */

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const text = new TextDecoder();

export type NkeyKind = 'operator' | 'account' | 'user';

const PREFIX: Record<NkeyKind, Prefix> = {
  operator: Prefix.Operator,
  account: Prefix.Account,
  user: Prefix.User,
};

function keyPair(prefix: Prefix, privateKey: KeyObject, raw: Uint8Array): KeyPair {
  const pub = Buffer.from(
    createPublicKey(privateKey).export({ format: 'jwk' }).x ?? '',
    'base64url',
  );
  const publicKey = text.decode(Codec.encode(prefix, pub));
  const seed = Codec.encodeSeed(prefix, raw);
  const pair = {
    getPublicKey: () => publicKey,
    getPrivateKey: () => Uint8Array.from(raw),
    getSeed: () => Uint8Array.from(seed),
    sign: (input: Uint8Array) => new Uint8Array(sign(null, input, privateKey)),
    verify: (input: Uint8Array, sig: Uint8Array) =>
      verify(null, input, createPublicKey(privateKey), sig),
    clear: () => undefined,
  };
  return pair as unknown as KeyPair;
}

/** The pair of an NKey seed (`S…`), checked to be of the kind asked for. */
export function fromSeed(seed: string, kind: NkeyKind): KeyPair {
  const { prefix, buf } = Codec.decodeSeed(new TextEncoder().encode(seed));
  if (prefix !== PREFIX[kind]) throw new Error(`the seed is not an NKey ${kind} seed`);
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519, buf]),
    format: 'der',
    type: 'pkcs8',
  });
  return keyPair(prefix, privateKey, buf);
}

/** A new pair of the kind asked for, and its seed (to keep in Vault). */
export function newKey(kind: NkeyKind): { pair: KeyPair; seed: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  const pair = keyPair(PREFIX[kind], privateKey, raw);
  return { pair, seed: text.decode(pair.getSeed()) };
}

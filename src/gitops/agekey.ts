import { generateKeyPairSync } from 'node:crypto';

import { bech32Encode } from '../lib/bech32.ts';

// age keys are X25519 keys written in bech32 (BIP 173): `age1...` public, `AGE-SECRET-KEY-1...` secret.
export { bech32Encode };

export interface AgeKeyPair {
  /** `age1...`: goes into .sops.yaml and may be committed. */
  recipient: string;
  /** `AGE-SECRET-KEY-1...`: never committed; SOPS reads it from SOPS_AGE_KEY(_FILE). */
  identity: string;
}

/** A fresh age X25519 key pair, in the text forms that age and sops read. */
export function generateAgeKeyPair(): AgeKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const priv = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  return {
    recipient: bech32Encode('age', pub),
    identity: bech32Encode('age-secret-key-', priv).toUpperCase(),
  };
}

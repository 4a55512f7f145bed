import { generateKeyPairSync } from 'node:crypto';

// age keys are X25519 keys written in bech32 (BIP 173): `age1...` public, `AGE-SECRET-KEY-1...` secret.
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    GENERATOR.forEach((g, i) => {
      if ((top >>> i) & 1) chk ^= g;
    });
  }
  return chk;
}

function hrpExpand(hrp: string): number[] {
  const codes = [...hrp].map((c) => c.charCodeAt(0));
  return [...codes.map((c) => c >>> 5), 0, ...codes.map((c) => c & 31)];
}

function toWords(bytes: Uint8Array): number[] {
  const words: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      words.push((acc >>> bits) & 31);
    }
  }
  if (bits > 0) words.push((acc << (5 - bits)) & 31);
  return words;
}

export function bech32Encode(hrp: string, bytes: Uint8Array): string {
  const words = toWords(bytes);
  const mod = polymod([...hrpExpand(hrp), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
  return `${hrp}1${[...words, ...checksum].map((w) => CHARSET[w]).join('')}`;
}

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

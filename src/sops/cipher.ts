/**
 * sops' value cipher (aes/cipher.go): AES-256-GCM with a 32-byte IV, the value's tree path as
 * additional data, written as `ENC[AES256_GCM,data:...,iv:...,tag:...,type:...]`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export type Scalar = string | number | boolean;

const IV_BYTES = 32;
const TAG_BYTES = 16;
const ENC = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;

/** How sops turns a value into the bytes it hashes and encrypts (sops.go ToBytes). */
export function scalarBytes(value: Scalar): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return formatNumber(value);
  return value;
}

// Go's strconv.FormatFloat(f, 'f', -1, 64): shortest digits, never an exponent.
function formatNumber(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return Math.abs(value) >= 1 ? BigInt(value).toString() : value.toFixed(20).replace(/0+$/, '');
}

function typeOf(value: Scalar): string {
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  return Number.isInteger(value) ? 'int' : 'float';
}

/** The ENC[...] text of a value; an empty string stays empty, as in sops. */
export function encryptScalar(value: Scalar, key: Uint8Array, aad: string): string {
  if (value === '') return '';
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad));
  const data = Buffer.concat([cipher.update(scalarBytes(value), 'utf8'), cipher.final()]);
  const b64 = (b: Buffer): string => b.toString('base64');
  return `ENC[AES256_GCM,data:${b64(data)},iv:${b64(iv)},tag:${b64(cipher.getAuthTag())},type:${typeOf(value)}]`;
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function typed(text: string, type: string): Scalar {
  if (type === 'str') return text;
  if (type === 'bool' && (GO_TRUE.has(text) || GO_FALSE.has(text))) return GO_TRUE.has(text);
  const number = Number(text);
  if (
    (type === 'int' || type === 'int64' || type === 'float') &&
    text.trim() !== '' &&
    !Number.isNaN(number)
  ) {
    return number;
  }
  throw new Error(`sops value of type ${type} cannot be read back (only str, int, float, bool)`);
}

/** Decrypts an ENC[...] value; throws when the value, its path or the key does not match. */
export function decryptScalar(text: string, key: Uint8Array, aad: string): Scalar {
  if (text === '') return '';
  const parts = ENC.exec(text);
  if (!parts) throw new Error('not a sops value (ENC[AES256_GCM,...])');
  const [, data = '', iv = '', tag = '', type = ''] = parts;
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'), {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  let plain: string;
  try {
    plain = Buffer.concat([
      decipher.update(Buffer.from(data, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new Error('value does not decrypt (changed value, moved key or wrong data key)');
  }
  return typed(plain, type);
}

/**
 * The age file format (age-encryption.org/v1) for X25519 recipients, with node:crypto only: sops
 * wraps each file's data key with it. Payloads here are data keys (32 bytes), but the STREAM
 * chunking is complete so any age file for an X25519 identity decrypts.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { bech32Decode, bech32Encode } from '../lib/bech32.ts';

const INTRO = 'age-encryption.org/v1';
const X25519_INFO = 'age-encryption.org/v1/X25519';
const CHUNK = 64 * 1024;
const TAG = 16;
const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
const ARMOR_END = '-----END AGE ENCRYPTED FILE-----';
// DER prefixes that turn 32 raw X25519 bytes into PKCS#8 / SPKI key objects.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

const rawB64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes).toString('base64').replace(/=+$/, '');

function fromRawB64(text: string): Buffer {
  if (!/^[A-Za-z0-9+/]*$/.test(text)) throw new Error('age: invalid base64 in header');
  return Buffer.from(text, 'base64');
}

function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
}

function chacha(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function unchacha(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Buffer {
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  return Buffer.concat([
    decipher.update(sealed.subarray(0, sealed.length - TAG)),
    decipher.final(),
  ]);
}

const publicKeyObject = (raw: Uint8Array): KeyObject =>
  createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
const privateKeyObject = (raw: Uint8Array): KeyObject =>
  createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
const rawPublic = (key: KeyObject): Buffer =>
  Buffer.from(key.export({ format: 'jwk' }).x ?? '', 'base64url');

function recipientBytes(recipient: string): Uint8Array {
  const { hrp, bytes } = bech32Decode(recipient);
  if (hrp !== 'age' || bytes.length !== 32)
    throw new Error(`not an age X25519 recipient: ${recipient}`);
  return bytes;
}

function identityBytes(identity: string): Uint8Array {
  const { hrp, bytes } = bech32Decode(identity.trim());
  if (hrp !== 'age-secret-key-' || bytes.length !== 32)
    throw new Error('not an age X25519 identity (AGE-SECRET-KEY-1...)');
  return bytes;
}

/** The `age1...` recipient of an `AGE-SECRET-KEY-1...` identity. */
export function recipientOf(identity: string): string {
  return bech32Encode('age', rawPublic(createPublicKey(privateKeyObject(identityBytes(identity)))));
}

/** A fresh identity, for tests and key generation. */
export function newIdentity(): string {
  const priv = generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' }).d ?? '';
  return bech32Encode('age-secret-key-', Buffer.from(priv, 'base64url')).toUpperCase();
}

function sharedSecret(priv: KeyObject, pub: Uint8Array): Buffer {
  const shared = diffieHellman({ privateKey: priv, publicKey: publicKeyObject(pub) });
  if (shared.every((b) => b === 0)) throw new Error('age: X25519 share is a low-order point');
  return shared;
}

function wrapLines(text: string): string {
  const lines: string[] = text.match(/.{1,64}/g) ?? [];
  if (text.length % 64 === 0) lines.push('');
  return lines.join('\n');
}

function x25519Stanza(recipient: string, fileKey: Uint8Array): string {
  const them = recipientBytes(recipient);
  const ephemeral = generateKeyPairSync('x25519');
  const share = rawPublic(ephemeral.publicKey);
  const wrapKey = hkdf(
    sharedSecret(ephemeral.privateKey, them),
    Buffer.concat([share, them]),
    X25519_INFO,
  );
  const body = chacha(wrapKey, Buffer.alloc(12), fileKey);
  return `-> X25519 ${rawB64(share)}\n${wrapLines(rawB64(body))}\n`;
}

const headerMac = (fileKey: Uint8Array, header: string): Buffer =>
  createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header'))
    .update(header)
    .digest();

function chunkNonce(counter: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(counter, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

function streamSeal(fileKey: Uint8Array, plaintext: Uint8Array): Buffer {
  const nonce = randomBytes(16);
  const key = hkdf(fileKey, nonce, 'payload');
  const count = Math.max(1, Math.ceil(plaintext.length / CHUNK));
  const chunks = Array.from({ length: count }, (_, i) =>
    chacha(key, chunkNonce(i, i === count - 1), plaintext.subarray(i * CHUNK, (i + 1) * CHUNK)),
  );
  return Buffer.concat([nonce, ...chunks]);
}

function streamOpen(fileKey: Uint8Array, payload: Buffer): Buffer {
  const key = hkdf(fileKey, payload.subarray(0, 16), 'payload');
  const body = payload.subarray(16);
  const count = Math.max(1, Math.ceil(body.length / (CHUNK + TAG)));
  const chunks = Array.from({ length: count }, (_, i) => {
    const sealed = body.subarray(i * (CHUNK + TAG), (i + 1) * (CHUNK + TAG));
    return unchacha(key, chunkNonce(i, i === count - 1), sealed);
  });
  return Buffer.concat(chunks);
}

/** Encrypts to every recipient; the binary age file. */
export function ageEncrypt(recipients: readonly string[], plaintext: Uint8Array): Buffer {
  if (recipients.length === 0) throw new Error('age: no recipients');
  const fileKey = randomBytes(16);
  const header = `${INTRO}\n${recipients.map((r) => x25519Stanza(r, fileKey)).join('')}---`;
  const mac = headerMac(fileKey, header);
  return Buffer.concat([Buffer.from(`${header} ${rawB64(mac)}\n`), streamSeal(fileKey, plaintext)]);
}

interface Stanza {
  type: string;
  args: string[];
  body: Buffer;
}

interface Header {
  stanzas: Stanza[];
  /** The header text the MAC covers (up to and including `---`). */
  covered: string;
  mac: Buffer;
  payload: Buffer;
}

function parseHeader(file: Buffer): Header {
  const end = file.indexOf('\n--- ');
  const eol = end < 0 ? -1 : file.indexOf('\n', end + 1);
  if (eol < 0) throw new Error('age: no header MAC line');
  const lines = file.subarray(0, end).toString('latin1').split('\n');
  if (lines[0] !== INTRO) throw new Error('age: not an age v1 file');
  const stanzas: Stanza[] = [];
  for (let i = 1; i < lines.length;) {
    const [arrow, type = '', ...args] = (lines[i] ?? '').split(' ');
    if (arrow !== '->') throw new Error('age: malformed stanza');
    const body: string[] = [];
    let line: string;
    do {
      line = lines[++i] ?? '';
      body.push(line);
    } while (line.length === 64);
    i++;
    stanzas.push({ type, args, body: fromRawB64(body.join('')) });
  }
  return {
    stanzas,
    covered: file.subarray(0, end + 4).toString('latin1'),
    mac: fromRawB64(file.subarray(end + 5, eol).toString('latin1')),
    payload: file.subarray(eol + 1),
  };
}

function unwrapFileKey(stanza: Stanza, priv: KeyObject, ours: Uint8Array): Buffer | undefined {
  if (stanza.type !== 'X25519' || stanza.args.length !== 1 || stanza.body.length !== 32)
    return undefined;
  const share = fromRawB64(stanza.args[0] ?? '');
  const wrapKey = hkdf(sharedSecret(priv, share), Buffer.concat([share, ours]), X25519_INFO);
  try {
    return unchacha(wrapKey, Buffer.alloc(12), stanza.body);
  } catch {
    return undefined;
  }
}

/** Decrypts with the first identity that a stanza was made for; checks the header MAC. */
export function ageDecrypt(identities: readonly string[], file: Buffer): Buffer {
  const header = parseHeader(file);
  for (const identity of identities) {
    const raw = identityBytes(identity);
    const priv = privateKeyObject(raw);
    const ours = rawPublic(createPublicKey(priv));
    for (const stanza of header.stanzas) {
      const fileKey = unwrapFileKey(stanza, priv, ours);
      if (!fileKey) continue;
      const mac = headerMac(fileKey, header.covered);
      if (mac.length !== header.mac.length || !timingSafeEqual(mac, header.mac)) {
        throw new Error('age: header MAC mismatch (the file was changed)');
      }
      return streamOpen(fileKey, header.payload);
    }
  }
  throw new Error(
    'age: no identity matches a recipient of this file (check SOPS_AGE_KEY_FILE / SOPS_AGE_KEY)',
  );
}

/** The ASCII armor sops stores age files in. */
export function armor(file: Uint8Array): string {
  const lines =
    Buffer.from(file)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `${ARMOR_BEGIN}\n${lines.join('\n')}\n${ARMOR_END}\n`;
}

export function dearmor(text: string): Buffer {
  const trimmed = text.trim();
  if (!trimmed.startsWith(ARMOR_BEGIN) || !trimmed.endsWith(ARMOR_END)) {
    throw new Error('age: the data key is not an armored age file');
  }
  const body = trimmed.slice(ARMOR_BEGIN.length, -ARMOR_END.length).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new Error('age: invalid armor base64');
  return Buffer.from(body, 'base64');
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Character code → 6-bit value, 255 for anything outside the base64url alphabet. */
const VALUE = new Uint8Array(128).fill(255);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/** Characters of unpadded base64url for `bytes` bytes. */
export const base64UrlLength = (bytes: number): number => Math.ceil((bytes * 4) / 3);

function sextet(text: string, at: number): number {
  const code = text.charCodeAt(at);
  return code < 128 ? VALUE[code]! : 255;
}

/**
 * Decodes text[from, from + base64UrlLength(out.length)) into `out`: strict unpadded base64url
 * (any other character, or non-zero bits after the last byte, fails). Hand-written because the
 * verifier decodes two fields per message: no substring, no regex, no call into C++.
 */
export function decodeBase64Url(text: string, from: number, out: Uint8Array): boolean {
  const end = from + base64UrlLength(out.length);
  let bits = 0;
  let buffered = 0;
  let written = 0;
  for (let at = from; at < end; at++) {
    const value = sextet(text, at);
    if (value === 255) return false;
    bits = ((bits << 6) | value) & 0xffffff;
    buffered += 6;
    if (buffered >= 8) {
      buffered -= 8;
      out[written++] = (bits >>> buffered) & 0xff;
    }
  }
  // What is left over must be zero padding bits, or two spellings would decode alike.
  return (bits & ((1 << buffered) - 1)) === 0;
}

import { z } from 'zod';
import { HMAC_ALGORITHMS, KEY_BYTES, KEY_ID_PATTERN, KeyRing } from './ring.ts';

const STANDARD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const keyId = z.string().regex(KEY_ID_PATTERN, {
  message: 'must be 1 to 128 printable ASCII characters without spaces',
});

/** Messages are fixed: a zod default message could echo the value, which is a key. */
const key = z
  .string({ message: `must be a string: base64 of exactly ${KEY_BYTES} bytes` })
  .refine((s) => STANDARD_BASE64.test(s) && Buffer.from(s, 'base64').length === KEY_BYTES, {
    message: `must be base64 of exactly ${KEY_BYTES} bytes`,
  });

/** The ring file the HmacKeyRing operator writes into Vault KV and Vault Agent renders. */
export const RingFileSchema = z
  .strictObject({
    algorithm: z.enum(HMAC_ALGORITHMS, { message: `must be one of ${HMAC_ALGORITHMS.join(', ')}` }),
    keyId,
    primary: key,
    secondaryKeyId: keyId.optional(),
    secondary: key.optional(),
  })
  .refine((f) => (f.secondary === undefined) === (f.secondaryKeyId === undefined), {
    message: 'secondary and secondaryKeyId come together (both during a rotation, else neither)',
    path: ['secondary'],
  })
  .refine((f) => f.secondaryKeyId !== f.keyId, {
    message: 'must differ from keyId',
    path: ['secondaryKeyId'],
  });

export type RingFile = z.infer<typeof RingFileSchema>;

export const RING_FILE_FORMAT =
  '{"algorithm":"sha256|sha384|sha512","keyId":"<id>","primary":"<base64 of 32 bytes>"' +
  '[,"secondaryKeyId":"<id>","secondary":"<base64>"]}';

export type RingText = { ok: true; ring: KeyRing } | { ok: false; problem: string };

/** The ring in a file's text, or why it is none, without ever quoting the text (it holds keys). */
export function ringFromText(text: string): RingText {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the error: never pass it on.
    return { ok: false, problem: 'is not JSON' };
  }
  const parsed = RingFileSchema.safeParse(data);
  if (!parsed.success) {
    const problem = parsed.error.issues
      .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
      .join('; ');
    return { ok: false, problem };
  }
  return { ok: true, ring: ringOf(parsed.data) };
}

export function ringOf(file: RingFile): KeyRing {
  const decode = (b64: string) => Buffer.from(b64, 'base64');
  return new KeyRing({
    algorithm: file.algorithm,
    primary: { keyId: file.keyId, key: decode(file.primary) },
    ...(file.secondary !== undefined &&
      file.secondaryKeyId !== undefined && {
        secondary: { keyId: file.secondaryKeyId, key: decode(file.secondary) },
      }),
  });
}

/** Parses ring file text; throws with the source (path, variable) and the fix. */
export function parseRingFile(text: string, source: string): KeyRing {
  const result = ringFromText(text);
  if (result.ok) return result.ring;
  throw new Error(
    `HMAC key file ${source} is not a valid key ring: ${result.problem}. ` +
      `Expected JSON ${RING_FILE_FORMAT}, as the HmacKeyRing operator writes it to Vault ` +
      '(posture hmac keygen --json prints one).',
  );
}

import { z } from 'zod';
import { HMAC_ALGORITHMS, MAC_BYTES } from '../hmac/ring.ts';
import type { Parsed } from './digests.ts';

const STANDARD_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The detached signature of a digests.json: which key, which hash, the MAC in base64. */
export const SignatureFileSchema = z
  .strictObject({
    keyId: z.string().min(1).max(128),
    algorithm: z.enum(HMAC_ALGORITHMS, { message: `must be one of ${HMAC_ALGORITHMS.join(', ')}` }),
    signature: z.string().regex(STANDARD_BASE64, { message: 'must be base64' }),
  })
  .refine((s) => Buffer.from(s.signature, 'base64').length === MAC_BYTES[s.algorithm], {
    message: 'is not as long as a MAC of its algorithm',
    path: ['signature'],
  });

export type SignatureFile = z.infer<typeof SignatureFileSchema>;

export function parseSignatureFile(text: string): Parsed<SignatureFile> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'is not JSON' };
  }
  const parsed = SignatureFileSchema.safeParse(data);
  if (parsed.success) return { ok: true, value: parsed.data };
  const problem = parsed.error.issues
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  return { ok: false, problem };
}

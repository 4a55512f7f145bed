import { z } from 'zod';
import { HMAC_ALGORITHMS } from '../../api/hmackeyring/schema.ts';

const key = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'base64 of 32 bytes');

/**
 * The ring as it lives in Vault KV v2 at spec.vaultPath, one version per step of a rotation; each
 * member's Vault Agent renders all of it as one JSON file (src/hmac reads that file).
 */
export const RingDataSchema = z.object({
  algorithm: z.enum(HMAC_ALGORITHMS),
  keyId: z.string().min(1).max(128),
  primary: key,
  secondaryKeyId: z.string().min(1).max(128).optional(),
  secondary: key.optional(),
});
export type RingData = z.infer<typeof RingDataSchema>;

/** Ids name the ring and the KV version that introduced the key: stable, never random. */
export function keyIdOf(ring: string, version: number): string {
  return `${ring}-${version}`;
}

/** As Vault KV stores it: strings only, optional fields left out. */
export function kvFields(data: RingData): Record<string, string> {
  return Object.fromEntries(
    Object.entries(data).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

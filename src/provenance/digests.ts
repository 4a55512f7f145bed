import { isRecord } from '../lib/json.ts';

/** A pinned image digest: sha256 and 64 lowercase hex digits, nothing a registry can move. */
export const PINNED_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The release manifest: image → digest. */
export type Digests = Record<string, string>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const IMAGE = /^[^\s@]+$/;
// Every JSON string token; outside strings valid JSON has no quote, so this finds them all.
const STRING_TOKEN = /"(?:[^"\\]|\\.)*"/g;

function problemOf(image: string, digest: unknown): string | undefined {
  if (!IMAGE.test(image)) {
    return `image ${JSON.stringify(image)} is not an image name (no spaces; the digest goes in the value, not after @)`;
  }
  if (typeof digest !== 'string' || !PINNED_DIGEST.test(digest)) {
    return `image ${image} is not pinned: its digest must be sha256: and 64 lowercase hex digits, got ${JSON.stringify(digest)}`;
  }
  return undefined;
}

/**
 * Reads digests.json, failing closed: a JSON object of at least one image, each with a pinned
 * digest, and no image twice (JSON.parse keeps the last duplicate, so a signed file could hide
 * a second digest for the same image from another reader).
 */
export function parseDigests(text: string): Parsed<Digests> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `is not JSON (${(error as Error).message})` };
  }
  if (!isRecord(data)) return { ok: false, problem: 'must be a JSON object of image → digest' };
  const entries = Object.entries(data);
  if (entries.length === 0) return { ok: false, problem: 'lists no images' };
  const problems = entries.flatMap(([image, digest]) => problemOf(image, digest) ?? []);
  if (problems.length > 0) return { ok: false, problem: problems.join('; ') };
  if ((text.match(STRING_TOKEN) ?? []).length !== entries.length * 2) {
    return { ok: false, problem: 'names an image more than once' };
  }
  return { ok: true, value: data as Digests };
}

import { createHash } from 'node:crypto';
import { canonicalJson, isRecord } from '../../lib/json.ts';
import type { KubeClient } from './client.ts';
import type { Resource } from './resources.ts';
import type { KubeObject } from './types.ts';

/**
 * Hash of the last applied desired object. With it, a field that posture stopped declaring
 * still triggers an apply (server-side apply then removes it), which a subset check alone
 * could not see.
 */
export const APPLIED_HASH_ANNOTATION = 'posture.dev/applied-hash';

export function appliedHash(desired: KubeObject): string {
  const annotations = { ...desired.metadata.annotations };
  delete annotations[APPLIED_HASH_ANNOTATION];
  const body = { ...desired, metadata: { ...desired.metadata, annotations } };
  return createHash('sha256').update(canonicalJson(body)).digest('hex').slice(0, 16);
}

/** The desired object carrying the hash of itself in APPLIED_HASH_ANNOTATION. */
export function withAppliedHash<T extends KubeObject>(desired: T): T {
  const annotations = {
    ...desired.metadata.annotations,
    [APPLIED_HASH_ANNOTATION]: appliedHash(desired),
  };
  return { ...desired, metadata: { ...desired.metadata, annotations } };
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isRecord(value) && Object.keys(value).length === 0;
}

function arraySubset(desired: unknown[], live: unknown): boolean {
  if (!Array.isArray(live)) return desired.length === 0 && isEmpty(live);
  return desired.length === live.length && desired.every((item, i) => isSubset(item, live[i]));
}

function recordSubset(desired: Record<string, unknown>, live: unknown): boolean {
  if (!isRecord(live)) return isEmpty(desired) && isEmpty(live);
  return Object.entries(desired).every(([key, value]) => isSubset(value, live[key]));
}

/**
 * True when every field `desired` sets has the same value in `live`. Fields only in `live`
 * (defaults, other managers, status) are ignored; lists must have the same length.
 */
export function isSubset(desired: unknown, live: unknown): boolean {
  if (desired === undefined || desired === null) return true;
  if (Array.isArray(desired)) return arraySubset(desired, live);
  if (isRecord(desired)) return recordSubset(desired, live);
  return desired === live;
}

/** Whether applying `desired` (with its hash annotation) could change `live`. */
export function needsApply(desired: KubeObject, live: KubeObject | undefined): boolean {
  if (!live) return true;
  const want = desired.metadata.annotations?.[APPLIED_HASH_ANNOTATION];
  if (!want || live.metadata.annotations?.[APPLIED_HASH_ANNOTATION] !== want) return true;
  return !isSubset(desired, live);
}

export interface ApplyResult<T extends KubeObject> {
  applied: boolean;
  object: T;
}

/**
 * Server-side applies `desired` only when it differs from `live` (usually the informer's
 * cached copy), so a resync that finds nothing to change sends no request at all.
 */
export async function applyIfChanged<T extends KubeObject>(
  client: Pick<KubeClient, 'apply'>,
  resource: Resource,
  desired: T,
  live: T | undefined,
): Promise<ApplyResult<T>> {
  const stamped = withAppliedHash(desired);
  if (live && !needsApply(stamped, live)) return { applied: false, object: live };
  return { applied: true, object: await client.apply<T>(resource, stamped) };
}

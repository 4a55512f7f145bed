import type { Status } from './types.ts';

/** An apiserver answer other than success, or no answer in time (code 0, reason Timeout). */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;

  constructor(what: string, code: number, status: Status | undefined) {
    const reason = status?.reason ?? (code === 0 ? 'Timeout' : 'Unknown');
    super(`${what}: ${code} ${reason}: ${status?.message ?? 'no message'}`);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
  }
}

function hasCode(error: unknown, code: number): boolean {
  return error instanceof KubeApiError && error.code === code;
}

export const isNotFound = (error: unknown): boolean => hasCode(error, 404);
export const isConflict = (error: unknown): boolean => hasCode(error, 409);
/** 410 Gone: the resourceVersion is older than what etcd still keeps. */
export const isGone = (error: unknown): boolean => hasCode(error, 410);

/**
 * The object itself is wrong: retrying cannot help. Server-side apply reports a field
 * outside the schema as a 500 "failed to create typed patch object", not a 4xx.
 */
export function isInvalid(error: unknown): boolean {
  if (!(error instanceof KubeApiError)) return false;
  if (error.code === 400 || error.code === 422) return true;
  return error.code === 500 && error.message.includes('failed to create typed patch object');
}

/** Errors worth retrying: no answer, throttling, server errors (but not an invalid object). */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof KubeApiError)) return true;
  if (isInvalid(error)) return false;
  return error.code === 0 || error.code === 429 || error.code >= 500;
}

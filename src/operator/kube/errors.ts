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

/** Errors worth retrying: no answer, throttling, server errors. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof KubeApiError)) return true;
  return error.code === 0 || error.code === 429 || error.code >= 500;
}

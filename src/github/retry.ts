import { GitHubRateLimitedError } from './errors.ts';

/**
 * GitHub's rate limits (docs: "Rate limits for the REST API"): a secondary limit answers 403 or
 * 429 with `retry-after` (seconds); a spent primary limit answers 403/429 with
 * `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch seconds); a 429 with neither means
 * "wait at least a minute". Any other 403 is a permission problem and is never retried.
 */

export type Headers = Readonly<Record<string, string | number | undefined>>;

const MINUTE_MS = 60_000;

/** How long GitHub asks us to wait before retrying, in ms; undefined when not a rate limit. */
export function rateLimitWait(status: number, headers: Headers, nowMs: number): number | undefined {
  if (status !== 403 && status !== 429) return undefined;
  const retryAfter = Number(headers['retry-after']);
  if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter)) {
    return Math.max(0, retryAfter) * 1000;
  }
  const reset = Number(headers['x-ratelimit-reset']);
  if (String(headers['x-ratelimit-remaining']) === '0' && Number.isFinite(reset)) {
    return Math.max(0, reset * 1000 - nowMs);
  }
  return status === 429 ? MINUTE_MS : undefined;
}

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** Longest wait we accept; a longer ask fails at once rather than hang a CI job. */
  maxWaitMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 3,
  maxWaitMs: 120_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

interface HttpFailure {
  status: number;
  response?: { headers: Headers };
}

function httpFailure(error: unknown): HttpFailure | undefined {
  const e = error as Partial<HttpFailure> | undefined;
  return typeof e?.status === 'number' ? (e as HttpFailure) : undefined;
}

/**
 * Runs attempt, retrying while GitHub answers with a rate limit, waiting what it asks. Each
 * wait is checked against the cap before sleeping.
 */
export async function withRateLimitRetry<T>(
  what: string,
  attempt: () => Promise<T>,
  policy: RetryPolicy,
): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const failure = httpFailure(error);
      if (!failure) throw error;
      const wait = rateLimitWait(failure.status, failure.response?.headers ?? {}, policy.now());
      if (wait === undefined) throw error;
      if (tries >= policy.retries) {
        throw new GitHubRateLimitedError(
          `${what}: GitHub still rate-limits after ${policy.retries} retries; try again later`,
        );
      }
      if (wait > policy.maxWaitMs) {
        throw new GitHubRateLimitedError(
          `${what}: GitHub asks to wait ${Math.ceil(wait / 1000)} s, more than the ` +
            `${policy.maxWaitMs / 1000} s posture waits; try again later`,
        );
      }
      await policy.sleep(wait);
    }
  }
}

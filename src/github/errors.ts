import { isRecord } from '../lib/json.ts';

/**
 * GitHub refused a request (422 Unprocessable Entity, or another 4xx): the message names what
 * was asked and GitHub's reasons, taken from its error body (`message`, `errors[]`), so the
 * person reading it can act without a debugger.
 */
export class GitHubRefusedError extends Error {
  readonly status: number;
  readonly reasons: string[];
  constructor(action: string, status: number, reasons: string[]) {
    super(`GitHub refused to ${action} (HTTP ${status}): ${reasons.join('; ')}`);
    this.name = 'GitHubRefusedError';
    this.status = status;
    this.reasons = reasons;
  }
}

/** GitHub asked to wait longer than we are willing to, or kept limiting after every retry. */
export class GitHubRateLimitedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitHubRateLimitedError';
  }
}

/** One readable reason per entry of a GitHub error body's `errors` (strings or objects). */
function errorReason(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  if (!isRecord(entry)) return JSON.stringify(entry);
  if (typeof entry['message'] === 'string') return entry['message'];
  const parts = [entry['resource'], entry['field'], entry['code']].filter(
    (p): p is string => typeof p === 'string',
  );
  return parts.join(' ');
}

/** The reasons in a GitHub error body: its message, then each of its errors. */
export function errorReasons(body: unknown): string[] {
  if (typeof body === 'string' && body !== '') return [body];
  if (!isRecord(body)) return ['no error body'];
  const reasons = typeof body['message'] === 'string' ? [body['message']] : [];
  const errors = Array.isArray(body['errors']) ? body['errors'] : [];
  reasons.push(...errors.map(errorReason));
  return reasons.length > 0 ? reasons : [JSON.stringify(body)];
}

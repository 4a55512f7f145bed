import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GitHubRateLimitedError } from './errors.ts';
import { rateLimitWait, withRateLimitRetry, type Headers } from './retry.ts';

const NOW = 1_700_000_000_000;

describe('rateLimitWait', () => {
  const cases: { name: string; status: number; headers: Headers; expected: number | undefined }[] =
    [
      {
        name: 'waits retry-after seconds on a secondary limit (403)',
        status: 403,
        headers: { 'retry-after': '1' },
        expected: 1000,
      },
      {
        name: 'waits retry-after on a 429',
        status: 429,
        headers: { 'retry-after': '30' },
        expected: 30_000,
      },
      {
        name: 'waits until the reset of a spent primary limit',
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 42) },
        expected: 42_000,
      },
      {
        name: 'waits no time when the reset is past',
        status: 429,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 - 5) },
        expected: 0,
      },
      { name: 'waits a minute on a bare 429', status: 429, headers: {}, expected: 60_000 },
      {
        name: 'never retries a 403 that is a permission problem',
        status: 403,
        headers: {},
        expected: undefined,
      },
      {
        name: 'never retries a 403 with requests left',
        status: 403,
        headers: { 'x-ratelimit-remaining': '12', 'x-ratelimit-reset': String(NOW / 1000 + 9) },
        expected: undefined,
      },
      {
        name: 'never retries a 422',
        status: 422,
        headers: { 'retry-after': '1' },
        expected: undefined,
      },
    ];
  for (const c of cases) {
    it(`${c.name}`, () => assert.equal(rateLimitWait(c.status, c.headers, NOW), c.expected));
  }
});

function failure(status: number, headers: Headers) {
  return Object.assign(new Error(`HTTP ${status}`), { status, response: { headers } });
}

describe('withRateLimitRetry', () => {
  const policy = (sleeps: number[]) => ({
    retries: 2,
    maxWaitMs: 10_000,
    now: () => NOW,
    sleep: (ms: number) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });

  it('retries after the wait GitHub asked for and returns the answer', async () => {
    const sleeps: number[] = [];
    const answers = [failure(429, { 'retry-after': '2' }), 'ok'];
    const result = await withRateLimitRetry(
      'GET /x',
      () => {
        const next = answers.shift();
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
      },
      policy(sleeps),
    );
    assert.equal(result, 'ok');
    assert.deepEqual(sleeps, [2000]);
  });

  it('gives up after its retries, saying so', async () => {
    const sleeps: number[] = [];
    await assert.rejects(
      withRateLimitRetry(
        'GET /x',
        () => Promise.reject(failure(403, { 'retry-after': '1' })),
        policy(sleeps),
      ),
      (error: Error) =>
        error instanceof GitHubRateLimitedError &&
        /GET \/x: GitHub still rate-limits after 2 retries/.test(error.message),
    );
    assert.deepEqual(sleeps, [1000, 1000]);
  });

  it('passes any other failure through at once', async () => {
    const sleeps: number[] = [];
    const refused = failure(422, {});
    await assert.rejects(
      withRateLimitRetry('POST /x', () => Promise.reject(refused), policy(sleeps)),
      refused,
    );
    assert.deepEqual(sleeps, []);
  });
});

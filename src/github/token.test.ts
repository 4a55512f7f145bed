import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errorReasons } from './errors.ts';
import { apiBaseUrl, resolveToken } from './token.ts';

const files: Record<string, string> = { '/t': '  from-file \n', '/empty': '\n' };
const read = (path: string) => {
  const text = files[path];
  if (text === undefined) throw new Error('ENOENT: no such file');
  return text;
};

describe('resolveToken', () => {
  it('prefers --token-file, trimmed, over the environment', () => {
    assert.equal(resolveToken({ GITHUB_TOKEN: 'env' }, '/t', read), 'from-file');
  });
  it('takes GITHUB_TOKEN before GH_TOKEN', () => {
    assert.equal(resolveToken({ GITHUB_TOKEN: 'a', GH_TOKEN: 'b' }, undefined, read), 'a');
    assert.equal(resolveToken({ GITHUB_TOKEN: ' ', GH_TOKEN: 'b' }, undefined, read), 'b');
  });
  it('has no token when nothing gives one', () => {
    assert.equal(resolveToken({}, undefined, read), undefined);
  });
  it('refuses an empty or unreadable token file, naming it', () => {
    assert.throws(() => resolveToken({}, '/empty', read), /--token-file \/empty is empty/);
    assert.throws(
      () => resolveToken({}, '/nope', read),
      /--token-file \/nope cannot be read: ENOENT/,
    );
  });
});

describe('apiBaseUrl', () => {
  const cases: [string | undefined, string][] = [
    [undefined, 'https://api.github.com'],
    ['https://api.github.com/', 'https://api.github.com'],
    ['https://github.example.com', 'https://github.example.com/api/v3'],
    ['https://github.example.com/api/v3/', 'https://github.example.com/api/v3'],
    ['http://127.0.0.1:8080/prefix', 'http://127.0.0.1:8080/prefix'],
  ];
  for (const [given, expected] of cases) {
    it(`takes ${given ?? 'nothing'} as ${expected}`, () =>
      assert.equal(apiBaseUrl(given), expected));
  }
});

describe('errorReasons', () => {
  it('reads the message and every error of a 422 body', () => {
    const body = {
      message: 'Validation Failed',
      errors: [
        {
          resource: 'PullRequest',
          code: 'custom',
          message: 'A pull request already exists for a:b.',
        },
        { resource: 'PullRequest', field: 'head', code: 'invalid' },
        'plain text',
      ],
      documentation_url: 'https://docs.github.com/rest',
    };
    assert.deepEqual(errorReasons(body), [
      'Validation Failed',
      'A pull request already exists for a:b.',
      'PullRequest head invalid',
      'plain text',
    ]);
  });
  it('says when there is no body', () =>
    assert.deepEqual(errorReasons(undefined), ['no error body']));
});

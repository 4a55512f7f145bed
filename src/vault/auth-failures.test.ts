import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authFailureOf, VaultRequestError, VaultUnavailableError } from './errors.ts';

describe('Vault auth failures (posture_vault_auth_failures_total)', () => {
  const refused = (status: number) => new VaultRequestError('GET sys/policy/x', status, 'refused');
  const cases: [string, unknown, boolean, string | undefined][] = [
    [
      'should count a 403 on a request as permission_denied',
      refused(403),
      false,
      'permission_denied',
    ],
    ['should count any refusal of a login as login', refused(400), true, 'login'],
    [
      'should not count a 400 on a request (a bad request, not auth)',
      refused(400),
      false,
      undefined,
    ],
    [
      'should not count Vault being down, even on login',
      new VaultUnavailableError('login', 'ECONNREFUSED'),
      true,
      undefined,
    ],
  ];
  for (const [name, error, login, want] of cases)
    it(name, () => assert.equal(authFailureOf(error, login), want));
});

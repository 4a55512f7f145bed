import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyVaultAnswer,
  classifyVaultError,
  vaultErrorsText,
  VaultRequestError,
  VaultUnavailableError,
} from './errors.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('Vault answers that are not success', () => {
  const cases: [string, number, typeof VaultRequestError | typeof VaultUnavailableError][] = [
    ['should call a sealed Vault (503) unavailable', 503, VaultUnavailableError],
    ['should call an internal error (500) unavailable', 500, VaultUnavailableError],
    ['should call rate limiting (429) unavailable', 429, VaultUnavailableError],
    ['should call replication lag (412) unavailable', 412, VaultUnavailableError],
    ['should call a redirect it could not follow (307) unavailable', 307, VaultUnavailableError],
    ['should call permission denied (403) a refusal', 403, VaultRequestError],
    ['should call a bad request (400) a refusal', 400, VaultRequestError],
    ['should call a not found where one was not expected (404) a refusal', 404, VaultRequestError],
  ];
  for (const [name, status, type] of cases)
    it(name, () => assert.ok(classifyVaultAnswer('GET x', status, 'no') instanceof type));

  it('should keep the status of a refusal, and name the call and the detail', () => {
    const error = classifyVaultAnswer('GET sys/policies/acl/p', 403, 'permission denied');
    assert.ok(error instanceof VaultRequestError);
    assert.equal(error.status, 403);
    assert.equal(error.message, 'vault GET sys/policies/acl/p: 403: permission denied');
  });

  it('should put the status of an unavailable Vault in the message', () => {
    assert.equal(
      classifyVaultAnswer('GET x', 503, 'Vault is sealed').message,
      'vault GET x: unavailable: 503: Vault is sealed',
    );
  });
});

describe("The detail of Vault's error answers", () => {
  const cases: [string, string, string][] = [
    [
      'should take the one entry of errors',
      '{"errors":["permission denied"]}',
      'permission denied',
    ],
    ['should join several entries of errors', '{"errors":["a","b"]}', 'a; b'],
    ['should name the status when errors is empty', '{"errors":[]}', 'Status 404'],
    ['should name the status when there is no body', '', 'Status 404'],
    ['should quote the start of a body that is not JSON', '<html>bad gateway', '<html>bad gateway'],
  ];
  for (const [name, body, want] of cases)
    it(name, () => assert.equal(vaultErrorsText(404, body), want));
});

describe('Vault requests that got no answer', () => {
  const cases: [string, unknown, RegExp][] = [
    [
      'should lead with the code of a refused connection',
      withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'),
      /unavailable: ECONNREFUSED: connect/,
    ],
    [
      'should lead with the code of a failed name lookup',
      withCode('getaddrinfo ENOTFOUND v', 'ENOTFOUND'),
      /unavailable: ENOTFOUND: /,
    ],
    [
      'should lead with the code of a headers deadline',
      withCode('Headers Timeout Error', 'UND_ERR_HEADERS_TIMEOUT'),
      /unavailable: UND_ERR_HEADERS_TIMEOUT: /,
    ],
    [
      'should lead with the code of a connect deadline',
      withCode('Connect Timeout Error', 'UND_ERR_CONNECT_TIMEOUT'),
      /unavailable: UND_ERR_CONNECT_TIMEOUT: /,
    ],
    [
      'should lead with the code of a connection closed under the request',
      withCode('other side closed', 'UND_ERR_SOCKET'),
      /unavailable: UND_ERR_SOCKET: other side closed/,
    ],
    [
      'should keep only the message of an error with an unknown code',
      withCode('odd', 'EODD'),
      /unavailable: odd$/,
    ],
    [
      'should call an unknown error unavailable, never a conclusion',
      new Error('weird'),
      /unavailable: weird$/,
    ],
    ['should call a thrown string unavailable', 'boom', /^vault GET x: unavailable: boom$/],
  ];
  for (const [name, error, message] of cases)
    it(name, () => {
      const classified = classifyVaultError('GET x', error);
      assert.ok(classified instanceof VaultUnavailableError);
      assert.match(classified.message, message);
    });

  it('should pass an already classified error through unchanged', () => {
    const refused = new VaultRequestError('POST auth/k/login', 403, 'denied');
    assert.equal(classifyVaultError('GET x', refused), refused);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planPush, pushSource, targetPath, type PushPlan } from './push-plan.ts';
import { vaultAccess } from './vault-push.ts';

describe('vault push: check-and-set plan', () => {
  const values = { password: 'p', user: 'u' };
  const cases: [string, Parameters<typeof planPush>, PushPlan | RegExp][] = [
    [
      'creates an absent secret only if it is still absent',
      [{ version: 0 }, values, {}],
      { write: true, cas: 0 },
    ],
    [
      'writes over a deleted version only if no version came since',
      [{ version: 4 }, values, {}],
      { write: true, cas: 4 },
    ],
    [
      'writes nothing when Vault already holds the same data',
      [{ version: 2, data: { user: 'u', password: 'p' } }, values, {}],
      { write: false, version: 2 },
    ],
    [
      'refuses to replace different data without --force',
      [{ version: 2, data: { password: 'old' } }, values, {}],
      /holds different data \(keys password\); pass --force/,
    ],
    [
      'replaces different data with --force, still by check-and-set',
      [{ version: 2, data: { password: 'old' } }, values, { force: true }],
      { write: true, cas: 2 },
    ],
    [
      'refuses when --cas names another version than the current',
      [{ version: 3, data: { password: 'old' } }, values, { cas: 2 }],
      /--cas 2 but the current version is 3/,
    ],
    [
      'writes with --cas naming the current version',
      [{ version: 3, data: { password: 'old' } }, values, { cas: 3 }],
      { write: true, cas: 3 },
    ],
    [
      'treats a key that went away as different data',
      [{ version: 1, data: { ...values, extra: 'x' } }, values, {}],
      /holds different data/,
    ],
  ];
  for (const [name, args, want] of cases)
    it(name, () => {
      const plan = planPush(...args);
      if (want instanceof RegExp) assert.match('refused' in plan ? plan.refused : '', want);
      else assert.deepEqual(plan, want);
    });
});

describe('vault push: what a decrypted file holds', () => {
  it('takes data (base64) and stringData of a Secret, stringData winning, and its annotation', () => {
    const source = pushSource(`apiVersion: v1
kind: Secret
metadata:
  name: db
  annotations:
    posture.dev/vault-path: secret/titan/db
data:
  token: aGVsbG8=
  password: b2xk
stringData:
  password: new
`);
    assert.deepEqual(source, {
      values: { token: 'hello', password: 'new' },
      annotatedPath: 'secret/titan/db',
    });
  });
  it('refuses binary data, which Vault KV would not give back unchanged', () => {
    assert.throws(
      () => pushSource('apiVersion: v1\nkind: Secret\ndata:\n  key: /w==\n'),
      /data.key is not base64 of UTF-8 text/,
    );
  });
  it('takes the top-level scalars of a values file and refuses a nested one', () => {
    assert.deepEqual(pushSource('a: x\nport: 5432\n').values, { a: 'x', port: '5432' });
    assert.throws(() => pushSource('db:\n  password: x\n'), /db is not a scalar/);
  });
  it('refuses a file with nothing to push', () => {
    assert.throws(
      () => pushSource('apiVersion: v1\nkind: Secret\nmetadata: {name: x}\n'),
      /holds no values/,
    );
  });
});

describe('vault push: where and how it writes', () => {
  it('refuses a --path that contradicts the annotation', () => {
    assert.throws(
      () => targetPath('secret/a/b', 'secret/a/c'),
      /differs from the Secret's posture.dev\/vault-path/,
    );
  });
  it('asks for a path when neither --path nor the annotation gives one', () => {
    assert.throws(() => targetPath(undefined, undefined), /pass --path/);
  });
  const access: [string, string, RegExp | undefined][] = [
    ['accepts https anywhere', 'https://vault.example:8200', undefined],
    ['accepts http on loopback (a dev server)', 'http://127.0.0.1:8200', undefined],
    [
      'refuses http to another host: the token would travel in clear',
      'http://vault.example:8200',
      /use https/,
    ],
  ];
  for (const [name, address, refused] of access)
    it(name, () => {
      const run = () => vaultAccess({ vaultAddr: address }, { VAULT_TOKEN: 't' });
      if (refused) assert.throws(run, refused);
      else assert.equal(run().address, address);
    });
  it('asks for a token when there is none', () => {
    assert.throws(() => vaultAccess({ vaultAddr: 'https://v' }, {}), /set VAULT_TOKEN/);
  });
});

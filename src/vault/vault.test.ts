import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { kubernetesLogin, tokenFile } from './auth.ts';
import { vaultContract } from './contract.ts';
import { VaultRequestError, VaultUnavailableError } from './errors.ts';
import { FakeVault } from './fake.ts';
import { currentVersionAgeSeconds, kvPaths } from './kv.ts';
import { scratchDir } from '../lib/testing/scratch.ts';

vaultContract('FakeVault', () => new FakeVault());

describe('KV v2 paths', () => {
  it('should split the mount from the path', () => {
    assert.deepEqual(kvPaths('secret/titan/hmac/signals'), {
      mount: 'secret',
      path: 'titan/hmac/signals',
      data: 'secret/data/titan/hmac/signals',
      metadata: 'secret/metadata/titan/hmac/signals',
    });
  });
  for (const bad of ['secret', 'secret/../sys', 'secret/a b', '']) {
    it(`should refuse ${JSON.stringify(bad)}`, () =>
      assert.throws(() => kvPaths(bad), /must be <mount>\/<path>/));
  }
  it('should age a key by the creation time of its current version', () => {
    const metadata = {
      currentVersion: 2,
      createdTime: '2025-01-01T00:00:00Z',
      updatedTime: '2025-01-10T00:00:00Z',
      versions: {
        1: { createdTime: '2025-01-01T00:00:00Z', deletionTime: '', destroyed: false },
        2: { createdTime: '2025-01-10T00:00:00Z', deletionTime: '', destroyed: false },
      },
    };
    assert.equal(currentVersionAgeSeconds(metadata, Date.parse('2025-01-11T00:00:00Z')), 86_400);
  });
});

describe('fake Vault', () => {
  it('should fail every call as unavailable when down', async () => {
    const vault = new FakeVault();
    vault.available = false;
    await assert.rejects(vault.readPolicy('x'), VaultUnavailableError);
  });
  it('should log in only the bound ServiceAccount', async () => {
    const vault = new FakeVault();
    await vault.write({
      path: 'auth/kubernetes/role/brain',
      body: {
        bound_service_account_names: ['brain'],
        bound_service_account_namespaces: ['titan'],
        token_policies: ['p'],
      },
    });
    const login = await vault.kubernetesLogin('kubernetes', 'brain', 'titan/brain');
    assert.deepEqual(login.policies, ['default', 'p']);
    await assert.rejects(
      vault.kubernetesLogin('kubernetes', 'brain', 'titan/hunter'),
      VaultRequestError,
    );
  });
});

describe('Kubernetes login token source', () => {
  it('should log in once, share the login, and log in again after two thirds of the lease', async () => {
    const dir = scratchDir('posture-jwt-');
    writeFileSync(join(dir, 'token'), 'jwt-1\n');
    let now = 0;
    const logins: string[] = [];
    const source = kubernetesLogin({
      role: 'posture',
      jwtFile: join(dir, 'token'),
      now: () => now,
      login: (_mount, _role, jwt) => {
        logins.push(jwt);
        return Promise.resolve({ token: `t${logins.length}`, leaseDurationSeconds: 30 });
      },
    });
    assert.deepEqual(await Promise.all([source(), source()]), ['t1', 't1']);
    now = 19_999;
    assert.equal(await source(), 't1');
    now = 20_000;
    assert.equal(await source(), 't2');
    assert.deepEqual(logins, ['jwt-1', 'jwt-1']);
  });
});

describe('token file source', () => {
  it('should read the file once, share the read, and read it again after maxAgeMs', async () => {
    const dir = scratchDir('posture-token-');
    const file = join(dir, 'token');
    writeFileSync(file, 'hvs.one\n');
    let now = 0;
    const source = tokenFile(file, { maxAgeMs: 10_000, now: () => now });
    assert.deepEqual(await Promise.all([source(), source()]), ['hvs.one', 'hvs.one']);
    writeFileSync(file, 'hvs.two\n');
    now = 9_999;
    assert.equal(await source(), 'hvs.one', 'reused within maxAgeMs');
    now = 10_000;
    assert.equal(await source(), 'hvs.two', 'the rotated token after maxAgeMs');
  });

  it('should fail while the file is missing and recover once it appears', async () => {
    const file = join(scratchDir('posture-token-'), 'token');
    const source = tokenFile(file);
    await assert.rejects(source(), /ENOENT/);
    writeFileSync(file, 'hvs.late');
    assert.equal(await source(), 'hvs.late');
  });
});

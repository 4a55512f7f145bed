/**
 * `posture vault push` against the real Vault dev server: a Secret sealed by `posture seal` lands
 * in KV v2 with the values it held, read back from Vault; pushing it again writes nothing; a
 * change made meanwhile is not overwritten without --force; a tampered file and a plaintext file
 * push nothing; no value ever reaches stdout or stderr.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateAgeKeyPair } from '../../src/gitops/agekey.ts';
import { staticToken } from '../../src/vault/auth.ts';
import { HttpVaultAdapter } from '../../src/vault/http.ts';
import type { RunResult } from '../support/env.ts';
import { testEnv } from '../support/env.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

const root = join(import.meta.dirname, '../..');
const vaultInfo = testEnv().vault;
if (!vaultInfo) throw new Error('the test environment has no Vault: start it with vault enabled');
const vault = new HttpVaultAdapter({
  address: vaultInfo.addr,
  token: staticToken(vaultInfo.token),
});
const prefix = `secret/push-${randomBytes(3).toString('hex')}`;
const PASSWORD = 'hunter2-correct-horse';
const TOKEN = 'hello world';

const secret = (path: string, password = PASSWORD) => `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: titan
  annotations:
    posture.dev/vault-path: ${path}
type: Opaque
data:
  token: ${Buffer.from(TOKEN).toString('base64')}
stringData:
  password: ${password}
`;

describe('posture vault push against Vault dev', () => {
  const dir = scratchDir('posture-push-');
  const keys = generateAgeKeyPair();
  const keyFile = join(dir, 'keys.txt');
  writeFileSync(keyFile, `${keys.identity}\n`, { mode: 0o600 });
  writeFileSync(join(dir, '.sops.yaml'), `creation_rules:\n  - age: ${keys.recipient}\n`);
  mkdirSync(join(dir, 'secrets'));

  const posture = async (args: string[]): Promise<RunResult> => {
    const env = {
      ...process.env,
      SOPS_AGE_KEY: '',
      SOPS_AGE_KEY_FILE: keyFile,
      VAULT_ADDR: vaultInfo.addr,
      VAULT_TOKEN: vaultInfo.token,
    };
    const result = await new Promise<RunResult>((resolve) => {
      const cli = [join(root, 'src/cli/main.ts'), ...args];
      execFile(process.execPath, cli, { cwd: dir, env }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    // Whatever happens, no value is ever printed.
    assert.doesNotMatch(
      result.stdout + result.stderr,
      /hunter2|hello world|aGVsbG8|changed-elsewhere/,
    );
    return result;
  };
  const sealed = async (name: string, text: string): Promise<string> => {
    const file = `secrets/${name}.yaml`;
    writeFileSync(join(dir, file), text);
    const result = await posture(['seal', '-i', file]);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(readFileSync(join(dir, file), 'utf8'), /hunter2/);
    return file;
  };

  it('pushes a sealed Secret to the path its annotation names, read back from Vault', async () => {
    const path = `${prefix}/db`;
    const file = await sealed('db', secret(path));
    const pushed = await posture(['vault', 'push', file]);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(pushed.stdout, `${path}: wrote version 1 (keys password, token)\n`);
    const stored = await vault.kvRead(path);
    assert.deepEqual(stored?.data, { password: PASSWORD, token: TOKEN });
  });

  it('writes nothing when Vault already holds the same values', async () => {
    const path = `${prefix}/db`;
    const again = await posture(['vault', 'push', 'secrets/db.yaml']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, `${path}: unchanged at version 1 (keys password, token)\n`);
    assert.equal((await vault.kvMetadata(path))?.currentVersion, 1);
  });

  it('does not overwrite a change made in Vault meanwhile unless --force', async () => {
    const path = `${prefix}/db`;
    await vault.kvWrite(path, { password: 'changed-elsewhere' });
    const refused = await posture(['vault', 'push', 'secrets/db.yaml']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /version 2 holds different data \(keys password\); pass --force/);
    assert.deepEqual((await vault.kvRead(path))?.data, { password: 'changed-elsewhere' });
    const wrongCas = await posture(['vault', 'push', 'secrets/db.yaml', '--cas', '1']);
    assert.equal(wrongCas.code, 1);
    assert.match(wrongCas.stderr, /--cas 1 but the current version is 2; nothing was written/);
    const forced = await posture(['vault', 'push', 'secrets/db.yaml', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout, `${path}: wrote version 3 (keys password, token)\n`);
    assert.deepEqual((await vault.kvRead(path))?.data, { password: PASSWORD, token: TOKEN });
  });

  it('pushes nothing from a tampered file (one flipped byte of a value)', async () => {
    const path = `${prefix}/tampered`;
    const file = await sealed('tampered', secret(path));
    const text = readFileSync(join(dir, file), 'utf8');
    const flipped = text.replace(
      /(password: ENC\[AES256_GCM,data:)(.)/,
      (_, head: string, c: string) => `${head}${c === 'A' ? 'B' : 'A'}`,
    );
    assert.notEqual(flipped, text);
    writeFileSync(join(dir, file), flipped);
    const pushed = await posture(['vault', 'push', file]);
    assert.equal(pushed.code, 1);
    assert.match(pushed.stderr, /MAC mismatch|does not decrypt|authenticate/i);
    assert.equal(await vault.kvMetadata(path), undefined);
  });

  it('pushes nothing when the path annotation was changed after sealing (it is in the MAC)', async () => {
    const path = `${prefix}/sealed-path`;
    const file = await sealed('redirected', secret(path));
    const text = readFileSync(join(dir, file), 'utf8');
    writeFileSync(join(dir, file), text.replace(path, `${prefix}/elsewhere`));
    const pushed = await posture(['vault', 'push', file]);
    assert.equal(pushed.code, 1);
    assert.match(pushed.stderr, /MAC mismatch/);
    assert.equal(await vault.kvMetadata(`${prefix}/elsewhere`), undefined);
    assert.equal(await vault.kvMetadata(path), undefined);
  });

  it('refuses a plaintext file and says how to seal it', async () => {
    const path = `${prefix}/plain`;
    writeFileSync(join(dir, 'secrets/plain.yaml'), secret(path));
    const pushed = await posture(['vault', 'push', 'secrets/plain.yaml']);
    assert.equal(pushed.code, 1);
    assert.match(pushed.stderr, /is not sealed .*posture seal -i secrets\/plain.yaml/);
    assert.equal(await vault.kvMetadata(path), undefined);
  });

  it('pushes a sealed values file to --path', async () => {
    const path = `${prefix}/values`;
    const file = await sealed('values', `password: ${PASSWORD}\nport: 5432\n`);
    const pushed = await posture(['vault', 'push', file, '--path', path]);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.deepEqual((await vault.kvRead(path))?.data, { password: PASSWORD, port: '5432' });
  });
});

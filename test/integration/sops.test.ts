/**
 * posture seal / unseal against the real sops of the test environment: what posture seals,
 * `sops -d` decrypts; what `sops -e` encrypts, posture unseals to the same plaintext; a flipped
 * byte in a value or in the MAC fails both tools.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { generateAgeKeyPair } from '../../src/gitops/agekey.ts';
import { run, type RunResult } from '../support/env.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

const root = join(import.meta.dirname, '../..');

const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: titan
type: Opaque
data:
  token: aGVsbG8gd29ybGQ=
stringData:
  password: hunter2-correct-horse
  url: postgres://db:5432/titan?sslmode=verify-full
`;

const VALUES = `database:
  password: hunter2-correct-horse
  port: 5432
  ratio: 0.25
  tls: true
replicas_unencrypted: 3
hosts: [a.example, b.example]
`;

function posture(args: string[], cwd: string, env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'src/cli/main.ts'), ...args],
      { cwd, env: { ...process.env, SOPS_AGE_KEY_FILE: '', SOPS_AGE_KEY: '', ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Changes the first base64 character of the ENC[...] after `field:`, one bit of ciphertext. */
function flip(text: string, field: string): string {
  const pattern = new RegExp(`(${field}: ENC\\[AES256_GCM,data:)(.)`);
  assert.match(text, pattern, `no encrypted ${field} to flip`);
  return text.replace(pattern, (_, head: string, c: string) => `${head}${c === 'A' ? 'B' : 'A'}`);
}

describe('posture seal / unseal and sops', () => {
  const dir = scratchDir('posture-sops-');
  const keys = generateAgeKeyPair();
  const keyFile = join(dir, 'keys.txt');
  writeFileSync(keyFile, `# test key\n${keys.identity}\n`, { mode: 0o600 });
  writeFileSync(
    join(dir, '.sops.yaml'),
    `creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    age: ${keys.recipient}\n`,
  );
  mkdirSync(join(dir, 'secrets'));
  const keyEnv = { SOPS_AGE_KEY_FILE: keyFile };
  const sops = (args: string[]): Promise<RunResult> => run('sops', args, { cwd: dir, env: keyEnv });
  const read = (file: string): string => readFileSync(join(dir, file), 'utf8');

  it('a Secret sealed by posture decrypts with sops -d to the same document', async () => {
    writeFileSync(join(dir, 'secrets/db.yaml'), SECRET);
    const sealed = await posture(['seal', '-i', 'secrets/db.yaml'], dir, {});
    assert.equal(sealed.code, 0, sealed.stderr);
    assert.doesNotMatch(read('secrets/db.yaml'), /hunter2|aGVsbG8/);
    const decrypted = await sops(['-d', 'secrets/db.yaml']);
    assert.equal(decrypted.code, 0, decrypted.stderr);
    assert.deepEqual(parse(decrypted.stdout), parse(SECRET));
  });

  it('a values file encrypted by sops -e unseals with posture to the same plaintext', async () => {
    writeFileSync(join(dir, 'secrets/values.yaml'), VALUES);
    const encrypted = await sops(['-e', 'secrets/values.yaml']);
    assert.equal(encrypted.code, 0, encrypted.stderr);
    writeFileSync(join(dir, 'secrets/values.sealed.yaml'), encrypted.stdout);
    const unsealed = await posture(['unseal', 'secrets/values.sealed.yaml'], dir, keyEnv);
    assert.equal(unsealed.code, 0, unsealed.stderr);
    assert.deepEqual(parse(unsealed.stdout), parse(VALUES));
  });

  it('a values file sealed by posture (ints, floats, booleans, lists) decrypts with sops -d', async () => {
    writeFileSync(join(dir, 'secrets/app.values.yaml'), VALUES);
    const sealed = await posture(['seal', '-i', 'secrets/app.values.yaml'], dir, {});
    assert.equal(sealed.code, 0, sealed.stderr);
    assert.match(read('secrets/app.values.yaml'), /replicas_unencrypted: 3/);
    const decrypted = await sops(['-d', 'secrets/app.values.yaml']);
    assert.equal(decrypted.code, 0, decrypted.stderr);
    assert.deepEqual(parse(decrypted.stdout), parse(VALUES));
  });

  it('posture unseal reads the identity from SOPS_AGE_KEY as well', async () => {
    const unsealed = await posture(['unseal', 'secrets/db.yaml'], dir, {
      SOPS_AGE_KEY: keys.identity,
    });
    assert.equal(unsealed.code, 0, unsealed.stderr);
    assert.deepEqual(parse(unsealed.stdout), parse(SECRET));
  });

  const tampered = [
    {
      name: 'a flipped byte in a value of a posture-sealed file',
      file: 'secrets/db.yaml',
      field: 'password',
    },
    {
      name: 'a flipped byte in the MAC of a posture-sealed file',
      file: 'secrets/db.yaml',
      field: 'mac',
    },
    {
      name: 'a flipped byte in a value of a sops-encrypted file',
      file: 'secrets/values.sealed.yaml',
      field: 'password',
    },
    {
      name: 'a flipped byte in the MAC of a sops-encrypted file',
      file: 'secrets/values.sealed.yaml',
      field: 'mac',
    },
  ];
  for (const c of tampered) {
    it(`${c.name} fails sops -d and posture unseal`, async () => {
      const target = `secrets/tampered-${c.field}-${c.file.includes('values') ? 'sops' : 'posture'}.yaml`;
      writeFileSync(join(dir, target), flip(read(c.file), c.field));
      const [bySops, byPosture] = await Promise.all([
        sops(['-d', target]),
        posture(['unseal', target], dir, keyEnv),
      ]);
      assert.notEqual(bySops.code, 0, `sops -d accepted ${c.name}`);
      assert.notEqual(byPosture.code, 0, `posture unseal accepted ${c.name}`);
      assert.match(byPosture.stderr, /does not decrypt|MAC/);
      assert.doesNotMatch(bySops.stdout + byPosture.stdout, /hunter2/);
    });
  }
});

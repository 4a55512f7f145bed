import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { newIdentity, recipientOf } from '../sops/age.ts';
import { runSeal, runUnseal } from './seal.ts';
import { scratchDir } from '../lib/testing/scratch.ts';

const SECRET =
  'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n';

function io(cwd: string, env: Record<string, string> = {}) {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      cwd,
      env,
      now: new Date('2026-12-01T18:00:00Z'),
      stdout: { write: (s: string) => (out.stdout += s) },
      stderr: { write: (s: string) => (out.stderr += s) },
    },
  };
}

describe('posture seal / unseal', () => {
  const dir = scratchDir('posture-seal-');
  const identity = newIdentity();
  writeFileSync(
    join(dir, '.sops.yaml'),
    `creation_rules:\n  - path_regex: ^secrets/\n    age: ${recipientOf(identity)}\n`,
  );
  mkdirSync(join(dir, 'secrets/nested'), { recursive: true });
  const file = join(dir, 'secrets/nested/db.yaml');
  writeFileSync(file, SECRET);

  it('seal prints the sealed file and leaves FILE as it was', () => {
    const { out, io: context } = io(join(dir, 'secrets'));
    assert.equal(runSeal(file, {}, context), 0, out.stderr);
    assert.match(out.stdout, /password: ENC\[AES256_GCM,/);
    assert.equal(readFileSync(file, 'utf8'), SECRET);
  });

  it('seal -i replaces FILE, readable by its owner only', () => {
    const { out, io: context } = io(dir);
    assert.equal(runSeal(file, { inPlace: true }, context), 0, out.stderr);
    assert.equal(out.stdout, '');
    assert.match(readFileSync(file, 'utf8'), /^sops:$/m);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('unseal -i gives FILE its plaintext back with the key from SOPS_AGE_KEY', () => {
    const { out, io: context } = io(dir, { SOPS_AGE_KEY: identity });
    assert.equal(runUnseal(file, { inPlace: true }, context), 0, out.stderr);
    assert.deepEqual(parse(readFileSync(file, 'utf8')), parse(SECRET));
  });

  const refusals: { name: string; run: () => number; out: { stderr: string }; error: RegExp }[] = [
    (() => {
      const { out, io: context } = io(tmpdir());
      const other = join(scratchDir('posture-seal-none-'), 'db.yaml');
      writeFileSync(other, SECRET);
      return {
        name: 'seal without a .sops.yaml says to add one',
        run: () => runSeal(other, {}, { ...context, cwd: join(other, '..') }),
        out,
        error: /no \.sops\.yaml from .* upwards: add one with creation_rules/,
      };
    })(),
    (() => {
      const { out, io: context } = io(dir);
      return {
        name: 'unseal without an identity says which variables to set',
        run: () => runUnseal(file, {}, context),
        out,
        error: /posture unseal: .*db\.yaml: .*set SOPS_AGE_KEY_FILE/,
      };
    })(),
    (() => {
      const { out, io: context } = io(dir);
      return {
        name: 'a missing file is named',
        run: () => runSeal(join(dir, 'secrets/none.yaml'), {}, context),
        out,
        error: /none\.yaml cannot be read/,
      };
    })(),
  ];
  for (const c of refusals) {
    it(c.name, () => {
      assert.equal(c.run(), 1);
      assert.match(c.out.stderr, c.error);
      assert.doesNotMatch(c.out.stderr, /hunter2/);
    });
  }
});

/**
 * The repository's own GitHub workflows (.github/workflows): actionlint (built by the test
 * environment) accepts them without a word, `posture audit` finds nothing in .github (not even
 * a suppressed finding), and every action is pinned to a full SHA with its version in a comment.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { auditPath } from '../../src/audit/audit.ts';
import { run } from '../support/env.ts';

const root = join(import.meta.dirname, '../..');
const workflows = join(root, '.github/workflows');
const files = readdirSync(workflows)
  .filter((file) => /\.ya?ml$/.test(file))
  .map((file) => join(workflows, file));

describe('the repository workflows', () => {
  it('are ci, release and security', () => {
    assert.deepEqual(
      files.map((file) => file.slice(workflows.length + 1)),
      ['ci.yml', 'release.yml', 'security.yml'],
    );
  });

  it('should pass actionlint with no output', async () => {
    const result = await run('actionlint', ['-no-color', ...files], { cwd: root });
    assert.equal(result.stdout + result.stderr, '');
    assert.equal(result.code, 0);
  });

  it('should give posture audit nothing to report or suppress', () => {
    const result = auditPath(join(root, '.github'));
    assert.equal(result.files, files.length);
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.suppressed, []);
  });

  it('should name the release of every pinned action in a comment', () => {
    for (const file of files) {
      const uses = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => /^\s*-?\s*uses:/.test(line));
      assert.ok(uses.length > 0, `${file} uses no action`);
      for (const line of uses) {
        assert.match(line, /@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `${file}: ${line.trim()}`);
      }
    }
  });
});

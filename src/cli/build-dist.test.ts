import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const root = join(import.meta.dirname, '../..');

/** The operator image runs dist/ (docs/adr/0035): it must build and run without TypeScript. */
describe('bin/build-dist', () => {
  // Beside dist/ (not in /tmp): packages resolve from node_modules, package.json two levels up.
  const out = mkdtempSync(join(root, 'dist-test-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  it('should compile a posture CLI that runs with type stripping switched off', async () => {
    await exec(join(root, 'bin/build-dist'), [out]);
    const run = (...args: string[]) =>
      exec(process.execPath, ['--no-experimental-strip-types', join(out, 'cli/main.js'), ...args]);
    assert.match((await run('version')).stdout, /^posture \d+\.\d+\.\d+ \(node 24\./);
    assert.match((await run('operator', '--help')).stdout, /--vault-addr/);
    const failed = await run('operator', '--workers=0').catch((e: { stderr: string }) => e);
    assert.match(failed.stderr, /workers/);
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runAudit, type AuditCliOptions } from './audit.ts';
import { scratchDir } from '../lib/testing/scratch.ts';

const testdata = join(import.meta.dirname, '../audit/testdata');
const temp = scratchDir('posture-audit-cli-');

function audit(path: string, options: Partial<AuditCliOptions> = {}) {
  let stdout = '';
  let stderr = '';
  const code = runAudit(
    path,
    { format: 'text', failOn: 'high', ...options },
    {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
    },
  );
  return { code, stdout, stderr };
}

describe('posture audit', () => {
  const exits: Array<[string, string, Partial<AuditCliOptions>, number]> = [
    ['exits 1 for a critical finding at the default threshold', 'literal-password/bad', {}, 1],
    ['exits 0 for a medium finding below the default threshold', 'secret-env-value/bad', {}, 0],
    [
      'exits 1 for a medium finding with --fail-on medium',
      'secret-env-value/bad',
      { failOn: 'medium' },
      1,
    ],
    [
      'exits 0 for a clean folder even with --fail-on low',
      'literal-password/good',
      { failOn: 'low' },
      0,
    ],
    [
      'exits 1 for a high finding with --fail-on high',
      'image-not-pinned/bad',
      { failOn: 'high' },
      1,
    ],
    [
      'exits 0 for a high finding with --fail-on critical',
      'image-not-pinned/bad',
      { failOn: 'critical' },
      0,
    ],
  ];
  for (const [name, dir, options, code] of exits) {
    it(name, () => assert.equal(audit(join(testdata, dir), options).code, code));
  }

  it('prints file, line, severity, rule, message and fix as text', () => {
    const { stdout } = audit(join(testdata, 'dotenv-secret/bad'));
    assert.match(stdout, /^\.env:3:1: critical dotenv-secret: DB_PASSWORD holds a secret/m);
    assert.match(stdout, /^ {2}fix: remove the file from git/m);
    assert.match(stdout, /^2 finding\(s\), 0 suppressed, 1 file\(s\) audited$/m);
  });

  it('prints JSON with every field of a finding', () => {
    const { stdout } = audit(join(testdata, 'workflow-pr-target-checkout/bad'), { format: 'json' });
    const report = JSON.parse(stdout) as { findings: Array<Record<string, unknown>> };
    assert.deepEqual(Object.keys(report.findings[0]!).sort(), [
      'column',
      'file',
      'fix',
      'line',
      'message',
      'ruleId',
      'severity',
    ]);
  });

  it('writes the report to --output instead of stdout', () => {
    const out = join(temp, 'report.sarif');
    const result = audit(join(testdata, 'actions-unpinned/bad'), { format: 'sarif', output: out });
    assert.equal(result.stdout, '');
    assert.equal((JSON.parse(readFileSync(out, 'utf8')) as { version: string }).version, '2.1.0');
  });

  it('exits 2 for a path that is not a folder', () => {
    const result = audit(join(temp, 'missing'));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /not a folder/);
  });

  it('exits 2 for a suppression file that is not valid, naming the problem', () => {
    writeFileSync(
      join(temp, '.postureaudit.yaml'),
      'suppress:\n  - path: x\n    rule: nope\n    reason: ten chars or more\n',
    );
    const result = audit(temp);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown rule nope/);
  });

  it('reports a YAML file that does not parse instead of skipping it', () => {
    const dir = mkdtempSync(join(temp, 'broken-'));
    writeFileSync(join(dir, 'broken.yaml'), 'a: [\n');
    const result = audit(dir, { failOn: 'medium', format: 'json' });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /"ruleId": "unparsable-file"/);
  });
});

describe('posture audit, as a process', () => {
  const main = join(import.meta.dirname, 'main.ts');
  const exitOf = (...args: string[]): Promise<number> =>
    new Promise((resolve) => {
      execFile(process.execPath, [main, 'audit', ...args], (error) =>
        resolve(error ? Number(error.code) : 0),
      );
    });

  it('exits 2 for a format it does not know', async () => {
    assert.equal(await exitOf('--format', 'xml', join(testdata, 'literal-password/good')), 2);
  });

  it('exits 2 for a severity it does not know', async () => {
    assert.equal(await exitOf('--fail-on', 'severe', join(testdata, 'literal-password/good')), 2);
  });

  it('exits 1 for findings and 0 for none', async () => {
    assert.equal(await exitOf(join(testdata, 'literal-password/bad')), 1);
    assert.equal(await exitOf(join(testdata, 'literal-password/good')), 0);
  });

  it('exits 0 for --help', async () => {
    assert.equal(await exitOf('--help'), 0);
  });
});

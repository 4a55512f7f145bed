import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding } from './finding.ts';
import { applySuppressions, parseSuppressions } from './suppressions.ts';

const KNOWN = ['literal-password', 'dotenv-secret'];

const finding = (file: string, ruleId: string): Finding => ({
  file,
  line: 1,
  ruleId,
  severity: 'critical',
  message: 'm',
  fix: 'f',
});

const entry = (path: string, rule: string): string =>
  `  - path: ${path}\n    rule: ${rule}\n    reason: reviewed for this test\n`;

describe('.postureaudit.yaml', () => {
  it('suppresses a finding of the named rule under a dir/** path, dotfiles included', () => {
    const entries = parseSuppressions(`suppress:\n${entry('fixtures/**', 'dotenv-secret')}`, KNOWN);
    const split = applySuppressions([finding('fixtures/bad/.env', 'dotenv-secret')], entries);
    assert.deepEqual(split.findings, []);
    assert.equal(split.suppressed[0]!.reason, 'reviewed for this test');
  });

  it('does not suppress another rule at the same path', () => {
    const entries = parseSuppressions(
      `suppress:\n${entry('a/**', 'dotenv-secret')}${entry('a/x', 'dotenv-secret')}`,
      KNOWN,
    );
    const split = applySuppressions(
      [finding('a/x', 'literal-password'), finding('a/x', 'dotenv-secret')],
      entries,
    );
    assert.deepEqual(
      split.findings.map((f) => f.ruleId),
      ['literal-password', 'unused-suppression'],
    );
    assert.equal(split.findings[1]!.line, 5);
  });

  it('matches globs', () => {
    const entries = parseSuppressions(
      `suppress:\n${entry('src/*/nats.conf', 'literal-password')}`,
      KNOWN,
    );
    const split = applySuppressions([finding('src/x/nats.conf', 'literal-password')], entries);
    assert.equal(split.suppressed.length, 1);
  });

  it('reports an entry that matches nothing as a low finding at its line', () => {
    const entries = parseSuppressions(
      `# header\nsuppress:\n${entry('gone.conf', 'literal-password')}`,
      KNOWN,
    );
    const split = applySuppressions([], entries);
    assert.deepEqual(
      split.findings.map((f) => [f.file, f.line, f.ruleId, f.severity]),
      [['.postureaudit.yaml', 3, 'unused-suppression', 'low']],
    );
  });

  const refusals: Array<[string, string, RegExp]> = [
    [
      'refuses an entry without a reason',
      'suppress:\n  - path: a\n    rule: dotenv-secret\n',
      /reason/,
    ],
    [
      'refuses a one-word reason',
      'suppress:\n  - {path: a, rule: dotenv-secret, reason: ok}\n',
      /say why/,
    ],
    [
      'refuses an unknown rule',
      `suppress:\n${entry('a', 'no-such-rule')}`,
      /unknown rule no-such-rule/,
    ],
    ['refuses an unknown key', 'suppress: []\nignore: []\n', /ignore|Unrecognized/],
    ['refuses YAML that does not parse', 'suppress: [\n', /\.postureaudit\.yaml:/],
  ];
  for (const [name, text, message] of refusals) {
    it(name, () => assert.throws(() => parseSuppressions(text, KNOWN), message));
  }
});

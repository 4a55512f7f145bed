/**
 * The SARIF report against the SARIF 2.1.0 JSON schema (the copy @microsoft/jest-sarif ships,
 * a draft-04 schema, hence ajv-draft-04), and the parts GitHub code scanning reads.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { ALL_RULES, auditSources, readSources } from '../audit.ts';
import { parseSuppressions } from '../suppressions.ts';
import { sarifReport } from './sarif.ts';

const require = createRequire(import.meta.url);
const schemaFile = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;
// Both are CommonJS: the class and the plugin are their `default` export. The schema's one
// language-tag pattern is not valid as a unicode regular expression, so patterns run without /u.
const ajv = new ajvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
ajvFormats.default(ajv);
const validate = ajv.compile(schema);

interface Log {
  version: string;
  $schema: string;
  runs: Array<{
    tool: { driver: { rules: Array<{ id: string; defaultConfiguration: { level: string } }> } };
    results: Array<{
      ruleId: string;
      ruleIndex: number;
      level: string;
      suppressions?: Array<{ kind: string; justification: string }>;
      locations: Array<{
        physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
      }>;
    }>;
  }>;
}

const fixture = join(import.meta.dirname, '../testdata/literal-password/bad');
const suppressions = parseSuppressions(
  'suppress:\n  - path: nats.conf\n    rule: literal-password\n    reason: a reviewed test exception\n',
  ALL_RULES.map((rule) => rule.id),
);
const result = auditSources(readSources(fixture), suppressions);
const log = JSON.parse(sarifReport(result, ALL_RULES, '0.1.0')) as Log;

describe('SARIF report', () => {
  it('is valid against the SARIF 2.1.0 schema', () => {
    const valid = validate(log);
    assert.ok(valid, JSON.stringify(validate.errors, null, 2));
  });

  it('is invalid against the schema once a required field is gone (the check can fail)', () => {
    const broken = structuredClone(log) as Partial<Log>;
    delete broken.version;
    assert.equal(validate(broken), false);
  });

  it('lists every rule with its level and points each result at its rule', () => {
    const [run] = log.runs;
    assert.equal(log.version, '2.1.0');
    assert.deepEqual(
      run!.tool.driver.rules.map((rule) => rule.id),
      ALL_RULES.map((rule) => rule.id),
    );
    for (const entry of run!.results) {
      assert.equal(run!.tool.driver.rules[entry.ruleIndex]!.id, entry.ruleId);
      assert.equal(entry.level, 'error');
    }
  });

  it('reports findings with file and line, and suppressed ones with their justification', () => {
    const results = log.runs[0]!.results;
    const open = results.filter((entry) => !entry.suppressions);
    const suppressed = results.filter((entry) => entry.suppressions);
    assert.deepEqual(
      open.map((entry) => {
        const place = entry.locations[0]!.physicalLocation;
        return `${place.artifactLocation.uri}:${place.region.startLine}`;
      }),
      ['compose.yaml:5', 'compose.yaml:9'],
    );
    assert.equal(suppressed.length, 3);
    assert.deepEqual(suppressed[0]!.suppressions, [
      { kind: 'external', status: 'accepted', justification: 'a reviewed test exception' },
    ]);
  });

  it('percent-encodes a path with spaces, so the URI stays valid', () => {
    const finding = {
      file: 'deploy dir/ünicode.yaml',
      line: 3,
      ruleId: 'image-not-pinned',
      severity: 'high' as const,
      message: 'm',
      fix: 'f',
    };
    const spaced = JSON.parse(
      sarifReport({ files: 1, findings: [finding], suppressed: [] }, ALL_RULES, '0.1.0'),
    ) as Log;
    assert.ok(validate(spaced), JSON.stringify(validate.errors));
    const uri = spaced.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri;
    assert.equal(uri, 'deploy%20dir/%C3%BCnicode.yaml');
  });
});

/**
 * The audit reads whatever a repository holds: no file content, however malformed, may make it
 * throw (a crash would be a silent pass in CI's eyes only if the exit code were ignored, but it
 * hides every other finding). And a place it reports is always inside the file.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { auditSources } from './audit.ts';
import { parseSource, type Kind } from './sources.ts';

const KINDS: Kind[] = ['yaml', 'compose', 'helm-values', 'dockerfile', 'dotenv', 'natsconf'];

// Text built from the characters each format gives meaning to, plus generated YAML data.
const syntax = fc.constantFrom(
  ...'{}[]:=,;#"\'$\\\n -/@|>&*!%'.split(''),
  'FROM ',
  'ARG ',
  '${A:-b}',
  'password',
  'image',
  'uses',
  'apiVersion: v1\nkind: Secret\n',
  'kind: Deployment\n',
  '---\n',
);
const soup = fc
  .array(fc.oneof(syntax, fc.string({ maxLength: 8 })), { maxLength: 40 })
  .map((parts) => parts.join(''));
const data = fc.jsonValue({ maxDepth: 4 }).map((value) => stringify(value));

describe('audit on generated files', () => {
  it('never throws, and every finding lies within its file', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), fc.oneof(soup, data), (kind, text) => {
        const result = auditSources([parseSource('file', kind, text)], []);
        const lines = text.split('\n').length;
        for (const finding of result.findings) {
          assert.ok(
            finding.line >= 1 && finding.line <= lines,
            `${finding.ruleId} at line ${finding.line} of ${lines}`,
          );
        }
      }),
      { numRuns: 400 },
    );
  });
});

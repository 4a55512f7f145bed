/**
 * Every rule against its fixtures (testdata/<rule>/bad and good): the bad fixture yields
 * exactly the findings listed here, all of that rule and nothing else; the good one yields
 * nothing from any rule.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { auditSources, readSources } from './audit.ts';
import { RULES } from './rules/index.ts';

const testdata = join(import.meta.dirname, 'testdata');

const audit = (dir: string) => auditSources(readSources(join(testdata, dir)), []);

/** rule → the bad fixture's findings as file:line. */
const EXPECTED: Record<string, string[]> = {
  'actions-unpinned': ['workflow.yml:9', 'workflow.yml:10', 'workflow.yml:11', 'workflow.yml:13'],
  'actions-pin-unlabelled': ['workflow.yml:8', 'workflow.yml:9'],
  'workflow-pr-target-checkout': ['workflow.yml:12'],
  'workflow-write-all': ['workflow.yml:2', 'workflow.yml:6'],
  'workflow-no-permissions': ['workflow.yml:10'],
  'image-not-pinned': [
    'charts/app/values.yaml:2',
    'charts/app/values.yaml:5',
    'compose.yaml:3',
    'pod.yaml:8',
    'pod.yaml:11',
    'pod.yaml:26',
  ],
  'dockerfile-from-not-pinned': ['Dockerfile:3', 'Dockerfile:7'],
  'kubernetes-secret-plaintext': ['secret.yaml:7', 'secret.yaml:14'],
  'dotenv-secret': ['.env:3', '.env:4'],
  'literal-password': [
    'compose.yaml:5',
    'compose.yaml:9',
    'nats.conf:5',
    'nats.conf:6',
    'nats.conf:10',
  ],
  'fail-open-default': ['compose.yaml:4', 'compose.yaml:6'],
  'secret-env-value': ['compose.yaml:5', 'pod.yaml:10', 'pod.yaml:19'],
  'deployment-no-network-policy': ['app.yaml:4'],
};

describe('audit rules on their fixtures', () => {
  it('has fixtures and expectations for every rule and no other', () => {
    const ids = RULES.map((rule) => rule.id).sort();
    assert.deepEqual(readdirSync(testdata).sort(), ids);
    assert.deepEqual(Object.keys(EXPECTED).sort(), ids);
  });

  for (const rule of RULES) {
    it(`finds what ${rule.id} is about in its bad fixture, and only that`, () => {
      const { findings } = audit(`${rule.id}/bad`);
      assert.deepEqual(
        findings.map((f) => `${f.ruleId} ${f.file}:${f.line}`),
        EXPECTED[rule.id]!.map((place) => `${rule.id} ${place}`),
      );
      for (const finding of findings) {
        assert.equal(finding.severity, rule.severity);
        assert.equal(finding.fix, rule.fix);
        assert.ok(finding.message.length > 0);
      }
    });

    it(`finds nothing in ${rule.id}'s good fixture`, () => {
      const result = audit(`${rule.id}/good`);
      assert.ok(result.files > 0, 'the good fixture must be read');
      assert.deepEqual(result.findings, []);
    });
  }
});

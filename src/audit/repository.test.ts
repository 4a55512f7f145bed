/**
 * What CI's audit step checks, inside `npm test`: this repository has no finding, and every
 * suppressed one is a reviewed entry of .postureaudit.yaml (the rule fixtures' bad halves and
 * the NATS auth Secret of public keys).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { auditPath } from './audit.ts';

const root = join(import.meta.dirname, '../..');

describe('posture audit of this repository', () => {
  const result = auditPath(root);

  it('should report no finding', () => {
    assert.deepEqual(
      result.findings.map((f) => `${f.file}:${f.line} ${f.ruleId}: ${f.message}`),
      [],
    );
  });

  it('should suppress only the rule fixtures and the public-key NATS Secret', () => {
    const outside = result.suppressed
      .map((f) => f.file)
      .filter(
        (file) =>
          !file.startsWith('src/audit/testdata/') &&
          !file.endsWith('posture-nats-auth/secret.yaml'),
      );
    assert.deepEqual(outside, []);
    assert.ok(result.suppressed.every((f) => f.reason.length >= 10));
  });

  it('should read the workflows, the Dockerfile, the chart values and the manifests', () => {
    assert.ok(result.files > 100, `only ${result.files} files audited`);
  });
});

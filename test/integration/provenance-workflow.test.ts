/**
 * The example GitHub Actions job for release provenance (examples/ci/provenance.yml): actionlint
 * accepts it, and its verify step, run as Actions runs it (bash -e, the secret in an env
 * variable, RUNNER_TEMP), passes for a signed release and fails the job for a tampered one.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { generateRing } from '../../src/hmac/keygen.ts';
import { parseRingFile } from '../../src/hmac/ring-file.ts';
import { signDigests } from '../../src/provenance/provenance.ts';
import { run, type RunResult } from '../support/env.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

const WORKFLOW = 'examples/ci/provenance.yml';
const root = join(import.meta.dirname, '../..');

interface Step {
  name?: string;
  run?: string;
  env?: Record<string, string>;
}

function verifyStep(): Step {
  const workflow = parse(readFileSync(join(root, WORKFLOW), 'utf8')) as {
    jobs: Record<string, { steps: Step[] }>;
  };
  const step = workflow.jobs['verify']?.steps.find((s) => s.name === 'Verify release provenance');
  assert.ok(step?.run, `${WORKFLOW} has no step "Verify release provenance"`);
  return step;
}

/** Runs a step's script the way GitHub's runner does for `shell: bash`. */
function runStep(script: string, env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script],
      // Offline: `npx posture` must resolve to this checkout, never to the registry.
      { cwd: root, env: { ...process.env, ...env, npm_config_offline: 'true' } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('example provenance workflow', () => {
  const temp = scratchDir('posture-provenance-ci-');

  it('should pass actionlint', async () => {
    const result = await run('actionlint', [join(root, WORKFLOW)]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });

  it('should verify a signed release and fail the job for a tampered one', async () => {
    const ring = generateRing('sha256', 'release-1');
    const ringJson = JSON.stringify(ring);
    const digests = { 'ghcr.io/titan/brain': `sha256:${'1'.repeat(64)}` };
    const release = join(temp, 'release');
    mkdirSync(release);
    writeFileSync(join(release, 'digests.json'), JSON.stringify(digests));
    const signature = signDigests(digests, parseRingFile(ringJson, 'test ring'));
    writeFileSync(join(release, 'digests.json.sig'), JSON.stringify(signature));
    const step = verifyStep();
    assert.equal(step.env?.['PROVENANCE_KEY_RING'], '${{ secrets.PROVENANCE_KEY_RING }}');
    const env = { PROVENANCE_KEY_RING: ringJson, RUNNER_TEMP: temp };

    const passed = await runStep(step.run!, env);
    assert.equal(passed.code, 0, passed.stderr);
    assert.match(passed.stdout, /signature verified with key release-1, 1 pinned image/);

    writeFileSync(
      join(release, 'digests.json'),
      JSON.stringify({ 'ghcr.io/titan/brain': 'latest' }),
    );
    const failed = await runStep(step.run!, env);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /posture provenance verify: .* is not pinned/);
    assert.ok(!(failed.stdout + failed.stderr).includes(ring.primary), 'the key must not appear');
    assert.throws(() => readFileSync(join(temp, 'provenance-ring.json')), /ENOENT/);
  });
});

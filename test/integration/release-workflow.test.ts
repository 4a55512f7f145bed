/**
 * The release workflow's "Sign digests.json" step (.github/workflows/release.yml), run as the
 * runner runs it (bash -e, the secret in an env variable, RUNNER_TEMP): it writes digests.json
 * for the pushed image digest, signs it with the key ring, and leaves no key file behind; the
 * signature verifies. Without a key ring the step fails the job.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { generateRing } from '../../src/hmac/keygen.ts';
import { parseRingFile } from '../../src/hmac/ring-file.ts';
import { parseDigests } from '../../src/provenance/digests.ts';
import { verifyDigests } from '../../src/provenance/provenance.ts';
import { parseSignatureFile } from '../../src/provenance/signature.ts';
import type { RunResult } from '../support/env.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

const root = join(import.meta.dirname, '../..');
const IMAGE = 'ghcr.io/titan-platform/posture';
const DIGEST = `sha256:${'a1'.repeat(32)}`;

interface Step {
  name?: string;
  run?: string;
  env?: Record<string, string>;
}

function signStep(): Step {
  const workflow = parse(readFileSync(join(root, '.github/workflows/release.yml'), 'utf8')) as {
    jobs: Record<string, { steps: Step[] }>;
  };
  const step = workflow.jobs['image']?.steps.find((s) => s.name === 'Sign digests.json');
  assert.ok(step?.run, 'release.yml has no step "Sign digests.json" in job image');
  return step;
}

/** A checkout as the job has it: `npx posture` resolves to this repository, offline. */
function workspace(temp: string): string {
  const dir = mkdtempSync(join(temp, 'workspace-'));
  mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
  symlinkSync(join(root, 'bin/posture'), join(dir, 'node_modules/.bin/posture'));
  writeFileSync(join(dir, 'package.json'), '{"name":"workspace","private":true}\n');
  writeFileSync(join(dir, 'sbom.spdx.json'), '{"spdxVersion":"SPDX-2.3"}\n');
  return dir;
}

function runStep(script: string, cwd: string, env: Record<string, string>): Promise<RunResult> {
  const path = `${join(root, 'node_modules/.bin')}:${process.env['PATH'] ?? ''}`;
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script],
      { cwd, env: { ...process.env, ...env, PATH: path, npm_config_offline: 'true' } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('release workflow: signing digests.json', () => {
  const temp = scratchDir('posture-release-ci-');
  const step = signStep();

  it('takes the image, the digest and the key ring from the step env, not from the script', () => {
    assert.deepEqual(step.env, {
      IMAGE: '${{ steps.name.outputs.image }}',
      DIGEST: '${{ steps.build.outputs.digest }}',
      PROVENANCE_KEY_RING: '${{ secrets.PROVENANCE_KEY_RING }}',
    });
    assert.ok(!step.run!.includes('${{'), 'no expression is pasted into the script');
  });

  it('should sign the pushed digest so that provenance verify accepts it', async () => {
    const ring = generateRing('sha256', 'release-1');
    const dir = workspace(temp);
    const runnerTemp = mkdtempSync(join(temp, 'runner-'));
    const env = {
      IMAGE,
      DIGEST,
      PROVENANCE_KEY_RING: JSON.stringify(ring),
      RUNNER_TEMP: runnerTemp,
    };
    const result = await runStep(step.run!, dir, env);
    assert.equal(result.code, 0, result.stderr);

    const digests = parseDigests(readFileSync(join(dir, 'release/digests.json'), 'utf8'));
    assert.ok(digests.ok);
    assert.deepEqual(digests.value, { [IMAGE]: DIGEST });
    const signature = parseSignatureFile(
      readFileSync(join(dir, 'release/digests.json.sig'), 'utf8'),
    );
    assert.ok(signature.ok);
    const check = verifyDigests(
      digests.value,
      signature.value,
      parseRingFile(JSON.stringify(ring), 'ring'),
    );
    assert.ok(check.ok);
    assert.equal(
      readFileSync(join(dir, 'release/sbom.spdx.json'), 'utf8'),
      '{"spdxVersion":"SPDX-2.3"}\n',
    );
    assert.throws(() => readFileSync(join(runnerTemp, 'provenance-ring.json')), /ENOENT/);
    assert.ok(!(result.stdout + result.stderr).includes(ring.primary), 'the key must not appear');
  });

  it('should fail the job when the key ring secret is missing', async () => {
    const dir = workspace(temp);
    const env = {
      IMAGE,
      DIGEST,
      PROVENANCE_KEY_RING: '',
      RUNNER_TEMP: mkdtempSync(join(temp, 'runner-')),
    };
    const result = await runStep(step.run!, dir, env);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /posture provenance sign: /);
  });
});

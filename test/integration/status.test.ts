import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { kubectl, testEnv } from '../support/env.ts';

const exec = promisify(execFile);
const ns = `status-${randomBytes(3).toString('hex')}`;

async function postureStatus(...args: string[]): Promise<string> {
  const { stdout } = await exec(process.execPath, [
    'src/cli/main.ts',
    'status',
    '--kubeconfig',
    testEnv().kube.kubeconfig,
    ...args,
  ]);
  return stdout;
}

describe('posture status against the real apiserver', () => {
  before(async () => {
    const crds = await kubectl(['apply', '--server-side', '-f', 'charts/posture/crds/']);
    assert.equal(crds.code, 0, crds.stderr);
    // Served once Established; `kubectl wait` errors out on a CRD that has no conditions yet.
    for (let i = 0; (await kubectl(['get', 'tradingservices', '-A'])).code !== 0; i += 1) {
      assert.ok(i < 120, 'the TradingService CRD was not served within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal((await kubectl(['create', 'namespace', ns])).code, 0);
    for (const name of ['console', 'brain']) {
      const yaml = readFileSync(`examples/titan/tradingservice-${name}.yaml`, 'utf8').replace(
        'namespace: titan',
        `namespace: ${ns}`,
      );
      const created = await kubectl(['apply', '--server-side', '-f', '-'], yaml);
      assert.equal(created.code, 0, created.stderr);
    }
  });

  it('should list CRs the operator has not reconciled as NotReconciled', async () => {
    const out = await postureStatus('-n', ns);
    assert.match(out, /^KIND +NAMESPACE +NAME +READY +REASON/);
    assert.match(out, new RegExp(`TradingService +${ns} +brain +Unknown +NotReconciled`));
  });

  it('should show the Ready condition written to the status subresource', async () => {
    const status = {
      status: {
        observedGeneration: 1,
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'VaultUnavailable',
            message: 'vault did not answer',
            observedGeneration: 1,
            lastTransitionTime: '2026-11-25T00:00:00Z',
          },
        ],
      },
    };
    const patched = await kubectl([
      '-n',
      ns,
      'patch',
      'tradingservice',
      'console',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify(status),
    ]);
    assert.equal(patched.code, 0, patched.stderr);
    const out = await postureStatus('-n', ns);
    assert.match(
      out,
      new RegExp(
        `TradingService +${ns} +console +False +VaultUnavailable +Ready=False +vault did not answer`,
      ),
    );
  });
});

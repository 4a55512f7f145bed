/**
 * `posture dev up` as a person runs it: a second environment of its own (the binaries are the
 * cached ones), the operator against it with examples/titan applied, every TradingService and
 * ExchangeCredential Ready in `posture status`, and Ctrl-C stopping everything cleanly.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/operator.ts';

const run = promisify(execFile);

describe('posture dev up with the operator and examples/titan', () => {
  let child: ChildProcess;
  let stdout = '';
  let stderr = '';
  let exit: Promise<number | null>;

  before(() => {
    child = spawn(process.execPath, ['src/cli/main.ts', 'dev', 'up', '--nodes=1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  });
  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('should bring every Titan TradingService and ExchangeCredential to Ready', async () => {
    const applied = await eventually(
      `the platform applied (stdout: ${stdout.slice(-400)} stderr: ${stderr.slice(-400)})`,
      () =>
        /operator: 12 CRs applied, reconciling namespace titan/.test(stdout) ? true : undefined,
      120_000,
    );
    assert.ok(applied);
    const kubeconfig = /export KUBECONFIG=(\S+)/.exec(stdout)?.[1] ?? '';
    assert.ok(kubeconfig, stdout);
    let table = '';
    await eventually(
      'all Ready in posture status',
      async () => {
        ({ stdout: table } = await run(process.execPath, [
          'src/cli/main.ts',
          'status',
          `--kubeconfig=${kubeconfig}`,
        ]));
        const rows = table.split('\n').filter((l) => /TradingService|ExchangeCredential/.test(l));
        return rows.length === 11 && rows.every((r) => /\sTrue\s/.test(r)) ? rows : undefined;
      },
      90_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\nlast table:\n${table}\noperator stderr: ${stderr}`);
    });
  });

  it('should stop every server on Ctrl-C and exit 0', async () => {
    child.kill('SIGINT');
    assert.equal(await exit, 0, stderr);
    assert.match(stdout, /stopped\./);
  });
});

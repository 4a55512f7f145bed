import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { ExecConfig } from './exec-credential.ts';
import { runPlugin, type PluginRun } from './exec-plugin.ts';
import { scratchDir } from '../../lib/testing/scratch.ts';

/* Real processes: what the operating system answers for a missing or failing plugin. */

const dir = scratchDir('posture-exec-plugin-');
const WHERE = '/home/me/.kube/config: users[oncall].user.exec';

function script(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

function run(command: string, overrides: Partial<ExecConfig> = {}): PluginRun {
  const config: ExecConfig = {
    command,
    args: [],
    env: {},
    apiVersion: 'client.authentication.k8s.io/v1',
    interactiveMode: 'Never',
    provideClusterInfo: false,
    ...overrides,
  };
  return { where: WHERE, config, env: { ...process.env, ...config.env }, interactive: false };
}

function captured(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('runPlugin', () => {
  it('should name the command, the kubeconfig user and the install hint of a missing plugin', async () => {
    const hint = 'Install it with: brew install posture-test-login';
    await assert.rejects(
      runPlugin(run('posture-no-such-login-plugin', { installHint: hint })),
      (error: Error) => {
        assert.match(error.message, /^\/home\/me\/\.kube\/config: users\[oncall\]\.user\.exec: /);
        assert.match(error.message, /credential plugin posture-no-such-login-plugin was not found/);
        assert.ok(error.message.endsWith(`\n${hint}`), error.message);
        return true;
      },
    );
  });

  it('should say a plugin file that cannot be run is not executable', async () => {
    const file = join(dir, 'not-executable');
    writeFileSync(file, '#!/bin/sh\n');
    await assert.rejects(
      runPlugin(run(file)),
      /credential plugin .*not-executable is not executable/,
    );
  });

  it('should pass the plugin stderr through and end the error of a failed run with its tail', async () => {
    const noisy = 'x'.repeat(5000);
    const file = script(
      'fails',
      `echo '${noisy}' >&2\necho 'token expired: run aws sso login' >&2\nexit 3`,
    );
    const stderr = captured();
    await assert.rejects(runPlugin(run(file), stderr.stream), (error: Error) => {
      assert.match(
        error.message,
        /users\[oncall\]\.user\.exec: the credential plugin .*fails exited with code 3/,
      );
      assert.match(error.message, /token expired: run aws sso login$/);
      assert.ok(error.message.length < 2500, 'only the tail of stderr');
      return true;
    });
    assert.match(
      stderr.text(),
      /^x{5000}\ntoken expired/,
      'all of stderr reached ours, as it came',
    );
  });

  it('should answer stdout, with the environment and args it was given', async () => {
    const file = script('prints', 'printf "%s %s %s" "$1" "$GREETING" "$KUBERNETES_EXEC_INFO"');
    const given = run(file, { args: ['eks'], env: { GREETING: 'hello' } });
    given.env['KUBERNETES_EXEC_INFO'] = '{"kind":"ExecCredential"}';
    assert.equal(await runPlugin(given), 'eks hello {"kind":"ExecCredential"}');
  });

  it('should give a non-interactive plugin no standard input', async () => {
    const file = script('reads', 'if read line; then echo "read: $line"; else echo "no input"; fi');
    assert.equal(await runPlugin(run(file)), 'no input\n');
  });
});

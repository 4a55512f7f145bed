import { readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { TESTENV_VARIABLE, type TestEnvInfo } from '../../src/testenv/info.ts';

let cached: TestEnvInfo | undefined;

/**
 * The shared test environment that `npm test` started. Integration tests call this first:
 * without an environment it throws, so a test that needs a real server fails loudly
 * instead of passing silently.
 */
export function testEnv(): TestEnvInfo {
  if (cached) return cached;
  const file = process.env[TESTENV_VARIABLE];
  if (!file) {
    throw new Error(
      `${TESTENV_VARIABLE} is not set: this test needs the real test environment ` +
        '(etcd, kube-apiserver, Vault, ...). Run it through `npm test`, or start one with ' +
        '`npm run local` and export the env.json path it prints.',
    );
  }
  cached = JSON.parse(readFileSync(file, 'utf8')) as TestEnvInfo;
  return cached;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one of the environment's binaries (kubectl, helm, sops, ...) and never throws on exit code. */
export function run(
  binary: string,
  args: string[],
  options: { input?: string; env?: Record<string, string>; cwd?: string } = {},
): Promise<RunResult> {
  const env = testEnv();
  const path = env.bin[binary];
  if (!path) throw new Error(`test environment has no binary named ${binary}`);
  return new Promise((resolve) => {
    const child = execFile(
      path,
      args,
      {
        env: { ...process.env, KUBECONFIG: env.kube.kubeconfig, ...options.env },
        cwd: options.cwd,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** kubectl against the test apiserver. */
export function kubectl(args: string[], input?: string): Promise<RunResult> {
  return run('kubectl', args, input === undefined ? {} : { input });
}

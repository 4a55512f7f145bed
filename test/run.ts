/**
 * `npm test`: builds (or reuses) the real servers, starts them once on loopback, runs every
 * test file with node's test runner against them, and stops them, whatever the outcome.
 * Pass test files to run only those: `node test/run.ts test/integration/smoke.test.ts`.
 */
import { spawn } from 'node:child_process';
import { startEnvironment } from '../src/testenv/environment.ts';
import { TESTENV_VARIABLE } from '../src/testenv/info.ts';

const DEFAULT_FILES = ['src/**/*.test.ts', 'bench/**/*.test.ts', 'test/**/*.test.ts'];

function runTests(files: string[], infoFile: string): Promise<number> {
  const args = [
    '--test',
    // Integration tests wait on servers more than they compute, so files run side by side; but
    // with three at once on 2 cores, the shared kube-controller-manager, scheduler and kwok fell
    // behind and Deployment rollouts in one file waited past 300 s (three CI runs). Two at once.
    '--test-concurrency=2',
    '--test-timeout=900000',
    ...files,
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      stdio: 'inherit',
      env: { ...process.env, [TESTENV_VARIABLE]: infoFile },
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const files = process.argv.slice(2);
const env = await startEnvironment();
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await env.stop();
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void stop().then(() => process.exit(130));
  });
}
let code = 1;
try {
  code = await runTests(files.length > 0 ? files : DEFAULT_FILES, env.infoFile);
} finally {
  await stop();
}
process.exit(code);

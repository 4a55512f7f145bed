import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Environment } from '../../src/testenv/environment.ts';

const exec = promisify(execFile);

/** The test environment's kubectl against its cluster (output up to 512 MiB: lists at 10,000). */
export function kubectl(env: Environment, args: string[]): Promise<{ stdout: string }> {
  const bin = env.info.bin['kubectl'] ?? 'kubectl';
  return exec(bin, [`--kubeconfig=${env.info.kube.kubeconfig}`, ...args], {
    maxBuffer: 512 * 1024 * 1024,
  });
}

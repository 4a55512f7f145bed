import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot } from './build.ts';
import { CILIUM } from './components.ts';

const exec = promisify(execFile);

/**
 * Cilium's own CRD files (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy), taken from the
 * cilium Go module at a pinned version, so a real apiserver validates posture's policies with
 * Cilium's real schema. Only the module's source is downloaded; nothing is built.
 */
export async function ensureCiliumCrds(): Promise<string> {
  const dir = join(cacheRoot(), `cilium-crds-${CILIUM.version}`);
  if (CILIUM.crds.every((f) => existsSync(join(dir, f)))) return dir;
  const { stdout } = await exec(
    'go',
    ['mod', 'download', '-json', `${CILIUM.module}@${CILIUM.version}`],
    { cwd: cacheRoot(), maxBuffer: 16 * 1024 * 1024 },
  ).catch((error: Error) => {
    throw new Error(`cannot download ${CILIUM.module}@${CILIUM.version}: ${error.message}`);
  });
  const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!moduleDir)
    throw new Error(`go mod download gave no Dir for ${CILIUM.module}@${CILIUM.version}`);
  const tmp = `${dir}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  for (const file of CILIUM.crds)
    copyFileSync(join(moduleDir, CILIUM.crdDir, file), join(tmp, file));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

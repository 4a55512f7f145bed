import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot } from './build.ts';

const exec = promisify(execFile);

/** Files taken from a Go module's source at a pinned version: nothing is built. */
export interface ModuleFiles {
  /** Names the cache folder: `<name>-<version>`. */
  name: string;
  module: string;
  version: string;
  /** The folder inside the module that holds the files. */
  dir: string;
  files: readonly string[];
}

/**
 * Downloads the module through the Go module proxy (`go mod download`, source only) and copies
 * the files into the cache once; later calls reuse the copy. A copy is renamed into place only
 * when complete, so an interrupted run never leaves half a folder that looks cached.
 */
export async function ensureModuleFiles(spec: ModuleFiles): Promise<string> {
  const dir = join(cacheRoot(), `${spec.name}-${spec.version}`);
  if (spec.files.every((f) => existsSync(join(dir, f)))) return dir;
  const at = `${spec.module}@${spec.version}`;
  const { stdout } = await exec('go', ['mod', 'download', '-json', at], {
    cwd: cacheRoot(),
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: Error) => {
    throw new Error(`cannot download ${at}: ${error.message}`);
  });
  const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!moduleDir) throw new Error(`go mod download gave no Dir for ${at}`);
  const tmp = `${dir}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  for (const file of spec.files) copyFileSync(join(moduleDir, spec.dir, file), join(tmp, file));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

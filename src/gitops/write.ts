import { mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export interface WriteResult {
  written: number;
  unchanged: number;
  removed: number;
}

/** A file whose first line proves that a folder was written by posture (its README). */
export interface OwnerMarker {
  path: string;
  firstLine: string;
}

/**
 * Makes `dir` hold exactly `files` (relative path → content): writes what changed, leaves
 * identical files alone, removes files no longer rendered and the folders they leave empty.
 * posture owns the folder, so it refuses a non-empty folder that lacks its marker: a mistyped
 * `--out` must never wipe someone's files.
 */
export function writeTree(
  dir: string,
  files: ReadonlyMap<string, string>,
  marker: OwnerMarker,
): WriteResult {
  const result: WriteResult = { written: 0, unchanged: 0, removed: 0 };
  const existingFiles = listFiles(dir);
  const ownerLine = readOrUndefined(join(dir, marker.path))?.split('\n')[0];
  if (existingFiles.length > 0 && ownerLine !== marker.firstLine) {
    throw new Error(
      `refusing to write into ${dir}: it holds files but no ${marker.path} from posture synth; ` +
        'choose an empty or new folder, or one that posture synth wrote',
    );
  }
  for (const existing of existingFiles) {
    if (!files.has(existing)) {
      rmSync(join(dir, existing));
      result.removed++;
    }
  }
  const made = new Set<string>();
  for (const [path, content] of files) {
    const target = join(dir, path);
    if (readOrUndefined(target) === content) {
      result.unchanged++;
      continue;
    }
    const folder = dirname(target);
    if (!made.has(folder)) mkdirSync(folder, { recursive: true });
    made.add(folder);
    writeFileSync(target, content);
    result.written++;
  }
  removeEmptyFolders(dir, dir);
  return result;
}

/** Every file under dir, as paths relative to it with `/` separators, sorted. */
export function listFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function removeEmptyFolders(root: string, dir: string): boolean {
  let empty = true;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) empty = false;
    else if (!removeEmptyFolders(root, join(dir, entry.name))) empty = false;
  }
  if (empty && dir !== root) rmdirSync(dir);
  return empty;
}

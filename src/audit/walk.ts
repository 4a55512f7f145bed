/**
 * The files under an audited root, relative to it with `/`. In a git work tree they come from
 * `git ls-files` (tracked plus untracked-but-not-ignored: what a commit would hold, so
 * .gitignore is honoured the way git honours it); elsewhere a walk that skips what is never
 * source (node_modules, .git, dist*).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const NEVER = /(?:^|\/)(?:node_modules|\.git|dist[^/]*)(?:\/|$)/;

function gitFiles(root: string): string[] | undefined {
  try {
    const out = execFileSync(
      'git',
      ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 },
    );
    return out.split('\0').filter((file) => file !== '');
  } catch {
    // Not a git work tree (or no git): the plain walk below.
    return undefined;
  }
}

// Pruned while walking: node_modules alone can hold more files than the repository.
function walkFiles(root: string, under = ''): string[] {
  return readdirSync(join(root, under), { withFileTypes: true }).flatMap((entry) => {
    const path = under === '' ? entry.name : `${under}/${entry.name}`;
    if (NEVER.test(path)) return [];
    if (entry.isDirectory()) return walkFiles(root, path);
    return entry.isFile() ? [path] : [];
  });
}

/** Sorted; a file git still lists but that was deleted from the work tree is left out. */
export function listFiles(root: string): string[] {
  const files = gitFiles(root) ?? walkFiles(root);
  return files
    .filter((file) => !NEVER.test(file) && existsSync(join(root, file)))
    .filter((file) => statSync(join(root, file)).isFile())
    .sort();
}

/** A path given on the command line, as the audit names files: relative to the root, with `/`. */
export const relativePath = (root: string, file: string): string =>
  relative(root, file).split(sep).join('/');

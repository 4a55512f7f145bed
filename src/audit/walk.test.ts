import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { listFiles } from './walk.ts';
import { scratchDir } from '../lib/testing/scratch.ts';

const temp = scratchDir('posture-audit-walk-');

function tree(root: string, files: string[]): void {
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), 'x: 1\n');
  }
}

const FILES = [
  'a.yaml',
  '.env',
  'sub/b.yaml',
  'node_modules/m/c.yaml',
  'dist/d.yaml',
  '.git/e.yaml',
];

describe('audit file listing', () => {
  it('skips node_modules, .git and dist outside a git work tree', () => {
    const root = join(temp, 'plain');
    tree(root, FILES);
    assert.deepEqual(listFiles(root), ['.env', 'a.yaml', 'sub/b.yaml']);
  });

  it('lists what git would commit in a work tree: tracked and untracked, not ignored', () => {
    const root = join(temp, 'repo');
    tree(root, [...FILES.filter((f) => !f.startsWith('.git/')), 'ignored/f.yaml', 'tracked.yaml']);
    writeFileSync(join(root, '.gitignore'), 'ignored/\nnode_modules\n');
    const git = (...args: string[]): string =>
      execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' });
    git('init', '-q');
    git('add', 'tracked.yaml');
    assert.deepEqual(listFiles(root), [
      '.env',
      '.gitignore',
      'a.yaml',
      'sub/b.yaml',
      'tracked.yaml',
    ]);
    assert.deepEqual(listFiles(join(root, 'sub')), ['b.yaml']);
  });
});

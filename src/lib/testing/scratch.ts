import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh directory under the OS temp dir for one test process, removed when that process
 * exits (node --test runs each file in its own). Tests made thousands of `posture-*` folders a
 * day and kept them all: a cleanup each test had to remember was a cleanup most forgot.
 */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (made.length === 0) process.once('exit', removeAll);
  made.push(dir);
  return dir;
}

const made: string[] = [];

function removeAll(): void {
  // Best effort: a folder a test already removed, or one a server still writes to, is no error.
  for (const dir of made) rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
}

import { open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A heap snapshot of a running Node process, taken from outside: the process runs with
 * heapSnapshotFlags(dir) and writes `Heap.….heapsnapshot` into `dir` when it gets the signal.
 * SIGWINCH, because SIGUSR1 starts Node's inspector and the bench's SIGUSR2 hook runs a GC.
 */

export const HEAP_SNAPSHOT_SIGNAL = 'SIGWINCH';

export function heapSnapshotFlags(dir: string): string[] {
  return [`--heapsnapshot-signal=${HEAP_SNAPSHOT_SIGNAL}`, `--diagnostic-dir=${dir}`];
}

export interface SnapshotWait {
  /** How long the process may take to write it (10 min: 10,000 services is over 1 GB). */
  timeoutMs?: number;
  pollMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function snapshotsIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.heapsnapshot'));
}

/** V8 writes the file as it serializes; the JSON's closing brace is its last byte. */
async function endsWhole(path: string, size: number): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const tail = Buffer.alloc(Math.min(size, 16));
    await file.read(tail, 0, tail.length, size - tail.length);
    return tail.toString('latin1').trimEnd().endsWith('}');
  } finally {
    await file.close();
  }
}

/** Whether `pid` still has `path` open (Linux): Node closes the file once it wrote all of it. */
export async function isOpenBy(pid: number, path: string): Promise<boolean> {
  const fds = await readdir(`/proc/${pid}/fd`);
  const targets = await Promise.all(
    fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')),
  );
  return targets.includes(path);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The file's size, and whether it is whole: as large as at the last poll, closed, complete. */
async function progressOf(pid: number, path: string, lastSize: number) {
  const { size } = await stat(path);
  const settled = size > 0 && size === lastSize && !(await isOpenBy(pid, path));
  return { size, whole: settled && (await endsWhole(path, size)) };
}

/**
 * Signals `pid` and waits for a new snapshot in `dir` whose size stopped changing, which the
 * process closed and which ends whole (a pause in the writing alone could pass for the end).
 * Returns its path.
 */
export async function takeHeapSnapshot(
  pid: number,
  dir: string,
  wait: SnapshotWait = {},
): Promise<string> {
  const { timeoutMs = 600_000, pollMs = 1000 } = wait;
  const before = new Set(await snapshotsIn(dir));
  process.kill(pid, HEAP_SNAPSHOT_SIGNAL);
  const started = performance.now();
  let lastSize = -1;
  while (performance.now() - started < timeoutMs) {
    await sleep(pollMs);
    if (!isAlive(pid)) throw new Error(`heap snapshot: process ${pid} is gone`);
    const name = (await snapshotsIn(dir)).find((f) => !before.has(f));
    if (!name) continue;
    // The real path: /proc's fd links name it so.
    const path = await realpath(join(dir, name));
    const { size, whole } = await progressOf(pid, path, lastSize);
    if (whole) return path;
    lastSize = size;
  }
  throw new Error(`heap snapshot: no whole snapshot from ${pid} in ${dir} after ${timeoutMs} ms`);
}

import { open, readdir, stat } from 'node:fs/promises';
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Signals `pid` and waits for a new snapshot in `dir` whose size stopped changing and which
 * ends whole (the file exists, empty, while V8 still walks the heap). Returns its path.
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
    const path = join(dir, name);
    const { size } = await stat(path);
    if (size > 0 && size === lastSize && (await endsWhole(path, size))) return path;
    lastSize = size;
  }
  throw new Error(`heap snapshot: no whole snapshot from ${pid} in ${dir} after ${timeoutMs} ms`);
}

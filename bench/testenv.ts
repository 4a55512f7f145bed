/**
 * The test environment's warm start time and memory: how long `npm test` waits before the
 * first test when binaries are cached, and the RSS of every running server.
 * Cold build time is what `posture dev build` prints on a machine without the cache.
 */
import { readFileSync } from 'node:fs';
import { startEnvironment } from '../src/testenv/environment.ts';

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const started = performance.now();
const env = await startEnvironment({ log: () => undefined });
const warmStartMs = Math.round(performance.now() - started);
try {
  // Let controllers and kwok settle before reading memory.
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const perServer = Object.fromEntries(
    env.servers().map(({ name, pid }) => [name, Math.round(rssMb(pid))]),
  );
  const total = Object.values(perServer).reduce((a, b) => a + b, 0);
  for (const [comm, mb] of Object.entries(perServer).sort())
    console.log(`${comm.padEnd(24)} ${mb} MB`);
  console.log(`warm start: ${warmStartMs} ms; environment RSS: ${total} MB`);
  console.log(JSON.stringify({ warmStartMs, rssMb: total }));
} finally {
  await env.stop();
}

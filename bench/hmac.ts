/**
 * `npm run bench -- hmac`: what checking a signed 1 KB message costs next to computing its MAC.
 *
 * - verify: `Verifier.verify` on the envelope as a header string (`v1.<ts>.<nonce>.<mac>.<id>`):
 *   parse, key lookup, skew check, HMAC-SHA256 over header and message, timingSafeEqual and the
 *   nonce cache (every envelope has a fresh nonce, so every check inserts one).
 * - raw: `createHmac('sha256', key).update(msg).digest()` with the key as a KeyObject, the form
 *   the ring keeps (with a Buffer key Node 24 is ~5x slower: printed beside, not compared).
 * Rounds alternate raw and verify so a busy neighbour slows both; figures are medians of rounds,
 * and the ratio is also printed in thread CPU time, which a neighbour does not inflate.
 * p99 times each call with hrtime (its ~50 ns included); by then the verifier holds half a
 * million nonces, so lookups miss the CPU caches as in a busy service. Memory: heap plus
 * ArrayBuffers after a GC, before and after one million nonces, inserted within one second and
 * spread over the 5-minute window.
 * Goals: ratio >= 0.6, p99 <= 10 us, <= 64 MB per million nonces. Ends with one JSON line.
 */
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { NonceCache } from '../src/hmac/nonce-cache.ts';
import { ringOf } from '../src/hmac/ring-file.ts';
import { Signer } from '../src/hmac/sign.ts';
import { Verifier } from '../src/hmac/verify.ts';
import { median } from './support/stats.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const log = (line: string) => process.stderr.write(`${line}\n`);

const BATCH = 20_000;
const ROUNDS = 15;
const LATENCY_SAMPLES = 200_000;

const keyBytes = randomBytes(32);
const ring = ringOf({ algorithm: 'sha256', keyId: 'k1', primary: keyBytes.toString('base64') });
const keyObject = createSecretKey(keyBytes);
const message = randomBytes(1024);
const signer = new Signer({ ring });
const verifier = new Verifier({ ring, maxNonces: 2_000_000 });

/** Envelopes as a receiver has them: decoded off the wire into flat strings (not the signer's
 * concatenation, which V8 would flatten inside the first verify and charge to it). */
const sign = (n: number) =>
  Array.from({ length: n }, () =>
    Buffer.from(signer.signToString(message), 'latin1').toString('latin1'),
  );

/** Wall and this thread's CPU milliseconds of `fn`: CPU time leaves out a busy neighbour. */
function timed(fn: () => void): { wall: number; cpu: number } {
  const [start, cpuStart] = [performance.now(), process.threadCpuUsage()];
  fn();
  const cpu = process.threadCpuUsage(cpuStart);
  return { wall: performance.now() - start, cpu: (cpu.user + cpu.system) / 1000 };
}

function raw(n: number, key: Buffer | typeof keyObject = keyObject): void {
  for (let i = 0; i < n; i++) createHmac('sha256', key).update(message).digest();
}

function verifyAll(envelopes: string[]): void {
  let failed = 0;
  for (const envelope of envelopes) if (!verifier.verify(message, envelope).ok) failed++;
  if (failed > 0) throw new Error(`${failed} of ${envelopes.length} envelopes did not verify`);
}

function throughput() {
  raw(BATCH);
  verifyAll(sign(BATCH)); // warm up the JIT on both paths
  const sides = {
    raw: [] as number[],
    ours: [] as number[],
    rawCpu: [] as number[],
    oursCpu: [] as number[],
  };
  for (let round = 0; round < ROUNDS; round++) {
    const envelopes = sign(BATCH);
    const order = round % 2 === 0 ? ['raw', 'verify'] : ['verify', 'raw'];
    for (const side of order) {
      const t = side === 'raw' ? timed(() => raw(BATCH)) : timed(() => verifyAll(envelopes));
      const [wall, cpu] = side === 'raw' ? [sides.raw, sides.rawCpu] : [sides.ours, sides.oursCpu];
      wall.push((BATCH / t.wall) * 1000);
      cpu.push((BATCH / t.cpu) * 1000);
    }
  }
  const ratio = (a: number[], b: number[]) => median(a.map((v, i) => v / b[i]!));
  return {
    opsPerSec: median(sides.ours),
    rawOpsPerSec: median(sides.raw),
    ratio: ratio(sides.ours, sides.raw),
    cpuRatio: ratio(sides.oursCpu, sides.rawCpu),
  };
}

function p99(samples: Float64Array): number {
  const sorted = samples.sort();
  return sorted[Math.floor(sorted.length * 0.99)]!;
}

function latency() {
  const envelopes = sign(LATENCY_SAMPLES);
  const ours = new Float64Array(LATENCY_SAMPLES);
  const raw = new Float64Array(LATENCY_SAMPLES);
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const a = process.hrtime.bigint();
    verifier.verify(message, envelopes[i]!);
    const b = process.hrtime.bigint();
    createHmac('sha256', keyObject).update(message).digest();
    const c = process.hrtime.bigint();
    ours[i] = Number(b - a) / 1000;
    raw[i] = Number(c - b) / 1000;
  }
  return { p99us: p99(ours), rawP99us: p99(raw), p50us: ours.sort()[LATENCY_SAMPLES / 2]! };
}

function heapBytes(): number {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** MB held by a cache of one million nonces, inserted over `spreadMs` of clock time. */
function nonceMemory(spreadMs: number): { mb: number; tableMb: number } {
  const million = 1_000_000;
  let now = 0;
  const clock = { now: () => now };
  const before = heapBytes();
  const cache = new NonceCache({ windowMs: 300_000, maxEntries: million, clock });
  for (let done = 0; done < million; done += 10_000) {
    now = Math.floor((done / million) * spreadMs);
    const bytes = randomBytes(16 * 10_000);
    for (let i = 0; i < 10_000; i++) {
      if (cache.check(bytes.subarray(i * 16, i * 16 + 16)) !== 'fresh') throw new Error('lost');
    }
  }
  const after = heapBytes();
  if (cache.size !== million) throw new Error(`cache holds ${cache.size}, not a million`);
  return { mb: (after - before) / 2 ** 20, tableMb: cache.bytes / 2 ** 20 };
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

log(`load average at start: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`);
const speed = throughput();
const lat = latency();
const bufferKeyOps = (BATCH / timed(() => raw(BATCH, keyBytes)).wall) * 1000;
const atOnce = nonceMemory(0);
const spread = nonceMemory(299_000);
log(`1 KB messages, HMAC-SHA256, ${ROUNDS} rounds of ${BATCH} (medians):`);
log(`  verify (header string, nonce checked): ${Math.round(speed.opsPerSec)} ops/s`);
log(`  raw createHmac(KeyObject).update.digest: ${Math.round(speed.rawOpsPerSec)} ops/s`);
log(`  ratio verify/raw: ${round(speed.ratio)} wall, ${round(speed.cpuRatio)} in thread CPU time`);
log(`  (raw with a Buffer key instead of a KeyObject: ${Math.round(bufferKeyOps)} ops/s)`);
log(
  `  latency over ${LATENCY_SAMPLES} calls: verify p50 ${round(lat.p50us)} us, p99 ${round(lat.p99us)} us; raw p99 ${round(lat.rawP99us)} us`,
);
log(
  `nonce cache, 1M nonces: ${round(atOnce.mb, 1)} MB inserted at once ` +
    `(slot array ${round(atOnce.tableMb, 1)} MB), ${round(spread.mb, 1)} MB spread over 5 min ` +
    `(slot array ${round(spread.tableMb, 1)} MB)`,
);
const result = {
  ratio: round(speed.ratio),
  opsPerSec: Math.round(speed.opsPerSec),
  rawOpsPerSec: Math.round(speed.rawOpsPerSec),
  p99us: round(lat.p99us),
  nonceMbPerMillion: round(Math.max(atOnce.mb, spread.mb), 1),
};
process.stdout.write(`${JSON.stringify(result)}\n`);

/**
 * How fast the operator converges N TradingServices applied at once, against the real test
 * environment, compared with `kubectl apply --server-side` of the same rendered objects in the
 * same run: time until every CR is Ready (Vault policy, role and NKey, four children, NATS
 * config published), the operator's RSS and its apiserver requests per reconcile.
 *
 * A third side is the apiserver's limit: the same objects server-side applied through posture's
 * KubeClient with a pool of requests in flight (each size of --limit-pools in turn, on fresh
 * namespaces, after the operator stopped; the fastest is `limitMs`). `limitRatio` is the operator's time over it. The
 * operator's apiserver writes per service are counted from its own metric (by verb) and from
 * the apiserver's `apiserver_request_total` (by verb and resource, the bench's own TradingService
 * applies included as `APPLY tradingservices`).
 *
 * Then, for memory at scale, more services are added up to --rss-services (10,000) and the
 * operator's RSS is read once every CR was reconciled (status.observedGeneration current). At
 * that size the aggregated NATS config no longer fits one Secret (docs/adr/0034), so those
 * services are reconciled but not all Ready; the count of Ready ones is reported.
 *
 *   npm run bench -- converge [--services 1000] [--workers 8] [--rss-services 10000 | 0]
 *                           [--limit-pools 16,32,64] [--nats-auth config | jwt] [--heap-snapshots]
 *                           [--fresh-clusters] [--resync-seconds 90]
 *
 * With `--resync-seconds` the operator resyncs that often, and its memory is read at rest once
 * more after the first resync that follows the converge (`rssAfterResyncMb`).
 *
 * The sides share one cluster (each in namespaces of its own) unless `--fresh-clusters` gives
 * each side a new one: at 10,000 services what the cluster already holds slows the apiserver,
 * so a ratio of sides run one after another on one cluster is not a ratio of the same work.
 * Memory is read at rest: 30 s after a full GC, with no work.
 *
 * With `--heap-snapshots` the operator also writes a V8 heap snapshot at each size (on SIGWINCH,
 * after the RSS at rest was read: a snapshot doubles the heap for a while, and that transient
 * is in the peak of the next size), summarized by self size per type and constructor: a table
 * on stdout and the ten largest groups as `heap1k` / `heap10k` in the JSON line.
 *
 * With `--nats-auth jwt` (docs/adr/0060) a nats-server runs in full-resolver mode, the keys are
 * created in Vault as `posture nats init` does, and the operator gets `--nats-url`: Ready then
 * means nats-server confirmed the service's account (no NatsNotConfirmed shortcut), at every
 * size, since nothing there grows with the number of services.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Informer } from '../src/operator/informer/informer.ts';
import { KubeClient } from '../src/operator/kube/client.ts';
import { loadKubeconfig } from '../src/operator/kube/kubeconfig.ts';
import { silentLog } from '../src/operator/telemetry/log.ts';
import type { KubeObject } from '../src/operator/kube/types.ts';
import { syntheticPlatform } from '../src/render/testing/synthetic.ts';
import { startEnvironment, type Environment } from '../src/testenv/environment.ts';
import { GROUP_VERSION } from '../src/api/common/metadata.ts';
import { posturePlatformKind } from '../src/api/platform/kind.ts';
import { PLATFORM_OBJECT_NAME } from '../src/api/platform/schema.ts';
import { cpuBetween, cpuOf, sampleCpu, type CpuSample } from './support/cpu.ts';
import { startOperator, type OperatorProcess, type Stats } from './support/operator-process.ts';
import { applyAtLimit, movedTo, renderedChildren } from './support/limit.ts';
import { kubectl } from './support/kubectl.ts';
import { Tally } from './support/tally.ts';
import { flag, textFlag } from './support/flags.ts';
import {
  formatHeapTable,
  heapFigures,
  summarizeHeapSnapshot,
  type HeapSummary,
} from './support/heap-snapshot.ts';
import { heapSnapshotFlags, takeHeapSnapshot } from './support/heap-snapshot-signal.ts';
import { residentOf, type Resident } from './support/smaps.ts';
import {
  apiserverWrites,
  writesPerServiceOf,
  type WriteCounts,
} from './support/apiserver-writes.ts';
import { TRADING_SERVICE } from '../src/api/tradingservice/kind.ts';
import { initJwt } from '../src/nats/jwt/init.ts';
import { resolverConfigText } from '../src/render/nats/resolver.ts';
import { startNats } from '../src/testenv/nats.ts';
import { staticToken } from '../src/vault/auth.ts';
import { HttpVaultAdapter } from '../src/vault/http.ts';

const exec = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const natsAuth = textFlag('nats-auth', 'config');
if (natsAuth !== 'config' && natsAuth !== 'jwt')
  throw new Error(`--nats-auth ${natsAuth}: use config or jwt`);
const services = flag('services', 1000);
const workers = flag('workers', 8);
const rssServices = flag('rss-services', 10_000);
const freshClusters = process.argv.slice(3).includes('--fresh-clusters');
/** With `--resync-seconds`, memory is read at rest again after the first resync that follows. */
const resyncSeconds = flag('resync-seconds', 0);
const limitPools = (() => {
  const args = process.argv.slice(3);
  const i = args.findIndex((a) => a === '--limit-pools' || a.startsWith('--limit-pools='));
  const arg = i < 0 ? '16,32,64' : args[i]?.includes('=') ? args[i]?.split('=')[1] : args[i + 1];
  return (arg ?? '')
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
})();
const dir = mkdtempSync(join(tmpdir(), 'posture-converge-'));
/** Where the operator writes heap snapshots (--heap-snapshots), each deleted once summarized. */
const snapshotDir = process.argv.slice(3).includes('--heap-snapshots')
  ? join(dir, 'heap-snapshots')
  : undefined;
if (snapshotDir) mkdirSync(snapshotDir);

/** CPU seconds of the servers, this process (`bench`) and its waited-for children (`kubectl`). */
function cpuNow(env: Environment, operatorPid?: number): CpuSample {
  const self = cpuOf('self');
  return {
    ...sampleCpu([...env.servers(), { name: 'operator', pid: operatorPid }]),
    bench: self.own,
    kubectl: self.children,
  };
}

/** CPU seconds per process while `phase` ran; processes that spent none are left out. */
async function measureCpu<T>(
  env: Environment,
  phase: () => Promise<T>,
  operatorPid?: number,
): Promise<{ result: T; cpu: CpuSample }> {
  const before = cpuNow(env, operatorPid);
  const result = await phase();
  const spent = cpuBetween(before, cpuNow(env, operatorPid));
  const cpu = Object.fromEntries(Object.entries(spent).filter(([, s]) => s > 0));
  return { result, cpu };
}

async function applyList(env: Environment, name: string, items: unknown[]): Promise<number> {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  const started = performance.now();
  await kubectl(env, ['apply', '--server-side', '--field-manager=bench', '-f', file]);
  return performance.now() - started;
}

const namespaceObject = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name },
});

/** The apiserver's count of writes so far, by verb and resource. */
async function apiserverWritesNow(env: Environment): Promise<WriteCounts> {
  return apiserverWrites((await kubectl(env, ['get', '--raw', '/metrics'])).stdout);
}

function procStatus(pid: number | undefined, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1];
  return Math.round(Number(kb ?? 0) / 1024);
}

interface Memory {
  /** Resident set after a full collection: what the operator holds at this size. */
  rss: number;
  /** Resident set before it (garbage V8 had not collected yet). */
  rssBeforeGc: number;
  /**
   * Resident set after a further 30 s at rest (no changes, resync 10 min away): V8's memory
   * reducer gives back heap pages the burst grew, which a full GC alone does not.
   */
  rssAtRest: number;
  /** The process's peak resident set so far. */
  peak: number;
  /** The resident set at rest by what backs it (smaps). */
  resident: Resident;
  /** With --heap-snapshots: the heap by self size, once the figures above were read. */
  heap: HeapSummary | null;
  /** The operator's idle collections so far (--idle-gc-seconds), and their mean pause. */
  idle: { collections: number; meanMs: number | null };
}

async function memoryOf(operator: OperatorProcess, size: number): Promise<Memory> {
  const pid = operator.child.pid;
  const rssBeforeGc = procStatus(pid, 'VmRSS');
  process.kill(pid ?? 0, 'SIGUSR2');
  await sleep(2000);
  const rss = procStatus(pid, 'VmRSS');
  await sleep(30_000);
  const rssAtRest = procStatus(pid, 'VmRSS');
  const resident = residentOf(pid ?? 0);
  const peak = procStatus(pid, 'VmHWM');
  const idle = idleOf(await operator.scrape());
  // Last: V8 copies the heap into the snapshot, which RSS and peak must not include.
  return { rss, rssBeforeGc, rssAtRest, peak, resident, idle, heap: await heapOf(pid ?? 0, size) };
}

/** How many idle collections ran, and how long each held the event loop on average. */
function idleOf(stats: Stats | undefined): Memory['idle'] {
  const collections = stats?.idle.collections ?? 0;
  const seconds = stats?.idle.seconds ?? 0;
  return {
    collections,
    meanMs: collections > 0 ? Math.round((1000 * seconds) / collections) : null,
  };
}

/** The operator's heap by self size, printed as a table; the snapshot file is deleted. */
async function heapOf(pid: number, size: number): Promise<HeapSummary | null> {
  if (!snapshotDir) return null;
  const path = await takeHeapSnapshot(pid, snapshotDir, { timeoutMs: 600_000 });
  try {
    const summary = await summarizeHeapSnapshot(path);
    console.log(
      `\noperator heap at ${size} services, by self size:\n${formatHeapTable(summary)}\n`,
    );
    return summary;
  } finally {
    rmSync(path, { force: true });
  }
}

type Observed = {
  status?: {
    observedGeneration?: number;
    conditions?: { type: string; status: string; reason?: string }[];
  };
};

function isReconciled(o: KubeObject): boolean {
  return (o as Observed).status?.observedGeneration === o.metadata.generation;
}

/**
 * Ready, or everything in place but the NATS load unconfirmed: the bench runs no nats-server,
 * so the operator (without --nats-monitor-url) ends at writing the NATS Secret, as it did
 * before it reported that as NatsNotConfirmed.
 */
function isReady(o: KubeObject): boolean {
  const ready = (o as Observed).status?.conditions?.find((c) => c.type === 'Ready');
  // Only the static config has no confirmation here; with JWTs, Ready is nats-server's word.
  const unconfirmed = natsAuth === 'config' && ready?.reason === 'NatsNotConfirmed';
  const done = ready?.status === 'True' || unconfirmed;
  return isReconciled(o) && done;
}

/**
 * Readiness seen through a watch (an informer in this process): polling full lists every
 * second would cost the apiserver more than the operator's own watches at 10k objects.
 */
function watchServices(client: KubeClient): { informer: Informer<KubeObject>; stop: () => void } {
  const informer = new Informer<KubeObject>({
    source: client,
    resource: TRADING_SERVICE,
    log: silentLog,
  });
  const controller = new AbortController();
  void informer.run(controller.signal);
  return { informer, stop: () => controller.abort() };
}

/** Waits until `done` holds for n TradingServices; returns how many are Ready. */
async function waitAll(
  informer: Informer<KubeObject>,
  n: number,
  done: (o: KubeObject) => boolean,
  watch: { stats: () => Stats | undefined; deadlineMs?: number },
): Promise<number> {
  const { stats, deadlineMs = Number.POSITIVE_INFINITY } = watch;
  const finished = new Tally(informer, done);
  const ready = done === isReady ? finished : new Tally(informer, isReady);
  const started = performance.now();
  let lastPrint = 0;
  for (;;) {
    const count = finished.count;
    if (count === n || performance.now() - started > deadlineMs) return ready.count;
    if (performance.now() - lastPrint > 2000) {
      lastPrint = performance.now();
      const s = stats();
      const seconds = ((lastPrint - started) / 1000).toFixed(1);
      process.stderr.write(
        `${seconds}s: ${count}/${n} done, ${ready.count} Ready, ${s?.writes} writes, ${s?.reconciles} reconciles\n`,
      );
    }
    await sleep(100);
  }
}

type Input = ReturnType<typeof syntheticPlatform>;

const namespacesOf = (input: Input) => [
  ...new Set(input.resources.tradingServices.map((s) => s.object.metadata.namespace ?? '')),
];

const inScope = (namespaces: Set<string>) => (s: { object: KubeObject }) =>
  namespaces.has(s.object.metadata.namespace ?? '');

/** The credentials and key rings the services in `namespaces` use (before the clock starts). */
async function applyDependencies(env: Environment, input: Input, namespaces: Set<string>) {
  const { exchangeCredentials, hmacKeyRings } = input.resources;
  const dependencies = [...exchangeCredentials, ...hmacKeyRings].filter(inScope(namespaces));
  await applyList(
    env,
    'dependencies',
    dependencies.map((s) => s.object),
  );
}

/** The TradingServices "at once": server-side apply, 16 in flight, as a GitOps sync would. */
async function applyServices(admin: KubeClient, input: Input, namespaces: Set<string>) {
  const objects = input.resources.tradingServices
    .filter(inScope(namespaces))
    .map((s) => s.object as KubeObject);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < objects.length; i = next++) {
      await admin.apply(TRADING_SERVICE, objects[i] as KubeObject);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

interface Limit {
  /** The fastest pool's time: the apiserver's limit. */
  ms: number;
  pool: number;
  byPool: { pool: number; ms: number; cpu: CpuSample }[];
}

/** Writes while the operator converged: its own count, and the apiserver's per service. */
interface Writes {
  operator: number;
  byVerb: Record<string, number>;
  /** The operator's Vault requests per service, by `METHOD area`. */
  vaultPerService: Record<string, number>;
  apiserverPerService: WriteCounts;
}

interface Figures {
  kubectlMs: number;
  limit: Limit;
  writes: Writes;
  operatorMs: number;
  /** CPU seconds per process during each timed phase: where the wall time went. */
  cpu: { kubectl: CpuSample; operator: CpuSample };
  memory: Memory;
  /** With --resync-seconds: the memory at rest after the resync that followed the converge. */
  afterResync?: Memory | undefined;
  stats: Stats;
  scale?: { services: number; memory: Memory; ready: number; ms: number };
}

type Converged = Omit<Figures, 'kubectlMs' | 'cpu' | 'limit'> & { operatorCpu: CpuSample };

interface Run {
  env: Environment;
  admin: KubeClient;
  informer: Informer<KubeObject>;
  operator: OperatorProcess;
}

/** More services up to `rssServices`; the operator's memory once every one was reconciled. */
async function atScale({ env, admin, informer, operator }: Run) {
  const input = syntheticPlatform(rssServices);
  const known = new Set(namespacesOf(syntheticPlatform(services)));
  const fresh = namespacesOf(input).filter((ns) => !known.has(ns));
  await applyList(env, 'namespaces-scale', fresh.map(namespaceObject));
  await applyDependencies(env, input, new Set(fresh));
  const started = performance.now();
  await applyServices(admin, input, new Set(fresh));
  // With JWTs every service can be Ready at any size: wait for that (bounded), not only for
  // every reconcile, so the count says whether the wall of docs/adr/0034 is gone.
  const done = natsAuth === 'jwt' ? isReady : isReconciled;
  const ready = await waitAll(informer, rssServices, done, {
    stats: () => operator.stats,
    deadlineMs: 1_800_000,
  });
  const ms = performance.now() - started;
  await sleep(2000);
  return {
    services: rssServices,
    memory: await memoryOf(operator, rssServices),
    ready,
    ms,
  };
}

async function converge(run: Run, input: Input): Promise<Converged> {
  const { env, admin, informer, operator } = run;
  const namespaces = new Set(namespacesOf(input));
  await applyDependencies(env, input, namespaces);
  await sleep(1000);
  const statsBefore = (await operator.scrape()) as Stats;
  const apiserverBefore = await apiserverWritesNow(env);
  const timed = async () => {
    const started = performance.now();
    await applyServices(admin, input, namespaces);
    await waitAll(informer, services, isReady, { stats: () => operator.stats });
    return performance.now() - started;
  };
  const { result: operatorMs, cpu } = await measureCpu(env, timed, operator.child.pid);
  console.log(`operator: ${services} TradingServices Ready in ${Math.round(operatorMs)} ms`);
  const stats = (await operator.scrape()) as Stats;
  const apiserverAfter = await apiserverWritesNow(env);
  const writes = writesOf(statsBefore, stats, apiserverBefore, apiserverAfter);
  const memory = await memoryOf(operator, services);
  const afterResync = resyncSeconds > 0 ? await memoryAfterResync(operator) : undefined;
  const converged = { operatorMs, operatorCpu: cpu, memory, stats, writes, afterResync };
  if (rssServices <= services) return converged;
  return { ...converged, scale: await atScale(run) };
}

/**
 * The operator's memory at rest after its next resync (`--resync-seconds`): the goals
 * are "at rest after a full resync". Waits until every service was reconciled once more (the
 * resync queues every key), then until no reconcile happened for 5 s.
 */
async function memoryAfterResync(operator: OperatorProcess): Promise<Memory> {
  const before = ((await operator.scrape()) as Stats).results['TradingService/success'] ?? 0;
  const done = async () => {
    const now = (await operator.scrape()) as Stats;
    return (now.results['TradingService/success'] ?? 0) - before >= services;
  };
  while (!(await done())) await sleep(1000);
  process.stderr.write('resync: every service reconciled again\n');
  for (let last = -1; ; await sleep(5000)) {
    const reconciles = ((await operator.scrape()) as Stats).reconciles;
    if (reconciles === last) break;
    last = reconciles;
  }
  return memoryOf(operator, services);
}

function writesOf(
  before: Stats,
  after: Stats,
  apiserverBefore: WriteCounts,
  apiserverAfter: WriteCounts,
): Writes {
  const byVerb: Record<string, number> = {};
  for (const [verb, count] of Object.entries(after.counts))
    if (verb !== 'watch' && verb !== 'list' && verb !== 'get')
      byVerb[verb] = count - (before.counts[verb] ?? 0);
  const vaultPerService = Object.fromEntries(
    Object.entries(after.vault).map(([what, n]) => [
      what,
      round2((n - (before.vault[what] ?? 0)) / services),
    ]),
  );
  return {
    operator: after.writes - before.writes,
    byVerb,
    vaultPerService,
    apiserverPerService: writesPerServiceOf(apiserverBefore, apiserverAfter, services),
  };
}

/** The same objects as kubectl's, through the KubeClient with each pool size in turn. */
async function limitOf(env: Environment, admin: KubeClient, children: unknown[]): Promise<Limit> {
  const byPool: Limit['byPool'] = [];
  for (const pool of limitPools) {
    const objects = movedTo(children, `l${pool}`);
    const { result: ms, cpu } = await measureCpu(env, () => applyAtLimit(admin, objects, pool));
    console.log(`KubeClient server-side apply, ${pool} in flight: ${Math.round(ms)} ms`);
    byPool.push({ pool, ms: Math.round(ms), cpu });
  }
  const best = byPool.reduce((a, b) => (b.ms < a.ms ? b : a));
  return { ms: best.ms, pool: best.pool, byPool };
}

/** The CRDs and the namespaces every side writes into. */
async function prepare(env: Environment, input: Input): Promise<void> {
  await kubectl(env, ['apply', '--server-side', '-f', 'charts/posture/crds/']);
  await kubectl(env, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  const namespaces = namespacesOf(input);
  const prefixes = ['kc', ...limitPools.map((pool) => `l${pool}`)];
  const moved = prefixes.flatMap((prefix) => namespaces.map((ns) => `${prefix}-${ns}`));
  const all = [...namespaces, ...moved, input.platform.nats.namespace];
  await applyList(env, 'namespaces', all.map(namespaceObject));
}

const adminOf = (env: Environment) =>
  new KubeClient({
    access: loadKubeconfig(env.info.kube.kubeconfig),
    timeoutMs: 60_000,
    fieldManager: 'bench',
  });

async function kubectlSide(env: Environment, children: unknown[]) {
  const run = await measureCpu(env, () => applyList(env, 'kubectl', movedTo(children, 'kc')));
  console.log(
    `kubectl apply --server-side of ${services} services' objects: ${Math.round(run.result)} ms`,
  );
  return run;
}

async function operatorSide(env: Environment, input: Input): Promise<Converged> {
  const jwt = natsAuth === 'jwt' ? await jwtNats(env, input) : undefined;
  const platformFile = join(dir, 'platform.json');
  // A PosturePlatform object, as an operator's --platform file is written (not a bare map).
  const platformObject = {
    apiVersion: GROUP_VERSION,
    kind: posturePlatformKind.kind,
    metadata: { name: PLATFORM_OBJECT_NAME },
    spec: operatorPlatform(input.platform),
  };
  writeFileSync(platformFile, JSON.stringify(platformObject));
  const admin = adminOf(env);
  const watch = watchServices(admin);
  const operator = await startOperator({
    kubeconfig: env.info.kube.kubeconfig,
    vault: { addr: env.info.vault!.addr, token: env.info.vault!.token },
    platformFile,
    workers,
    dir,
    ...(resyncSeconds > 0 && { resyncSeconds }),
    nodeFlags: [
      ...(process.env['BENCH_OPERATOR_NODE_FLAGS'] ?? '').split(' ').filter(Boolean),
      ...(snapshotDir ? heapSnapshotFlags(snapshotDir) : []),
    ],
    ...(jwt && { args: [`--nats-url=${jwt.url}`] }),
  });
  try {
    while (!operator.stats) await sleep(100);
    await watch.informer.waitForSync();
    return await converge({ env, admin, informer: watch.informer, operator }, input);
  } finally {
    watch.stop();
    await stopOperator(operator);
    await jwt?.stop();
  }
}

/**
 * The three sides in turn. By default on one cluster, each side in namespaces of its own; with
 * --fresh-clusters each side gets a new cluster: at 10,000 services the apiserver's cost per
 * write grows with what the cluster already holds (measured on one cluster: 9 ms of apiserver
 * CPU per write for kubectl, first, and 27 ms for the limit side, third), which no ratio of
 * sides that ran on different cluster sizes should carry.
 */
async function main(start: () => Promise<Environment>): Promise<Figures> {
  const input = syntheticPlatform(services);
  const children = renderedChildren(input);
  let shared: Environment | undefined;
  const cluster = async () => {
    if (shared) return shared;
    const env = await start();
    await prepare(env, input);
    if (!freshClusters) shared = env;
    return env;
  };
  const side = async <T>(run: (env: Environment) => Promise<T>) => {
    const env = await cluster();
    try {
      return await run(env);
    } finally {
      if (env !== shared) await env.stop();
    }
  };
  try {
    const kubectlRun = await side((env) => kubectlSide(env, children));
    const run = await side((env) => operatorSide(env, input));
    // Last, with the operator gone: its informers would otherwise watch these writes too.
    const limit = await side((env) => limitOf(env, adminOf(env), children));
    const { operatorCpu, ...converged } = run;
    const cpu = { kubectl: kubectlRun.cpu, operator: operatorCpu };
    return { kubectlMs: kubectlRun.result, limit, cpu, ...converged };
  } finally {
    await shared?.stop();
  }
}

/**
 * The platform the operator reads: without `nats.users`, the public keys only `posture synth`
 * needs (the operator keeps the seeds in Vault), which a platform holds for 4,096 services at most.
 */
function operatorPlatform(platform: Input['platform']): Input['platform'] {
  return { ...platform, nats: { ...platform.nats, users: {} } };
}

/**
 * `--nats-auth jwt`: the keys in Vault (as `posture nats init` makes them), the settings in the
 * platform the operator reads, and a nats-server in full-resolver mode trusting them.
 */
async function jwtNats(env: Environment, input: Input) {
  const vault = env.info.vault!;
  const root = new HttpVaultAdapter({ address: vault.addr, token: staticToken(vault.token) });
  const { platform } = input;
  const settings = await initJwt(root, platform.vault.kvMount, platform.nats.systemAccount);
  const resolverDir = mkdtempSync(join(dir, 'resolver-'));
  platform.nats = { ...platform.nats, auth: 'jwt', jwt: { ...settings, resolverDir } };
  const bin = env.info.bin['nats-server'];
  if (!bin) throw new Error('the test environment has no nats-server');
  return startNats(bin, resolverConfigText(platform));
}

async function stopOperator(operator: OperatorProcess): Promise<void> {
  const exited = new Promise((resolve) => operator.child.once('exit', resolve));
  operator.stop();
  if (operator.child.exitCode === null) await Promise.race([exited, sleep(10_000)]);
  // Never leave it running into the next side's figures (or the next run's).
  if (operator.child.exitCode === null && operator.child.signalCode === null) {
    process.stderr.write('the operator did not exit 10 s after SIGTERM: killed\n');
    operator.child.kill('SIGKILL');
  }
}

const describeMemory = (m: Memory) =>
  `${m.rssAtRest} MB at rest, 30 s after a full GC (${m.rss} MB 2 s after it, ${m.rssBeforeGc} MB before it, peak ${m.peak} MB); at rest by source, MB: ${JSON.stringify(m.resident)}; idle collections so far: ${m.idle.collections}, ${m.idle.meanMs ?? '-'} ms each on average`;

const round2 = (n: number) => Math.round(n * 100) / 100;

/** RSS at rest at 10,000 services: of the scale phase, or of the converge at --services 10000. */
function rss10kOf(r: Figures): number | null {
  if (r.scale?.services === 10_000) return r.scale.memory.rssAtRest;
  return services === 10_000 ? r.memory.rssAtRest : null;
}

/**
 * Services Ready at 10,000: of the scale phase, or of the converge at --services 10000, which
 * waits for all Ready (in config mode the NATS Secret's size rules that out, docs/adr/0034);
 * null otherwise.
 */
function ready10kOf(r: Figures): number | null {
  if (r.scale?.services === 10_000) return r.scale.ready;
  // --services 10000: the converge itself waited for every one to be Ready.
  if (services === 10_000) return services;
  return null;
}

/** The limit side and the writes per service: printed, and the JSON keys they add. */
function limitAndWrites(r: Figures): Record<string, unknown> {
  const limitRatio = round2(r.operatorMs / r.limit.ms);
  const writesPerService = round2(r.writes.operator / services);
  console.log(
    `KubeClient server-side apply of the same objects, ${r.limit.pool} in flight (fastest of ${JSON.stringify(r.limit.byPool.map((p) => [p.pool, p.ms]))}): ${r.limit.ms} ms`,
  );
  console.log(`ratio operator/limit: ${limitRatio}`);
  console.log(
    `operator writes during the converge: ${r.writes.operator} (${JSON.stringify(r.writes.byVerb)}), ${writesPerService} per service`,
  );
  console.log(
    `operator Vault requests per service during the converge: ${JSON.stringify(r.writes.vaultPerService)}`,
  );
  console.log(
    `apiserver writes per service during the converge, by verb and resource (APPLY tradingservices is the bench's): ${JSON.stringify(r.writes.apiserverPerService)}`,
  );
  const ready10k = ready10kOf(r);
  if (ready10k === null) console.log(`ready10k: null (no run with 10,000 services)`);
  return {
    limitMs: r.limit.ms,
    limitRatio,
    limitPool: r.limit.pool,
    limitByPool: r.limit.byPool,
    writesPerService,
    writesByVerb: r.writes.byVerb,
    vaultPerService: r.writes.vaultPerService,
    apiserverWritesPerService: r.writes.apiserverPerService,
    ready10k,
  };
}

/** The scale phase's size, Ready count and time (nulls without one). */
const scaleOf = (r: Figures) => ({
  scaleServices: r.scale?.services ?? null,
  scaleReady: r.scale?.ready ?? null,
  scaleMs: r.scale ? Math.round(r.scale.ms) : null,
});

/** The ten largest heap groups at 1,000 and 10,000 services (--heap-snapshots), else nulls. */
const heapsOf = (r: Figures) => ({
  heap1k: services === 1000 && r.memory.heap ? heapFigures(r.memory.heap) : null,
  heap10k:
    r.scale?.services === 10_000 && r.scale.memory.heap ? heapFigures(r.scale.memory.heap) : null,
});

function report(r: Figures): void {
  const requests = Object.entries(r.stats.counts)
    .filter(([verb]) => verb !== 'watch')
    .reduce((sum, [, count]) => sum + count, 0);
  const requestsPerReconcile = Math.round((requests / Math.max(1, r.stats.reconciles)) * 100) / 100;
  const ratio = Math.round((r.operatorMs / r.kubectlMs) * 100) / 100;
  console.log(
    `\noperator: ${services} TradingServices Ready in ${Math.round(r.operatorMs)} ms (${workers} workers)`,
  );
  console.log(`kubectl apply --server-side of the same objects: ${Math.round(r.kubectlMs)} ms`);
  console.log(`ratio operator/kubectl: ${ratio}`);
  console.log(`CPU seconds during kubectl's run: ${JSON.stringify(r.cpu.kubectl)}`);
  console.log(`CPU seconds until ${services} Ready: ${JSON.stringify(r.cpu.operator)}`);
  console.log(
    `operator RSS at ${services} services: ${describeMemory(r.memory)}; V8 heap in use ${r.stats.memory?.heapMb} MB`,
  );
  if (r.afterResync)
    console.log(
      `operator RSS at ${services} services after a resync: ${describeMemory(r.afterResync)}`,
    );
  if (r.scale)
    console.log(
      `operator RSS at ${r.scale.services} services: ${describeMemory(r.scale.memory)}; all reconciled in ${Math.round(r.scale.ms)} ms, ${r.scale.ready} Ready (docs/adr/0034)`,
    );
  console.log(
    `apiserver requests until ${services} Ready: ${requests} (${JSON.stringify(r.stats.counts)}), writes ${r.stats.writes}, reconciles ${r.stats.reconciles} ${JSON.stringify(r.stats.results)}`,
  );
  const added = limitAndWrites(r);
  console.log(
    JSON.stringify({
      natsAuth,
      ...scaleOf(r),
      ratio,
      operatorMs: Math.round(r.operatorMs),
      kubectlMs: Math.round(r.kubectlMs),
      // The figure is at rest: 30 s after the bench's full GC, with no work.
      rssMb1k: services === 1000 ? r.memory.rssAtRest : null,
      rssMb10k: rss10kOf(r),
      requestsPerReconcile,
      services,
      rssMb: r.memory.rss,
      rssBeforeGcMb: r.memory.rssBeforeGc,
      rssAtRestMb: r.memory.rssAtRest,
      rssAfterResyncMb: r.afterResync?.rssAtRest ?? null,
      idleCollections: r.memory.idle.collections,
      idleCollectionMs: r.memory.idle.meanMs,
      residentMb: r.memory.resident,
      heap: r.stats.memory?.spaces,
      cpuKubectl: r.cpu.kubectl,
      cpuOperator: r.cpu.operator,
      ...(r.scale && {
        scaleServices: r.scale.services,
        scaleRssBeforeGcMb: r.scale.memory.rssBeforeGc,
        scaleRssAtRestMb: r.scale.memory.rssAtRest,
        scaleRssAfterGcMb: r.scale.memory.rss,
        scaleResidentMb: r.scale.memory.resident,
        scalePeakMb: r.scale.memory.peak,
        scaleReady: r.scale.ready,
        scaleMs: Math.round(r.scale.ms),
      }),
      ...added,
      ...heapsOf(r),
    }),
  );
}

// The operator runs as it ships: compiled (docs/adr/0035), built from this checkout first.
process.stderr.write('npm run build (the operator as it ships, compiled)\n');
await exec('npm', ['run', 'build']);
try {
  report(await main(() => startEnvironment({ controllers: false, log: () => undefined })));
} finally {
  // The platform file, the operator's token and the resolver's JWTs: nothing to keep.
  rmSync(dir, { recursive: true, force: true });
}

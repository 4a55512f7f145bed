/**
 * How fast the operator converges N TradingServices applied at once, against the real test
 * environment, compared with `kubectl apply --server-side` of the same rendered objects in the
 * same run: time until every CR is Ready (Vault policy, role and NKey, four children, NATS
 * config published), the operator's RSS and its apiserver requests per reconcile.
 *
 * Then, for memory at scale, more services are added up to --rss-services (10,000) and the
 * operator's RSS is read once every CR was reconciled (status.observedGeneration current). At
 * that size the aggregated NATS config no longer fits one Secret (docs/adr/0034), so those
 * services are reconciled but not all Ready; the count of Ready ones is reported.
 *
 *   npm run bench -- converge [--services 1000] [--workers 8] [--rss-services 10000 | 0]
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { TRADING_SERVICE } from '../src/crds/tradingservice/reconcile.ts';
import { KubeClient } from '../src/operator/kube/client.ts';
import type { KubeObject } from '../src/operator/kube/types.ts';
import { renderResources } from '../src/render/index.ts';
import { syntheticPlatform } from '../src/render/testing/synthetic.ts';
import { startEnvironment, type Environment } from '../src/testenv/environment.ts';

const exec = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const CHILD_KINDS = new Set(['ServiceAccount', 'Service', 'Deployment', 'CiliumNetworkPolicy']);

function flag(name: string, fallback: number): number {
  const args = process.argv.slice(3);
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const arg = args[i] ?? '';
  return Number(arg.includes('=') ? arg.split('=')[1] : args[i + 1]);
}

const services = flag('services', 1000);
const workers = flag('workers', 8);
const rssServices = flag('rss-services', 10_000);
const dir = mkdtempSync(join(tmpdir(), 'posture-converge-'));

function kubectl(env: Environment, args: string[]): Promise<{ stdout: string }> {
  const bin = env.info.bin['kubectl'] ?? 'kubectl';
  return exec(bin, [`--kubeconfig=${env.info.kube.kubeconfig}`, ...args], {
    maxBuffer: 512 * 1024 * 1024,
  });
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

/** The rendered children of every service, moved to `kc-<ns>` so both runs write fresh objects. */
function kubectlObjects(input: ReturnType<typeof syntheticPlatform>): unknown[] {
  const { platform, resources } = input;
  const nkeys = (s: { namespace: string; name: string }) =>
    platform.nats.users[`${s.namespace}/${s.name}`];
  const rendered = renderResources({ platform, resources, nkeys });
  const children = rendered.objects
    .map((o) => o.manifest)
    .filter((m) => CHILD_KINDS.has(m['kind'] as string));
  return JSON.parse(
    JSON.stringify(children).replaceAll('"namespace":"team-', '"namespace":"kc-team-'),
  ) as unknown[];
}

function rssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) / 1024);
}

interface Stats {
  counts: Record<string, number>;
  writes: number;
  reconciles: number;
  results: Record<string, number>;
}

function startOperator(env: Environment, platformFile: string) {
  const vault = env.info.vault!;
  const child = spawn(
    process.execPath,
    [
      'bench/support/converge-operator.ts',
      env.info.kube.kubeconfig,
      vault.addr,
      vault.token,
      platformFile,
      String(workers),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const state: { child: ChildProcess; stats?: Stats } = { child };
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    const last = lines.at(-1);
    if (last) state.stats = JSON.parse(last) as Stats;
  });
  return state;
}

type Observed = {
  status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
};

function isReconciled(o: KubeObject): boolean {
  return (o as Observed).status?.observedGeneration === o.metadata.generation;
}

function isReady(o: KubeObject): boolean {
  const ready = (o as Observed).status?.conditions?.find((c) => c.type === 'Ready');
  return isReconciled(o) && ready?.status === 'True';
}

/** Polls every second until `done` holds for n TradingServices; returns how many are Ready. */
async function waitAll(
  client: KubeClient,
  n: number,
  done: (o: KubeObject) => boolean,
  stats: () => Stats | undefined,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    const { items } = await client.listAll(TRADING_SERVICE);
    const count = items.filter(done).length;
    const ready = items.filter(isReady).length;
    if (count === n) return ready;
    const s = stats();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `${seconds}s: ${count}/${n} done, ${ready} Ready, ${s?.writes} writes, ${s?.reconciles} reconciles\n`,
    );
    await sleep(1000);
  }
}

type Input = ReturnType<typeof syntheticPlatform>;

const namespacesOf = (input: Input) => [
  ...new Set(input.resources.tradingServices.map((s) => s.object.metadata.namespace ?? '')),
];

/** The credentials and key rings of the services in `namespaces`, then the services. */
async function applyServices(env: Environment, input: Input, namespaces: Set<string>) {
  const inScope = (s: { object: KubeObject }) => namespaces.has(s.object.metadata.namespace ?? '');
  const { exchangeCredentials, hmacKeyRings, tradingServices } = input.resources;
  const dependencies = [...exchangeCredentials, ...hmacKeyRings].filter(inScope);
  await applyList(
    env,
    'dependencies',
    dependencies.map((s) => s.object),
  );
  await applyList(
    env,
    'tradingservices',
    tradingServices.filter(inScope).map((s) => s.object),
  );
}

interface Figures {
  kubectlMs: number;
  operatorMs: number;
  rss: number;
  stats: Stats;
  rss10k?: { services: number; rss: number; ready: number; ms: number };
}

/** More services up to `rssServices`; the operator's RSS once every one was reconciled. */
async function atScale(
  env: Environment,
  admin: KubeClient,
  operator: { stats?: Stats },
  pid: number | undefined,
) {
  const input = syntheticPlatform(rssServices);
  const known = new Set(namespacesOf(syntheticPlatform(services)));
  const fresh = namespacesOf(input).filter((ns) => !known.has(ns));
  await applyList(env, 'namespaces-scale', fresh.map(namespaceObject));
  const started = performance.now();
  await applyServices(env, input, new Set(fresh));
  const ready = await waitAll(admin, rssServices, isReconciled, () => operator.stats);
  const ms = performance.now() - started;
  await sleep(2000);
  return { services: rssServices, rss: rssMb(pid), ready, ms };
}

async function main(env: Environment): Promise<Figures> {
  await kubectl(env, ['apply', '--server-side', '-f', 'charts/posture/crds/']);
  await kubectl(env, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  const input = syntheticPlatform(services);
  const namespaces = namespacesOf(input);
  const all = [...namespaces, ...namespaces.map((ns) => `kc-${ns}`), input.platform.nats.namespace];
  await applyList(env, 'namespaces', all.map(namespaceObject));

  const kubectlMs = await applyList(env, 'kubectl', kubectlObjects(input));
  console.log(
    `kubectl apply --server-side of ${services} services' objects: ${Math.round(kubectlMs)} ms`,
  );

  const platformFile = join(dir, 'platform.json');
  writeFileSync(platformFile, JSON.stringify(input.platform));
  const operator = startOperator(env, platformFile);
  try {
    while (!operator.stats) await sleep(100);
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(env.info.kube.kubeconfig);
    const admin = new KubeClient({ kubeConfig, timeoutMs: 60_000 });
    const started = performance.now();
    await applyServices(env, input, new Set(namespaces));
    await waitAll(admin, services, isReady, () => operator.stats);
    const operatorMs = performance.now() - started;
    await sleep(1000);
    const figures = {
      kubectlMs,
      operatorMs,
      rss: rssMb(operator.child.pid),
      stats: operator.stats,
    };
    console.log(`operator: ${services} TradingServices Ready in ${Math.round(operatorMs)} ms`);
    if (rssServices <= services) return figures;
    const rss10k = await atScale(env, admin, operator, operator.child.pid);
    return { ...figures, rss10k };
  } finally {
    operator.child.kill('SIGTERM');
  }
}

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
  console.log(`operator RSS: ${r.rss} MB at ${services} services`);
  if (r.rss10k)
    console.log(
      `operator RSS: ${r.rss10k.rss} MB at ${r.rss10k.services} services, all reconciled in ${Math.round(r.rss10k.ms)} ms, ${r.rss10k.ready} Ready (docs/adr/0034)`,
    );
  console.log(
    `apiserver requests until ${services} Ready: ${requests} (${JSON.stringify(r.stats.counts)}), writes ${r.stats.writes}, reconciles ${r.stats.reconciles} ${JSON.stringify(r.stats.results)}`,
  );
  console.log(
    JSON.stringify({
      ratio,
      operatorMs: Math.round(r.operatorMs),
      kubectlMs: Math.round(r.kubectlMs),
      rssMb1k: services === 1000 ? r.rss : null,
      rssMb10k: r.rss10k?.services === 10_000 ? r.rss10k.rss : null,
      requestsPerReconcile,
      services,
      rssMb: r.rss,
      ...(r.rss10k && {
        scaleServices: r.rss10k.services,
        scaleReady: r.rss10k.ready,
        scaleMs: Math.round(r.rss10k.ms),
      }),
    }),
  );
}

const env = await startEnvironment({ controllers: false, log: () => undefined });
try {
  report(await main(env));
} finally {
  await env.stop();
}

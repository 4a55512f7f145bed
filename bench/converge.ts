/**
 * How fast the operator converges N TradingServices applied at once, against the real test
 * environment, compared with `kubectl apply --server-side` of the same rendered objects in the
 * same run: time until every CR is Ready (Vault policy, role and NKey, four children, NATS
 * config published), the operator's RSS and its apiserver requests per reconcile.
 *
 *   npm run bench -- converge [--services 1000] [--workers 8]
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

function isReady(o: KubeObject): boolean {
  const status = (
    o as {
      status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
    }
  ).status;
  const ready = status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  return ready && status?.observedGeneration === o.metadata.generation;
}

async function waitAllReady(client: KubeClient, n: number, stats: () => Stats | undefined) {
  const started = performance.now();
  for (;;) {
    const { items } = await client.listAll(TRADING_SERVICE);
    const ready = items.filter(isReady).length;
    if (ready === n) return;
    const s = stats();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `${seconds}s: ${ready}/${n} Ready, ${s?.writes} writes, ${s?.reconciles} reconciles\n`,
    );
    await sleep(1000);
  }
}

async function main(env: Environment): Promise<void> {
  await kubectl(env, ['apply', '--server-side', '-f', 'charts/posture/crds/']);
  await kubectl(env, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  const input = syntheticPlatform(services);
  const namespaces = [
    ...new Set(input.resources.tradingServices.map((s) => s.object.metadata.namespace ?? '')),
  ];
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
    const { exchangeCredentials, hmacKeyRings, tradingServices } = input.resources;
    await applyList(
      env,
      'dependencies',
      [...exchangeCredentials, ...hmacKeyRings].map((s) => s.object),
    );
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(env.info.kube.kubeconfig);
    const admin = new KubeClient({ kubeConfig, timeoutMs: 60_000 });
    const started = performance.now();
    await applyList(
      env,
      'tradingservices',
      tradingServices.map((s) => s.object),
    );
    await waitAllReady(admin, services, () => operator.stats);
    const operatorMs = performance.now() - started;
    await sleep(1000);
    report({ kubectlMs, operatorMs, rss: rssMb(operator.child.pid), stats: operator.stats });
  } finally {
    operator.child.kill('SIGTERM');
  }
}

function report(r: { kubectlMs: number; operatorMs: number; rss: number; stats: Stats }): void {
  const requests = Object.entries(r.stats.counts)
    .filter(([verb]) => verb !== 'watch')
    .reduce((sum, [, count]) => sum + count, 0);
  const requestsPerReconcile = Math.round((requests / Math.max(1, r.stats.reconciles)) * 100) / 100;
  const ratio = Math.round((r.operatorMs / r.kubectlMs) * 100) / 100;
  console.log(
    `\noperator: ${services} TradingServices Ready in ${Math.round(r.operatorMs)} ms (${workers} workers)`,
  );
  console.log(`ratio operator/kubectl: ${ratio}`);
  console.log(
    `operator RSS: ${r.rss} MB at ${services} services; 10k services not measured (rssMb10k null)`,
  );
  console.log(
    `apiserver requests: ${requests} (${JSON.stringify(r.stats.counts)}), writes ${r.stats.writes}, reconciles ${r.stats.reconciles} ${JSON.stringify(r.stats.results)}`,
  );
  console.log(
    JSON.stringify({
      ratio,
      operatorMs: Math.round(r.operatorMs),
      kubectlMs: Math.round(r.kubectlMs),
      rssMb1k: services === 1000 ? r.rss : null,
      rssMb10k: null,
      requestsPerReconcile,
      services,
      rssMb: r.rss,
    }),
  );
}

const env = await startEnvironment({ controllers: false, log: () => undefined });
try {
  await main(env);
} finally {
  await env.stop();
}

/**
 * The floor under the converge bench's `limitRatio`: what any operator of TradingServices must
 * cost this machine, measured against the same limit in the same run.
 *
 * The limit side (as `npm run bench -- converge`) server-side applies every service's four
 * children with 16 requests in flight. The floor side does, with the same pool, only what a
 * level-based operator cannot skip, and none of posture's logic:
 *
 * - the user's TradingService apply (the converge's operator side has it too);
 * - the watches an operator holds: TradingServices, and its four child kinds by label (drift of a
 *   child is put back from the watch), plus the converge's own readiness watch of TradingServices;
 * - the four children (owned by their TradingService, as posture's) and one status apply per
 *   service;
 * - on a second floor side, also the four Vault requests posture makes per service (policy,
 *   Kubernetes-auth role, the NKey's KV write, the pinned secret's KV metadata), by posture's
 *   Vault client.
 *
 * Each side runs on a fresh cluster, `--rounds` times in turn (limit, floor, floor with Vault);
 * the JSON line has the median ratios and every round's. Whatever posture's own logic costs
 * comes on top of `floorRatioVault`: the converge's `limitRatio` minus it is that logic's share.
 *
 *   npm run bench -- floor [--services 1000] [--rounds 2]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRADING_SERVICE } from '../src/api/tradingservice/kind.ts';
import { childCache } from '../src/controllers/kit/children.ts';
import { CHILD_RESOURCES } from '../src/controllers/tradingservice/apply.ts';
import { withOwner } from '../src/controllers/tradingservice/decide.ts';
import { nkeyPath } from '../src/controllers/tradingservice/vault.ts';
import { Informer } from '../src/operator/informer/informer.ts';
import { KubeClient } from '../src/operator/kube/client.ts';
import { loadKubeconfig } from '../src/operator/kube/kubeconfig.ts';
import type { KubeObject } from '../src/operator/kube/types.ts';
import { silentLog } from '../src/operator/telemetry/log.ts';
import { kvDataPath } from '../src/render/build-model.ts';
import { syntheticPlatform } from '../src/render/testing/synthetic.ts';
import { startEnvironment, type Environment } from '../src/testenv/environment.ts';
import { staticToken } from '../src/vault/auth.ts';
import { HttpVaultAdapter } from '../src/vault/http.ts';
import { cpuBetween, cpuOf, sampleCpu, type CpuSample } from './support/cpu.ts';
import { applyAtLimit, childResource, movedTo, renderedChildren } from './support/limit.ts';
import { median } from './support/stats.ts';
import { flag } from './support/flags.ts';
import { kubectl } from './support/kubectl.ts';

const services = flag('services', 1000);
const rounds = flag('rounds', 2);
const POOL = 16;
const dir = mkdtempSync(join(tmpdir(), 'posture-floor-'));

type Input = ReturnType<typeof syntheticPlatform>;

/** Each service: its TradingService, its four children, and its pinned secret's KV path. */
interface Unit {
  service: KubeObject;
  children: KubeObject[];
  secretPath: string | undefined;
}

function unitsOf(input: Input): Unit[] {
  const byService = new Map<string, KubeObject[]>();
  for (const child of renderedChildren(input)) {
    const key = `${child.metadata.namespace}/${child.metadata.name}`;
    byService.set(key, [...(byService.get(key) ?? []), child]);
  }
  return input.resources.tradingServices.map(({ object }) => {
    const key = `${object.metadata.namespace}/${object.metadata.name}`;
    const spec = (object as { spec?: { secrets?: { vaultPath?: string }[] } }).spec;
    return {
      service: object,
      children: byService.get(key) ?? [],
      secretPath: spec?.secrets?.[0]?.vaultPath,
    };
  });
}

/** A status of the size posture writes: five conditions, the NKey's key and versions. */
function statusOf(object: KubeObject): KubeObject {
  const now = new Date().toISOString();
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastTransitionTime: now,
    observedGeneration: object.metadata.generation ?? 1,
  });
  return {
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'TradingService',
    metadata: { name: object.metadata.name, namespace: object.metadata.namespace },
    status: {
      observedGeneration: object.metadata.generation ?? 1,
      conditions: [
        condition('Ready', 'True', 'Reconciled', 'Vault access, children and NATS user in place'),
        condition('InvalidSpec', 'False', 'Valid', 'the spec is valid'),
        condition('VaultUnavailable', 'False', 'VaultReachable', 'Vault answered'),
        condition('Degraded', 'False', 'DependenciesReady', 'every dependency is in place'),
        condition('Forbidden', 'False', 'WithinTenancy', 'every path is the namespace own'),
      ],
      readyReplicas: 0,
      natsUser: `U${'A'.repeat(55)}`,
      nkeyVersion: 1,
      nkeyPinnedVersion: 1,
    },
  };
}

async function prepare(env: Environment, namespaces: string[]): Promise<void> {
  await kubectl(env, ['apply', '--server-side', '-f', 'charts/posture/crds/']);
  await kubectl(env, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  const file = join(dir, 'namespaces.json');
  const items = namespaces.map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  }));
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  await kubectl(env, ['apply', '--server-side', '-f', file]);
}

const clientOf = (env: Environment, fieldManager: string) =>
  new KubeClient({
    access: loadKubeconfig(env.info.kube.kubeconfig),
    timeoutMs: 60_000,
    fieldManager,
  });

/**
 * The informers an operator of these kinds holds (on its own client, as posture's share one),
 * and the converge's readiness watch (on the bench's).
 */
async function watching(
  { operator, bench }: { operator: KubeClient; bench: KubeClient },
  signal: AbortSignal,
): Promise<void> {
  const informers = [
    new Informer<KubeObject>({ source: operator, resource: TRADING_SERVICE, log: silentLog }),
    new Informer<KubeObject>({ source: bench, resource: TRADING_SERVICE, log: silentLog }),
    ...Object.entries(CHILD_RESOURCES).map(
      ([kind, resource]) =>
        new Informer<KubeObject>({
          source: operator,
          resource,
          log: silentLog,
          ...childCache(kind),
        }),
    ),
  ];
  informers.forEach((informer) => void informer.run(signal));
  await Promise.all(informers.map((informer) => informer.waitForSync()));
}

/** The Vault requests posture makes for a new service (as the converge counts them). */
function vaultWork(env: Environment, platform: Input['platform']) {
  const vault = env.info.vault!;
  const adapter = new HttpVaultAdapter({ address: vault.addr, token: staticToken(vault.token) });
  return async (unit: Unit) => {
    const { namespace = '', name = '' } = unit.service.metadata;
    const policy = `posture-${namespace}-${name}`;
    const entry = nkeyPath(platform, { namespace, name });
    await Promise.all([
      adapter.writePolicy(policy, `path "${kvDataPath(entry)}" {\n  capabilities = ["read"]\n}\n`),
      adapter.write({
        path: `auth/kubernetes/role/${policy}`,
        body: {
          bound_service_account_names: [name],
          bound_service_account_namespaces: [namespace],
          token_policies: [policy],
          token_ttl: 3600,
        },
      }),
      adapter.kvWrite(entry, { seed: 'S'.repeat(58), jwt: 'e'.repeat(700) }, 0),
      unit.secretPath ? adapter.kvMetadata(unit.secretPath) : Promise.resolve(undefined),
    ]);
  };
}

/** The floor side: what any operator of these services must do, 16 services in flight. */
async function floorSide(env: Environment, units: Unit[], vault?: (unit: Unit) => Promise<void>) {
  const controller = new AbortController();
  const operator = clientOf(env, 'posture');
  const bench = clientOf(env, 'bench');
  await watching({ operator, bench }, controller.signal);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < units.length; i = next++) {
      const unit = units[i] as Unit;
      const created = await bench.apply(TRADING_SERVICE, unit.service);
      await vault?.(unit);
      await Promise.all(
        unit.children.map((child) =>
          operator.apply(childResource(child), withOwner(child, created)),
        ),
      );
      await operator.applyStatus(TRADING_SERVICE, statusOf(created));
    }
  };
  try {
    return await timed(env, () => Promise.all(Array.from({ length: POOL }, worker)));
  } finally {
    controller.abort();
  }
}

async function timed(env: Environment, work: () => Promise<unknown>) {
  const sample = (): CpuSample => ({ ...sampleCpu(env.servers()), bench: cpuOf('self').own });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const before = sample();
  const started = performance.now();
  await work();
  const ms = Math.round(performance.now() - started);
  return { ms, cpu: cpuBetween(before, sample()) };
}

async function onFreshCluster<T>(namespaces: string[], run: (env: Environment) => Promise<T>) {
  const env = await startEnvironment({ controllers: false, log: () => undefined });
  try {
    await prepare(env, namespaces);
    return await run(env);
  } finally {
    await env.stop();
  }
}

const input = syntheticPlatform(services);
const units = unitsOf(input);
const namespaces = [...new Set(units.map((u) => u.service.metadata.namespace ?? ''))];
const limitNamespaces = namespaces.map((ns) => `l${POOL}-${ns}`);
const children = movedTo(
  units.flatMap((u) => u.children),
  `l${POOL}`,
);
const ratios = { k8s: [] as number[], vault: [] as number[] };
try {
  for (let round = 1; round <= rounds; round++) {
    const limit = await onFreshCluster(limitNamespaces, (env) =>
      timed(env, () => applyAtLimit(clientOf(env, 'bench'), children, POOL)),
    );
    console.log(`round ${round}: limit ${limit.ms} ms ${JSON.stringify(limit.cpu)}`);
    const k8s = await onFreshCluster(namespaces, (env) => floorSide(env, units));
    console.log(`round ${round}: floor, Kubernetes only ${k8s.ms} ms ${JSON.stringify(k8s.cpu)}`);
    const vault = await onFreshCluster(namespaces, (env) =>
      floorSide(env, units, vaultWork(env, input.platform)),
    );
    console.log(`round ${round}: floor with Vault ${vault.ms} ms ${JSON.stringify(vault.cpu)}`);
    ratios.k8s.push(k8s.ms / limit.ms);
    ratios.vault.push(vault.ms / limit.ms);
  }
  const round2 = (n: number) => Math.round(n * 100) / 100;
  console.log(
    `floor/limit, median of ${rounds}: Kubernetes only ${round2(median(ratios.k8s))}, with Vault ${round2(median(ratios.vault))}`,
  );
  console.log(
    JSON.stringify({
      services,
      rounds,
      floorRatio: round2(median(ratios.k8s)),
      floorRatioVault: round2(median(ratios.vault)),
      floorRatios: ratios.k8s.map(round2),
      floorRatiosVault: ratios.vault.map(round2),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

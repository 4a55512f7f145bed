import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ensureBuilt, type Log } from './build.ts';
import { ensureCiliumCrds } from './cilium.ts';
import { ALL_COMPONENTS } from './components.ts';
import { startControllers, writeKwokNodes } from './controllers.ts';
import type { TestEnvInfo } from './info.ts';
import { need, startControlPlane, type ControlPlane } from './kube.ts';
import type { Managed } from './process.ts';
import { startNats } from './nats.ts';
import { startVault } from './vault.ts';

const exec = promisify(execFile);

export interface EnvironmentOptions {
  /** kube-controller-manager, kube-scheduler and kwok with simulated Nodes. @default true */
  controllers?: boolean;
  /** How many kwok Nodes. @default 2 */
  nodes?: number;
  /** Vault dev server. @default true */
  vault?: boolean;
  /** A nats-server with an empty authorization config (the operator writes the real one). @default false */
  nats?: boolean;
  /** Keep the working folder after stop (logs for debugging). @default false */
  keep?: boolean;
  log?: Log;
}

export interface Environment {
  info: TestEnvInfo;
  /** Path of env.json (what `POSTURE_TESTENV` points to). */
  infoFile: string;
  controlPlane: ControlPlane;
  /** Every server process running now (name and pid), e.g. to read its memory. */
  servers(): { name: string; pid: number | undefined }[];
  stop(): Promise<void>;
}

async function kubectl(
  info: { kubeconfig: string },
  kubectlBin: string,
  args: string[],
): Promise<string> {
  const { stdout } = await exec(kubectlBin, [`--kubeconfig=${info.kubeconfig}`, ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

interface Crd {
  status?: { conditions?: { type: string; status: string }[] | null };
}

// Polled rather than `kubectl wait` (or a jsonpath filter), both of which error out while a
// new CRD has no conditions yet.
async function waitEstablished(
  plane: ControlPlane,
  kubectlBin: string,
  crd: string,
): Promise<void> {
  for (let i = 0; i < 120; i += 1) {
    const json = await kubectl(plane, kubectlBin, ['get', `crd/${crd}`, '-o', 'json']);
    const conditions = (JSON.parse(json) as Crd).status?.conditions ?? [];
    if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) return;
    await sleep(250);
  }
  throw new Error(`CRD ${crd} was not Established within 30 s`);
}

async function installCilium(
  plane: ControlPlane,
  kubectlBin: string,
  crdDir: string,
): Promise<void> {
  await kubectl(plane, kubectlBin, ['apply', '--server-side', '-f', crdDir]);
  for (const crd of [
    'ciliumnetworkpolicies.cilium.io',
    'ciliumclusterwidenetworkpolicies.cilium.io',
  ]) {
    await waitEstablished(plane, kubectlBin, crd);
  }
}

/**
 * Builds (or reuses) every binary and starts the real servers on loopback with random ports.
 * Whatever fails stops what had started, and the error names the server and shows its log.
 */
export async function startEnvironment(options: EnvironmentOptions = {}): Promise<Environment> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = Date.now();
  const wanted = ALL_COMPONENTS.filter((c) => c !== 'vault' || (options.vault ?? true));
  const bin = await ensureBuilt(wanted, log);
  const ciliumCrdDir = await ensureCiliumCrds();
  const dir = mkdtempSync(join(tmpdir(), 'posture-env-'));
  // Controllers, kwok and Vault; the control plane keeps its own live list (its apiserver
  // may be restarted by a test), so stop reads both at the time it runs.
  const processes: Managed[] = [];
  let plane: ControlPlane | undefined;
  const stop = async (): Promise<void> => {
    for (const p of [...processes].reverse()) await p.stop();
    for (const p of [...(plane?.processes ?? [])].reverse()) await p.stop();
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  };
  try {
    plane = await startControlPlane({ dir, bin });
    const info = await startRest(plane, { dir, bin, ciliumCrdDir, options, processes });
    const infoFile = join(dir, 'env.json');
    writeFileSync(infoFile, JSON.stringify(info, null, 2), { mode: 0o600 });
    log(`testenv: environment up in ${((Date.now() - started) / 1000).toFixed(1)} s (${dir})`);
    const live = plane;
    const servers = (): { name: string; pid: number | undefined }[] =>
      [...live.processes, ...processes].map((p) => ({ name: p.name, pid: p.child.pid }));
    return { info, infoFile, controlPlane: plane, servers, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface RestContext {
  dir: string;
  bin: Record<string, string>;
  ciliumCrdDir: string;
  options: EnvironmentOptions;
  processes: Managed[];
}

async function startRest(plane: ControlPlane, ctx: RestContext): Promise<TestEnvInfo> {
  const kubectlBin = need(ctx.bin, 'kubectl');
  await installCilium(plane, kubectlBin, ctx.ciliumCrdDir);
  const nodes: string[] = [];
  if (ctx.options.controllers ?? true) {
    ctx.processes.push(...(await startControllers(plane, ctx.bin, ctx.dir)));
    const count = ctx.options.nodes ?? 2;
    nodes.push(...Array.from({ length: count }, (_, i) => `kwok-node-${i}`));
    await kubectl(plane, kubectlBin, ['create', '-f', writeKwokNodes(ctx.dir, nodes)]);
  }
  let vault: TestEnvInfo['vault'];
  if (ctx.options.vault ?? true) {
    const vaultDir = join(ctx.dir, 'vault');
    mkdirSync(vaultDir);
    const server = await startVault(need(ctx.bin, 'vault'), vaultDir);
    ctx.processes.push(server.process);
    vault = { addr: server.addr, token: server.token };
  }
  const nats = ctx.options.nats ? await startNats(need(ctx.bin, 'nats-server'), '') : undefined;
  if (nats) ctx.processes.push({ ...nats.process, stop: nats.stop });
  return {
    dir: ctx.dir,
    kube: {
      server: plane.server,
      token: plane.token,
      caFile: plane.caFile,
      kubeconfig: plane.kubeconfig,
      auditLog: plane.auditLog,
      nodes,
    },
    ...(vault ? { vault } : {}),
    ...(nats && {
      nats: { url: nats.url, monitorUrl: nats.monitorUrl, configFile: nats.configFile },
    }),
    bin: ctx.bin,
    ciliumCrdDir: ctx.ciliumCrdDir,
  };
}

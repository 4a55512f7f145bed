import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exchangeCredentialController } from '../controllers/exchangecredential/reconcile.ts';
import { tradingServiceController } from '../controllers/tradingservice/reconcile.ts';
import { readPlatformDir } from '../gitops/source.ts';
import { natsAuthText } from '../controllers/tradingservice/nats.ts';
import { ConfirmedPublisher, type NatsPublisher } from '../nats/publisher.ts';
import { varzConfigLoadTime, type ReloadTarget } from '../nats/reloader.ts';
import { runOperator } from './run-operator.ts';
import { formatProblem } from '../render/problems.ts';
import type { Platform } from '../api/platform/settings.ts';
import type { Environment } from '../testenv/environment.ts';
import { need } from '../testenv/kube.ts';
import { startNats } from '../testenv/nats.ts';
import { staticToken } from '../vault/auth.ts';
import { HttpVaultAdapter } from '../vault/http.ts';
import { startDevExchange } from './dev-exchange.ts';
import { seedDevSecrets } from './dev-seed.ts';
import { bootstrapOperatorLogin } from './dev-vault.ts';

const exec = promisify(execFile);

/**
 * `posture dev up` with the operator: posture's CRDs and a platform folder (examples/titan) go
 * into the local environment, and the operator runs against it in this process, writing the
 * aggregated NATS auth config to the local nats-server's file and signalling it.
 */

async function kubectl(env: Environment, args: string[]): Promise<void> {
  const bin = env.info.bin['kubectl'] ?? 'kubectl';
  await exec(bin, [`--kubeconfig=${env.info.kube.kubeconfig}`, ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
}

async function applyList(env: Environment, name: string, items: unknown[]): Promise<void> {
  const file = join(env.info.dir, `${name}.json`);
  await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  await kubectl(env, ['apply', '--server-side', '-f', file]);
}

/**
 * A nats-server of its own, started with the platform's config and no users yet: nats-server
 * cannot take on a system account by reload, so it must start with the one the platform names.
 * The operator then writes the aggregated config to its file (keeping the listen settings),
 * signals it and confirms through /varz.
 */
async function startDevNats(env: Environment, platform: Platform) {
  const server = await startNats(
    need(env.info.bin, 'nats-server'),
    natsAuthText(platform, [], new Map()),
  );
  const listen = (await readFile(server.configFile, 'utf8'))
    .split('\n')
    .filter((l) => /^(host|port|http):/.test(l))
    .join('\n');
  const target: ReloadTarget = {
    write: (text) => writeFile(server.configFile, `${text}\n${listen}\n`),
    reload: () => Promise.resolve(server.reload()),
    loadedMarker: () => varzConfigLoadTime(server.monitorUrl),
  };
  return { server, target };
}

/**
 * Installs the CRDs and the platform's CRs, after random dev values for the secrets they
 * declare (so credentials are not KeyMissing); returns the platform settings.
 */
async function installPlatform(env: Environment, dir: string, vault: HttpVaultAdapter) {
  const source = readPlatformDir(dir);
  if (source.problems.length > 0)
    throw new Error(`${dir}:\n  ${source.problems.map(formatProblem).join('\n  ')}`);
  await seedDevSecrets(vault, source.resources);
  await kubectl(env, ['apply', '--server-side', '-f', 'charts/posture/crds/']);
  await kubectl(env, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  const { exchangeCredentials, hmacKeyRings, tradingServices } = source.resources;
  const crs = [...exchangeCredentials, ...hmacKeyRings, ...tradingServices].map((s) => s.object);
  const namespaces = new Set([
    source.platform.nats.namespace,
    ...crs.map((o) => o.metadata.namespace ?? 'default'),
  ]);
  const namespaceObjects = [...namespaces].map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  }));
  await applyList(env, 'namespaces', namespaceObjects);
  await applyList(env, 'platform', crs);
  const credentials = exchangeCredentials.map((s) => s.object);
  return { platform: source.platform, crs: crs.length, namespaces: [...namespaces], credentials };
}

/** Runs until `signal` aborts; resolves once the operator has stopped. */
export async function runDevOperator(
  env: Environment,
  options: { dir: string; signal: AbortSignal; say: (line: string) => void },
): Promise<void> {
  const vault = env.info.vault;
  if (!vault) throw new Error('the operator needs Vault: drop --no-vault');
  const adapter = new HttpVaultAdapter({ address: vault.addr, token: staticToken(vault.token) });
  options.say(`applying ${options.dir} ...`);
  const { platform, crs, namespaces, credentials } = await installPlatform(
    env,
    options.dir,
    adapter,
  );
  // One namespace of CRs (Titan's): watch only it, so tests pointed at this environment
  // (POSTURE_TESTENV) run their own operators beside it without a second one interfering.
  const crNamespaces = namespaces.filter((ns) => ns !== platform.nats.namespace);
  const scope = crNamespaces.length === 1 ? crNamespaces[0] : undefined;
  options.say(
    `${crs} CRs applied, reconciling ${scope ? `namespace ${scope}` : 'all namespaces'}; ` +
      'watch them with `posture status` (KUBECONFIG above)',
  );
  const login = await bootstrapOperatorLogin(env, platform, adapter);
  options.say(`operator logs in to Vault with its own role (${login[0]}), not the root token`);
  const local = await startDevNats(env, platform);
  options.say(`export NATS_URL=${local.server.url}   # monitoring ${local.server.monitorUrl}`);
  const nats = (): NatsPublisher => new ConfirmedPublisher(local.target);
  const exchange = await startDevExchange(adapter, credentials, platform);
  options.say(
    `exchanges: binance and bybit stand-ins at ${exchange.url} answer the daily key check`,
  );
  try {
    await runOperator({
      argv: [
        `--kubeconfig=${env.info.kube.kubeconfig}`,
        `--vault-addr=${vault.addr}`,
        ...login,
        '--metrics-port=0',
        '--metrics-host=127.0.0.1',
        '--lease-namespace=default',
        '--log-level=warn',
        ...exchange.flags(),
      ],
      register: [
        exchangeCredentialController(platform, scope ? { namespace: scope } : {}),
        tradingServiceController(platform, { nats, ...(scope && { namespace: scope }) }),
      ],
      vaultAuthMount: platform.vault.authMount,
      signal: options.signal,
    });
  } finally {
    await exchange.stop();
    await local.server.stop();
  }
}

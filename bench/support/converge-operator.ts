/**
 * The TradingService reconciler in a process of its own for bench/converge.ts, so its memory
 * is the operator's alone. Prints one JSON line of request and reconcile counts every 500 ms.
 * Arguments: <kubeconfig> <vault-addr> <vault-token> <platform.json> <workers>
 */
import { readFileSync } from 'node:fs';
import { tradingServiceController } from '../../src/crds/tradingservice/reconcile.ts';
import { ConfirmedPublisher, secretWriter, unconfirmedTarget } from '../../src/nats/publisher.ts';
import { loadConfig } from '../../src/operator/config.ts';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { loadKubeconfig } from '../../src/operator/kube/kubeconfig.ts';
import { Manager } from '../../src/operator/manager.ts';
import { createLogger } from '../../src/operator/telemetry/log.ts';
import { createMetrics } from '../../src/operator/telemetry/metrics.ts';
import { platformSchema } from '../../src/render/platform.ts';
import { staticToken } from '../../src/vault/auth.ts';
import { NodeVaultAdapter } from '../../src/vault/node-vault.ts';

const [kubeconfig = '', vaultAddr = '', vaultToken = '', platformFile = '', workers = '8'] =
  process.argv.slice(2);
const platform = platformSchema.parse(JSON.parse(readFileSync(platformFile, 'utf8')));
const client = new KubeClient({ access: loadKubeconfig(kubeconfig) });
const vault = new NodeVaultAdapter({ address: vaultAddr, token: staticToken(vaultToken) });
const log = createLogger({ level: 'error' });
const metrics = createMetrics();
const manager = new Manager({
  client,
  log,
  metrics,
  identity: 'bench',
  workers: Number(workers),
  resyncPeriodMs: 600_000,
  stallTimeoutMs: 120_000,
  leaderElection: { enabled: false, namespace: 'default', name: 'unused' },
  health: { port: 0, host: '127.0.0.1' },
});
const config = loadConfig({
  argv: [`--vault-addr=${vaultAddr}`, `--kubeconfig=${kubeconfig}`, '--vault-role=unused'],
  env: {},
});
const nats = () =>
  new ConfirmedPublisher(unconfirmedTarget(secretWriter(client, platform.nats.namespace)));
tradingServiceController(platform, { nats })({ config, client, vault, log, metrics, manager });

async function report(): Promise<void> {
  const text = await metrics.registry.metrics();
  const results: Record<string, number> = {};
  for (const line of text.split('\n').filter((l) => l.startsWith('posture_reconcile_total{'))) {
    const result = /result="([^"]+)"/.exec(line)?.[1] ?? 'unknown';
    results[result] = (results[result] ?? 0) + Number(line.split(' ').at(-1));
  }
  const reconciles = Object.values(results).reduce((a, b) => a + b, 0);
  const { rss, heapUsed } = process.memoryUsage();
  const memory = { rssMb: Math.round(rss / 1048576), heapMb: Math.round(heapUsed / 1048576) };
  const stats = { counts: client.counts(), writes: client.writes(), reconciles, results, memory };
  process.stdout.write(`${JSON.stringify(stats)}\n`);
}

const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
// The bench asks for a full collection before it reads memory (node runs with --expose-gc).
process.on('SIGUSR2', () => (globalThis as { gc?: () => void }).gc?.());
const timer = setInterval(() => void report(), 500);
await manager.run(stop.signal);
clearInterval(timer);

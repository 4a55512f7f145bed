import type { Command } from 'commander';
import { ensureBuilt } from '../testenv/build.ts';
import { ensureArgoCdCrds } from '../testenv/argocd.ts';
import { ensureCiliumCrds } from '../testenv/cilium.ts';
import { ALL_COMPONENTS, COMPONENTS } from '../testenv/components.ts';
import { startEnvironment } from '../testenv/environment.ts';
import { runDevOperator } from './dev-operator.ts';

async function build(): Promise<void> {
  const bin = await ensureBuilt(ALL_COMPONENTS);
  await ensureCiliumCrds();
  // Downloaded here too, so a warmed cache serves the Argo CD test offline.
  await ensureArgoCdCrds();
  for (const [name, path] of Object.entries(bin).sort()) process.stdout.write(`${name}\t${path}\n`);
}

interface UpOptions {
  nodes: string;
  vault: boolean;
  controllers: boolean;
  nats: boolean;
  operator: boolean;
  platform: string;
}

async function up(options: UpOptions): Promise<void> {
  const env = await startEnvironment({
    nodes: Number(options.nodes),
    vault: options.vault,
    controllers: options.controllers,
    // With the operator, nats-server is started by it, with the platform's system account.
    nats: options.nats && !options.operator,
  });
  const { info } = env;
  const lines = [
    '',
    'posture dev environment is up (loopback only). Stop it with Ctrl-C.',
    '',
    `  export KUBECONFIG=${info.kube.kubeconfig}`,
    `  export PATH=${info.bin.kubectl?.replace(/\/kubectl$/, '')}:$PATH   # kubectl ${COMPONENTS.kube.version}`,
    `  export POSTURE_TESTENV=${env.infoFile}   # lets integration tests use this environment`,
    ...(info.vault
      ? [`  export VAULT_ADDR=${info.vault.addr}`, `  export VAULT_TOKEN=${info.vault.token}`]
      : []),
    `  apiserver ${info.kube.server}, nodes: ${info.kube.nodes.join(', ') || 'none'}`,
    ...(info.nats
      ? [`  export NATS_URL=${info.nats.url}   # monitoring ${info.nats.monitorUrl}`]
      : []),
    '',
  ];
  process.stdout.write(lines.join('\n'));
  const stopOperator = new AbortController();
  const operator = options.operator
    ? runDevOperator(env, {
        dir: options.platform,
        signal: stopOperator.signal,
        say: (line) => process.stdout.write(`  operator: ${line}\n`),
      })
    : Promise.resolve();
  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    operator.catch((error: unknown) => {
      process.stderr.write(`operator: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
      resolve();
    });
  });
  stopOperator.abort();
  await operator.catch(() => undefined);
  process.stdout.write('\nstopping ...\n');
  await env.stop();
  process.stdout.write('stopped.\n');
}

/** `posture dev build|up`: the real-server environment the tests use, for a person. */
export function registerDev(program: Command): void {
  const dev = program
    .command('dev')
    .description(
      'build and run the local environment: etcd, kube-apiserver, controllers, kwok nodes, Vault',
    );
  dev
    .command('build')
    .description(
      'build (or reuse) the pinned servers and tools from their Go modules into ~/.cache/posture-testenv\n' +
        '(cold: ~40 min on 2 cores; warm: seconds). Prints each binary and its path.',
    )
    .action(build);
  dev
    .command('up')
    .description(
      'start the environment on loopback with random ports; prints KUBECONFIG and Vault settings',
    )
    .option('--nodes <n>', 'simulated kwok nodes', '2')
    .option('--no-vault', 'do not start Vault')
    .option(
      '--no-nats',
      'do not start nats-server (with --no-operator; the operator starts its own)',
    )
    .option('--no-controllers', 'no controller-manager, scheduler or kwok (apiserver only)')
    .option('--no-operator', 'do not run the operator (nor apply the platform)')
    .option('--platform <dir>', 'platform folder applied for the operator', 'examples/titan')
    .action(up);
}

import type { Command } from 'commander';
import {
  ISOLATION_ACTOR,
  ISOLATION_LABEL,
  ISOLATION_REASON,
  isolationStatus,
  type IsolationStatus,
} from '../controllers/tradingservice/isolation-state.ts';
import { KubeClient } from '../operator/kube/client.ts';
import { isNotFound } from '../operator/kube/errors.ts';
import { defaultAccess, loadKubeconfig } from '../operator/kube/kubeconfig.ts';
import { RESOURCES } from '../operator/kube/resources.ts';
import { quarantinePart } from '../render/namespace.ts';
import { partManifest } from '../render/objects.ts';
import { userInfo } from 'node:os';

interface FlipOptions {
  kubeconfig?: string;
  reason?: string;
  actor?: string;
  timeout: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function clientOf(options: FlipOptions): KubeClient {
  const access = options.kubeconfig ? loadKubeconfig(options.kubeconfig) : defaultAccess();
  // Its own field manager: the quarantine it applies is shared with the operator's, not taken.
  return new KubeClient({ access, timeoutMs: 10_000, fieldManager: 'posture-cli' });
}

function printSteps(status: IsolationStatus | undefined, printed: Set<string>): void {
  for (const step of status?.steps ?? []) {
    if (printed.has(step.step)) continue;
    printed.add(step.step);
    const detail = step.detail ? `  ${step.detail}` : '';
    process.stdout.write(`  ${String(step.atMs).padStart(6)} ms  ${step.step}${detail}\n`);
  }
  if (status?.error) process.stdout.write(`  failing: ${status.error}\n`);
}

/** Follows the operator's progress on the Namespace, printing each step once, until `done`. */
async function follow(
  client: KubeClient,
  namespace: string,
  done: (status: IsolationStatus) => boolean,
  timeoutMs: number,
): Promise<IsolationStatus | undefined> {
  const printed = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = isolationStatus(await client.get(RESOURCES.namespace, { name: namespace }));
    printSteps(status, printed);
    if (status && done(status)) return status;
    await sleep(100);
  }
  return undefined;
}

function seconds(text: string): number {
  const match = /^(\d+)s?$/.exec(text);
  if (!match) throw new Error(`--timeout ${JSON.stringify(text)}: give seconds, such as 60 or 60s`);
  return Number(match[1]) * 1000;
}

async function namespaceExists(client: KubeClient, namespace: string): Promise<void> {
  if (!(await client.get(RESOURCES.namespace, { name: namespace })))
    throw new Error(`namespace ${namespace} not found`);
}

export async function isolate(namespace: string, options: FlipOptions): Promise<boolean> {
  if (!options.reason)
    throw new Error('--reason is required: say why, it is kept on the namespace');
  const client = clientOf(options);
  await namespaceExists(client, namespace);
  const started = Date.now();
  // Traffic is cut first, by this command, even if the operator is down.
  await client.apply(
    RESOURCES.ciliumNetworkPolicy,
    partManifest(quarantinePart(namespace)) as never,
  );
  process.stdout.write(`${namespace}: quarantine policy applied (${Date.now() - started} ms)\n`);
  const actor = options.actor ?? userInfo().username;
  await client.patch(RESOURCES.namespace, {
    name: namespace,
    type: 'merge',
    patch: {
      metadata: {
        labels: { [ISOLATION_LABEL]: 'isolated' },
        annotations: { [ISOLATION_REASON]: options.reason, [ISOLATION_ACTOR]: actor },
      },
    },
  });
  process.stdout.write(`${namespace}: labelled ${ISOLATION_LABEL}=isolated; the operator:\n`);
  const status = await follow(
    client,
    namespace,
    (s) => s.state === 'isolated',
    seconds(options.timeout),
  );
  if (!status) {
    process.stdout.write(
      `${namespace}: the operator has not finished within ${options.timeout}; traffic is cut by the quarantine policy, Vault and NATS may not be: check the operator (posture status ${namespace})\n`,
    );
    return false;
  }
  process.stdout.write(`${namespace}: isolated in ${Date.now() - started} ms\n`);
  return true;
}

export async function release(namespace: string, options: FlipOptions): Promise<boolean> {
  const client = clientOf(options);
  await namespaceExists(client, namespace);
  const started = Date.now();
  await client.patch(RESOURCES.namespace, {
    name: namespace,
    type: 'merge',
    patch: { metadata: { labels: { [ISOLATION_LABEL]: 'released' } } },
  });
  process.stdout.write(`${namespace}: labelled ${ISOLATION_LABEL}=released; the operator:\n`);
  const done = (s: IsolationStatus) =>
    s.state === 'released' && s.steps.some((step) => step.step === 'restarted');
  const status = await follow(client, namespace, done, seconds(options.timeout));
  if (!status) {
    process.stdout.write(
      `${namespace}: not released within ${options.timeout}; it stays isolated until the operator finishes\n`,
    );
    return false;
  }
  process.stdout.write(`${namespace}: released in ${Date.now() - started} ms\n`);
  return true;
}

function run(name: string, action: () => Promise<boolean>): Promise<void> {
  return action().then(
    (ok) => {
      if (!ok) process.exitCode = 1;
    },
    (error: unknown) => {
      const message = isNotFound(error)
        ? 'not found'
        : error instanceof Error
          ? error.message
          : String(error);
      process.stderr.write(`posture ${name}: ${message}\n`);
      process.exitCode = 1;
    },
  );
}

/** `posture isolate NS --reason TEXT` and `posture release NS`: the incident responder's switch. */
export function registerIsolation(program: Command): void {
  const common = (command: Command) =>
    command
      .option(
        '--kubeconfig <file>',
        'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)',
      )
      .option('--timeout <seconds>', 'how long to follow the operator', '60');
  common(
    program
      .command('isolate <namespace>')
      .description(
        'cut a namespace off: applies the quarantine policy (deny all traffic) at once, then labels it\n' +
          'posture.dev/isolation=isolated; the operator revokes its Vault tokens, refuses new logins and\n' +
          'disables its NATS users. Prints each step as the operator completes it. Undo with `posture release`.',
      )
      .requiredOption('--reason <text>', 'why (kept on the namespace, shown by posture status)')
      .option('--actor <name>', 'who (default: the local user name)'),
  ).action((namespace: string, options: FlipOptions) =>
    run('isolate', () => isolate(namespace, options)),
  );
  common(
    program
      .command('release <namespace>')
      .description(
        'lift an isolation: the operator removes the quarantine policy, gives Vault and NATS access back\n' +
          'and restarts the workloads so they log in afresh. The namespace stays isolated until all is done.',
      ),
  ).action((namespace: string, options: FlipOptions) =>
    run('release', () => release(namespace, options)),
  );
}

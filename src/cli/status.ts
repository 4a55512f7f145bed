import type { Command } from 'commander';
import { KINDS, resourceOf } from '../api/index.ts';
import {
  ISOLATION_LABEL,
  isolationStatus,
  type IsolationStatus,
} from '../controllers/tradingservice/isolation-state.ts';
import { KubeClient } from '../operator/kube/client.ts';
import { RESOURCES } from '../operator/kube/resources.ts';
import { KubeApiError } from '../operator/kube/errors.ts';
import { defaultAccess, loadKubeconfig } from '../operator/kube/kubeconfig.ts';
import { formatStatusTable, type StatusObject } from './status-table.ts';

interface StatusOptions {
  kubeconfig?: string;
  namespace?: string;
}

/** The kinds whose objects report status; the PosturePlatform holds settings, not state. */
const STATUS_KINDS = KINDS.filter((k) => k.scope === 'Namespaced');

async function listKind(client: KubeClient, kind: (typeof KINDS)[number], namespace?: string) {
  try {
    const list = await client.listAll(resourceOf(kind), namespace ? { namespace } : {});
    // Items of a list carry no kind; the shape below is what the CRD's status schema allows.
    return list.items.map((item) => ({ ...item, kind: kind.kind }) as StatusObject);
  } catch (error) {
    if (error instanceof KubeApiError && error.code === 404) {
      throw new Error(
        `the ${kind.plural}.posture.dev CRD is not installed in this cluster ` +
          '(fix: kubectl apply --server-side -f charts/posture/crds/)',
      );
    }
    throw error;
  }
}

async function status(options: StatusOptions): Promise<void> {
  const access = options.kubeconfig ? loadKubeconfig(options.kubeconfig) : defaultAccess();
  const client = new KubeClient({ access, timeoutMs: 10_000 });
  const objects = (
    await Promise.all(STATUS_KINDS.map((k) => listKind(client, k, options.namespace)))
  ).flat();
  process.stdout.write(formatStatusTable(objects));
  if (options.namespace) process.stdout.write(await isolationLine(client, options.namespace));
}

/** One line for a namespace's isolation (pure). */
export function describeIsolation(
  namespace: string,
  status: IsolationStatus | undefined,
  label: string | undefined,
): string {
  if (!status && !label) return `namespace ${namespace}: not isolated\n`;
  if (!status) return `namespace ${namespace}: labelled ${label}, the operator has not started\n`;
  const who = [status.actor && `by ${status.actor}`, status.reason && `(${status.reason})`];
  const steps = status.steps.map((s) => `${s.step} ${s.atMs} ms`).join(', ');
  const parts = [
    `namespace ${namespace}: ${status.state} since ${status.since} ${who.filter(Boolean).join(' ')}`,
    `label ${ISOLATION_LABEL}=${label ?? '(none)'}`,
    ...(steps ? [`steps: ${steps}`] : []),
    ...(status.error ? [`failing: ${status.error}`] : []),
  ];
  return `${parts.join('; ')}\n`;
}

/** The namespace's isolation, as the operator last reported it on the Namespace. */
async function isolationLine(client: KubeClient, namespace: string): Promise<string> {
  let object;
  try {
    object = await client.get(RESOURCES.namespace, { name: namespace });
  } catch (error) {
    // Reading CRs in a namespace does not always come with reading the Namespace itself.
    if (error instanceof KubeApiError && error.code === 403)
      return `namespace ${namespace}: isolation unknown (not allowed to read the Namespace)\n`;
    throw error;
  }
  if (!object) return `namespace ${namespace}: not found\n`;
  return describeIsolation(
    namespace,
    isolationStatus(object),
    object.metadata.labels?.[ISOLATION_LABEL],
  );
}

/** `posture status`: every posture CR with its Ready summary and conditions, as a table. */
export function registerStatus(program: Command): void {
  program
    .command('status [namespace]')
    .description(
      'print every TradingService, HmacKeyRing and ExchangeCredential with its conditions\n' +
        '(READY and REASON come from the Ready condition; a status older than the spec shows as Stale);\n' +
        'with a namespace, also its isolation (state, since, who, why, steps with timings)',
    )
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)')
    .option('-n, --namespace <namespace>', 'only this namespace (default: all namespaces)')
    .action(async (namespace: string | undefined, options: StatusOptions) => {
      try {
        await status({ ...options, ...(namespace && { namespace }) });
      } catch (error) {
        process.stderr.write(
          `posture status: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exitCode = 1;
      }
    });
}

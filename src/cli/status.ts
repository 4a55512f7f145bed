import type { Command } from 'commander';
import { KINDS, resourceOf } from '../api/index.ts';
import { KubeClient } from '../operator/kube/client.ts';
import { KubeApiError } from '../operator/kube/errors.ts';
import { defaultAccess, loadKubeconfig } from '../operator/kube/kubeconfig.ts';
import { formatStatusTable, type StatusObject } from './status-table.ts';

interface StatusOptions {
  kubeconfig?: string;
  namespace?: string;
}

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
    await Promise.all(KINDS.map((k) => listKind(client, k, options.namespace)))
  ).flat();
  process.stdout.write(formatStatusTable(objects));
}

/** `posture status`: every posture CR with its Ready summary and conditions, as a table. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description(
      'print every TradingService, HmacKeyRing and ExchangeCredential with its conditions\n' +
        '(READY and REASON come from the Ready condition; a status older than the spec shows as Stale)',
    )
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)')
    .option('-n, --namespace <namespace>', 'only this namespace (default: all namespaces)')
    .action(async (options: StatusOptions) => {
      try {
        await status(options);
      } catch (error) {
        process.stderr.write(
          `posture status: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exitCode = 1;
      }
    });
}
